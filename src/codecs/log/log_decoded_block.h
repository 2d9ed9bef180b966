// The decoder's view of one log block after its streams and columns are decoded, before the
// lines are rebuilt: shared by the full decoder (log_decode.cc) and grep (log_grep.cc).
// Decoder side only: never includes the encoder.
#pragma once

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/log/log_column_decode.h"
#include "codecs/log/log_format.h"
#include "kolmo/codec.h"

namespace kolmo::logc {

struct DecodedTemplate {
  std::vector<std::string_view> tokens;  // views into the meta stream
  std::vector<std::uint8_t> wild;
  std::vector<std::uint32_t> columns;    // column index per wild token
  std::size_t lines = 0;
};

struct Layout {
  std::vector<std::string_view> literals;
  std::vector<DecodedTemplate> templates;
  std::vector<std::uint32_t> ids;
};

// Everything a block's lines are rebuilt from. The string views of the layout point into
// streams, so a DecodedBlock is neither copied nor moved once read.
struct DecodedBlock {
  Bytes streams[kStreamCount];
  Layout layout;
  std::vector<DecodedColumn> columns;  // header fields first, then template slots
  std::string arena;                   // the columns' values
  bool no_final_newline = false;
  DecodedBlock() = default;
  DecodedBlock(const DecodedBlock&) = delete;
  DecodedBlock& operator=(const DecodedBlock&) = delete;
};

// Decodes the streams and columns of a block of output_size bytes, checking every count.
Status read_log_block(ByteSpan params, ByteSpan payload, std::size_t output_size,
                      const DecodeLimits& limits, DecodedBlock& block);

inline std::string_view take_value(const std::string& arena, DecodedColumn& c) {
  const std::uint32_t begin = c.next == 0 ? c.begin : c.ends[c.next - 1];
  const std::uint32_t end = c.ends[c.next++];
  return std::string_view(arena).substr(begin, end - begin);
}

struct RawCursor {
  ByteSpan raw;
  std::size_t pos = 0;
  Expected<std::string_view> next() {
    const auto* start = raw.data() + pos;
    const void* nl = std::memchr(start, '\n', raw.size() - pos);
    if (nl == nullptr) return corrupt_data("log: raw stream ends inside a line");
    const auto len = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nl) - start);
    pos += len + 1;
    return std::string_view(reinterpret_cast<const char*>(start), len);
  }
};

}  // namespace kolmo::logc
