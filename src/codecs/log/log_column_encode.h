// Writes one column of values (a header field or a template slot, in line order) into the
// payload streams, choosing its representation.
#pragma once

#include <string_view>
#include <vector>

#include "codecs/log/log_format.h"
#include "kolmo/bytes.h"

namespace kolmo::logc {

enum class ColumnPolicy { kAuto, kText, kDict };

struct StreamSet {
  Bytes s[kStreamCount];
  bool header = false;  // columns being written are header columns
  Bytes& text() { return s[text_stream(header)]; }
  Bytes& numbers() { return s[number_stream(header)]; }
  Bytes& indices() { return s[index_stream(header)]; }
};

void write_column(const std::vector<std::string_view>& values, ColumnPolicy policy, StreamSet& out);

}  // namespace kolmo::logc
