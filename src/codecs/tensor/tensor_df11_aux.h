// DFloat11's GPU-decode auxiliary arrays for one Huffman-coded exponent stream (mode=df11).
//
// The stream is cut into 8-byte chunks, one per GPU thread (threads = ceil(stream bytes / 8)).
//  * gap[t] (5 bits): offset, from bit 64t, of the first code that starts at or after bit 64t.
//    Codes are at most 32 bits long, so that offset is at most 31. A chunk in which no code starts
//    (only possible at the very end) points at the end of the last code instead, also within 31.
//  * block_start[b] (u32): index of the first element whose code starts at or after the first bit
//    of thread block b (256 threads); one more entry, the element count, ends the array.
// The encoder stores both; the decoder recomputes them from the decoded symbols and rejects a
// payload whose arrays differ, so a GPU decoder can trust any block the CPU decoder accepts.
#pragma once

#include <cstdint>
#include <span>

namespace kolmo::tensor {

inline constexpr std::uint64_t kDf11BytesPerThread = 8;
inline constexpr std::uint64_t kDf11ThreadsPerBlock = 256;
inline constexpr int kDf11GapBits = 5;

inline std::uint64_t df11_threads(std::uint64_t stream_bytes) {
  return (stream_bytes + kDf11BytesPerThread - 1) / kDf11BytesPerThread;
}
inline std::uint64_t df11_blocks(std::uint64_t threads) {
  return (threads + kDf11ThreadsPerBlock - 1) / kDf11ThreadsPerBlock;
}

// Walks the codes of `symbols` (lengths: 256 code lengths) and calls
//   on_thread(thread, gap, first_element)   for every thread, in order,
//   on_block(block, first_element)          for every thread block and once more with the count.
// Returns false when the codes do not fill exactly stream_bytes or a gap would not fit 5 bits
// (a callback returning false also stops the walk with false).
template <typename OnThread, typename OnBlock>
bool walk_df11_aux(std::span<const std::uint8_t> symbols, std::span<const std::uint8_t> lengths,
                   std::uint64_t stream_bytes, OnThread&& on_thread, OnBlock&& on_block) {
  const std::uint64_t threads = df11_threads(stream_bytes);
  std::uint64_t next_thread = 0;
  // Assigns every thread whose chunk begins at or before `start` (a code start, or the end).
  auto reach = [&](std::uint64_t start, std::uint64_t element) -> bool {
    while (next_thread < threads && next_thread * 64 <= start) {
      const std::uint64_t gap = start - next_thread * 64;
      if (gap >= (1u << kDf11GapBits)) return false;
      if (!on_thread(next_thread, static_cast<std::uint32_t>(gap), element)) return false;
      if (next_thread % kDf11ThreadsPerBlock == 0 &&
          !on_block(next_thread / kDf11ThreadsPerBlock, element)) {
        return false;
      }
      ++next_thread;
    }
    return true;
  };
  std::uint64_t bit = 0;
  for (std::uint64_t i = 0; i < symbols.size(); ++i) {
    if (!reach(bit, i)) return false;
    bit += lengths[symbols[i]];
  }
  if (!reach(bit, symbols.size())) return false;
  if ((bit + 7) / 8 != stream_bytes || next_thread != threads) return false;
  return on_block(df11_blocks(threads), symbols.size());
}

}  // namespace kolmo::tensor
