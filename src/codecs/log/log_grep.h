// Fixed-string search in a log-coded block without rebuilding every line (what CLP offers):
// the block's streams and columns are decoded, then each template is checked against the
// pattern (its constant text, and every column value its parameter slots draw from); only the
// lines of templates that can hold the pattern are rebuilt and searched. Decoder side only.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "kolmo/codec.h"

namespace kolmo::logc {

// One line handed to grep's caller: its bytes without "\n" (a "\r" of a "\r\n" line stays, as
// grep sees it) and whether a "\n" ended it in this block.
struct GrepLine {
  std::size_t index = 0;
  std::string_view text;
  bool terminated = true;
};
using GrepLineFn = std::function<void(const GrepLine&)>;

struct GrepStats {
  std::size_t lines = 0;    // lines in the block
  std::size_t rebuilt = 0;  // lines rebuilt and searched
};

// Calls `emit`, in line order, for every line of the block that contains `pattern`, and also
// always for the block's first and last lines, which may continue a line of the neighbouring
// block (the caller joins them and searches them itself). params and payload are a log block's,
// output_size its decoded size. Errors as decode_log_block's; the block's content checksum
// cannot be verified since the block is not rebuilt whole.
Expected<GrepStats> grep_log_block(ByteSpan params, ByteSpan payload, std::size_t output_size,
                                   std::string_view pattern, const DecodeLimits& limits,
                                   const GrepLineFn& emit);

}  // namespace kolmo::logc
