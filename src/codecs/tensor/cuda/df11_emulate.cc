#include "codecs/tensor/cuda/df11_emulate.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "codecs/tensor/cuda/df11_thread_decode.h"

namespace kolmo::tensor::gpu {

Df11Emulation emulate_df11_kernel(const Df11Plan& plan, const Df11Table& table,
                                 std::size_t out_size) {
  Df11Emulation e;
  e.out.assign(out_size, 0xee);
  Bytes stream(plan.stream.begin(), plan.stream.end());
  stream.resize(padded_stream_bytes(stream.size()), 0);
  Bytes gaps(plan.gaps.begin(), plan.gaps.end());
  gaps.resize(gaps.size() + kGapPadding, 0);
  for (std::uint64_t b = 0; b < plan.blocks; ++b) {
    Chunk chunk[kThreadsPerBlock] = {};
    std::uint32_t gap[kThreadsPerBlock] = {};
    std::uint32_t position[kThreadsPerBlock] = {};
    ChunkScan scan[kThreadsPerBlock] = {};
    std::uint32_t counted = 0;
    for (std::uint32_t tid = 0; tid < kThreadsPerBlock; ++tid) {  // phase 1
      const std::uint64_t t = b * kThreadsPerBlock + tid;
      scan[tid] = ChunkScan{0, 0, true};
      if (t < plan.threads) {
        chunk[tid] = make_chunk(load_le64(&stream[8 * t]), load_le64(&stream[8 * t + 8]));
        gap[tid] = gap_at(gaps.data(), t);
        scan[tid] = count_chunk(table.primary, table, chunk[tid], gap[tid]);
        const bool last = t + 1 == plan.threads;
        e.consistent &= thread_consistent(scan[tid], last, last ? 0 : gap_at(gaps.data(), t + 1));
      }
      position[tid] = counted;  // exclusive prefix sum
      counted += scan[tid].count;
    }
    const std::uint32_t first = load_le32(plan.starts.data() + 4 * b);
    const std::uint32_t expected = load_le32(plan.starts.data() + 4 * (b + 1)) - first;
    e.consistent &= block_count_consistent(counted, expected, b + 1 == plan.blocks);
    std::vector<std::uint8_t> symbols(kMaxSymbolsPerBlock, 0);
    for (std::uint32_t tid = 0; tid < kThreadsPerBlock; ++tid) {  // phase 2
      if (b * kThreadsPerBlock + tid < plan.threads && scan[tid].valid) {
        decode_chunk(table.primary, table, chunk[tid], gap[tid], symbols.data(),
                          position[tid], expected);
      }
    }
    for (std::uint32_t j = 0; j < expected; ++j) {  // element writes
      switch (plan.dtype) {
        case Dtype::kBf16:
          store_element<0>(e.out.data(), plan.raw.data(), first + j, symbols[j]);
          break;
        case Dtype::kFp16:
          store_element<1>(e.out.data(), plan.raw.data(), first + j, symbols[j]);
          break;
        case Dtype::kFp32:
          store_element<2>(e.out.data(), plan.raw.data(), first + j, symbols[j]);
          break;
      }
    }
  }
  std::copy(plan.tail.begin(), plan.tail.end(), e.out.end() - static_cast<std::ptrdiff_t>(plan.tail.size()));
  return e;
}

}  // namespace kolmo::tensor::gpu
