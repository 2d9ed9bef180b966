// Writes one column of values (a header field or a template slot, in line order) into the
// payload streams, choosing its representation.
#pragma once

#include <string_view>
#include <unordered_map>
#include <vector>

#include "codecs/log/log_format.h"
#include "kolmo/bytes.h"

namespace kolmo::logc {

// kAuto: kolmo's choice per column. The Logzip levels: kText (level 1), kSubText (level 2:
// sub-fields as text), kSubGlobal (level 3: sub-fields through the global dictionary).
enum class ColumnPolicy { kAuto, kText, kSubText, kSubGlobal };

struct StreamSet {
  Bytes s[kStreamCount];
  bool header = false;  // columns being written are header columns
  // The global dictionary (Logzip level 3): value -> index, in first-use order.
  std::unordered_map<std::string_view, std::uint32_t> global;
  Bytes& text() { return s[text_stream(header)]; }
  Bytes& numbers() { return s[number_stream(header)]; }
  Bytes& indices() { return s[index_stream(header)]; }
};

void write_column(const std::vector<std::string_view>& values, ColumnPolicy policy, StreamSet& out);

}  // namespace kolmo::logc
