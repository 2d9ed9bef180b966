// `kolmo -l`: a table of archives (blocks, codecs, sizes, ratio), with -v one row per block.
// Reads only the header, index and footer, through random access.
#pragma once

#include "cli/targets.h"

namespace kolmo::cli {

class ListPrinter {
 public:
  explicit ListPrinter(bool per_block) : per_block_(per_block) {}

  // Prints one archive's row (the column header before the first one).
  MaybeFailure list(const Input& archive);

 private:
  bool per_block_;
  bool header_printed_ = false;
};

}  // namespace kolmo::cli
