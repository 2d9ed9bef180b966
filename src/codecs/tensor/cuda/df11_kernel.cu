// The df11 decode kernel, after DFloat11's design (METHODS.md): one thread per 8-byte chunk of
// the exponent stream, 256 threads per block. Phase 1 counts each thread's codes, a block-wide
// prefix sum turns counts into positions, phase 2 decodes again into shared memory, then the
// block writes whole elements (exponent merged with the raw bytes) with coalesced stores.
#include <cuda_runtime.h>

#include "codecs/tensor/cuda/df11_kernel.h"

namespace kolmo::tensor::gpu {
namespace {

constexpr unsigned kFullMask = 0xffffffffu;
constexpr std::uint32_t kWarps = kThreadsPerBlock / 32;

// Exclusive prefix sum of `value` over the thread block; *total receives the sum.
__device__ std::uint32_t block_exclusive_sum(std::uint32_t value, std::uint32_t* warp_sums,
                                             std::uint32_t* total) {
  const std::uint32_t lane = threadIdx.x & 31;
  const std::uint32_t warp = threadIdx.x >> 5;
  std::uint32_t inclusive = value;
  for (std::uint32_t d = 1; d < 32; d <<= 1) {
    const std::uint32_t other = __shfl_up_sync(kFullMask, inclusive, d);
    if (lane >= d) inclusive += other;
  }
  if (lane == 31) warp_sums[warp] = inclusive;
  __syncthreads();
  if (warp == 0) {
    std::uint32_t w = lane < kWarps ? warp_sums[lane] : 0;
    for (std::uint32_t d = 1; d < kWarps; d <<= 1) {
      const std::uint32_t other = __shfl_up_sync(kFullMask, w, d);
      if (lane >= d) w += other;
    }
    if (lane < kWarps) warp_sums[kWarps + lane] = w;  // inclusive sums of whole warps
  }
  __syncthreads();
  *total = warp_sums[2 * kWarps - 1];
  return inclusive - value + (warp == 0 ? 0 : warp_sums[kWarps + warp - 1]);
}

// Coalesced element writes: consecutive threads write consecutive elements.
template <int kDtype>
__device__ void write_elements(const Df11DeviceBlock& b, std::uint8_t* out,
                               const std::uint8_t* symbols, std::uint64_t first,
                               std::uint32_t count) {
  std::uint8_t* base = out + b.out_offset;
  for (std::uint32_t j = threadIdx.x; j < count; j += kThreadsPerBlock) {
    store_element<kDtype>(base, b.raw, first + j, symbols[j]);
  }
}

__global__ void __launch_bounds__(kThreadsPerBlock)
    df11_decode_kernel(const Df11DeviceBlock* __restrict__ blocks,
                       const std::uint32_t* __restrict__ first_cta, std::uint32_t count,
                       std::uint8_t* out, unsigned int* error) {
  __shared__ std::uint16_t primary[1u << kPrimaryBits];
  __shared__ std::uint8_t symbols[kMaxSymbolsPerBlock];
  __shared__ std::uint32_t warp_sums[2 * kWarps];

  // Which tensor block, and which of its thread blocks, this is (uniform over the block).
  const std::uint32_t k = owner_of(first_cta, count, blockIdx.x);
  const Df11DeviceBlock& b = blocks[k];  // a copy would spill registers
  const std::uint32_t cta = blockIdx.x - first_cta[k];

  for (std::uint32_t i = threadIdx.x; i < (1u << kPrimaryBits); i += kThreadsPerBlock) {
    primary[i] = b.table->primary[i];
  }
  const std::uint64_t thread = std::uint64_t{cta} * kThreadsPerBlock + threadIdx.x;
  const bool active = thread < b.threads;
  Chunk chunk{0, 0};
  std::uint32_t gap = 0;
  if (active) {
    // The stream copy is 8-aligned and padded by 16 zero bytes: both words always exist.
    const std::uint64_t* words = reinterpret_cast<const std::uint64_t*>(b.stream) + thread;
    chunk = make_chunk(words[0], words[1]);
    gap = gap_at(b.gaps, thread);
  }
  __syncthreads();  // primary[] is complete

  // Phase 1: count, and check the thread ends where the next one starts.
  ChunkScan scan{0, 0, true};
  bool consistent = true;
  if (active) {
    scan = count_chunk(primary, *b.table, chunk, gap);
    const bool last_thread = thread + 1 == b.threads;
    consistent =
        thread_consistent(scan, last_thread, last_thread ? 0 : gap_at(b.gaps, thread + 1));
  }
  std::uint32_t counted = 0;
  const std::uint32_t position = block_exclusive_sum(scan.count, warp_sums, &counted);
  const std::uint32_t first = b.starts[cta];
  const std::uint32_t expected = b.starts[cta + 1] - first;  // <= kMaxSymbolsPerBlock (host check)
  if (!consistent ||
      (threadIdx.x == 0 && !block_count_consistent(counted, expected, cta + 1 == b.blocks))) {
    atomicOr(error, 1u);
  }
  // Phase 2: decode into shared memory at the prefix-sum positions.
  if (active && scan.valid) {
    decode_chunk(primary, *b.table, chunk, gap, symbols, position, expected);
  }
  __syncthreads();
  switch (b.dtype) {
    case 1:
      write_elements<1>(b, out, symbols, first, expected);
      break;
    case 2:
      write_elements<2>(b, out, symbols, first, expected);
      break;
    default:
      write_elements<0>(b, out, symbols, first, expected);
      break;
  }
  if (cta == 0 && threadIdx.x < b.tail_size) {
    const std::uint64_t width = b.dtype == 2 ? 4 : 2;
    out[b.out_offset + b.elements * width + threadIdx.x] = b.tail[threadIdx.x];
  }
}

}  // namespace

int launch_df11_decode(const Df11DeviceBlock* blocks, const std::uint32_t* first_cta,
                       std::uint32_t count, std::uint32_t total_ctas, std::uint8_t* out,
                       unsigned int* error, CUstream_st* stream) {
  df11_decode_kernel<<<dim3(total_ctas), dim3(kThreadsPerBlock), 0, stream>>>(blocks, first_cta,
                                                                             count, out, error);
  return static_cast<int>(cudaGetLastError());
}

}  // namespace kolmo::tensor::gpu
