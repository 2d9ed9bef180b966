// Host side of the df11 GPU decoder, in plain C++ (built with or without CUDA): parses and
// checks one tensor block so that the kernel can run on it without any further bounds checks,
// and builds its code table. Decoder-side only (never includes the encoder).
//
// What the plan guarantees to the kernel: the parameters say mode=df11; every section size
// matches the payload exactly; the code lengths are a valid canonical code of at most 32 bits;
// block_start[0] = 0, the starts never decrease, the last one is the element count n, and no
// thread block owns more than kMaxSymbolsPerBlock elements. The kernel checks the rest (thread
// ends against the next gap, counts against the starts) and reports a mismatch as an error, so a
// corrupt stream gives wrong bytes at worst, never an access outside the buffers.
#pragma once

#include <cstdint>
#include <vector>

#include "codecs/tensor/cuda/df11_thread_decode.h"
#include "codecs/tensor/tensor_format.h"
#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::tensor::gpu {

struct Df11Plan {
  Dtype dtype = Dtype::kBf16;
  std::uint64_t elements = 0;  // n whole elements
  std::uint64_t threads = 0;   // ceil(stream bytes / 8)
  std::uint64_t blocks = 0;    // ceil(threads / 256)
  ByteSpan stream;             // the exponent stream
  ByteSpan gaps;               // 5 bits per thread
  ByteSpan starts;             // blocks + 1 u32 LE
  ByteSpan raw;                // n * raw bytes per element
  ByteSpan tail;               // the trailing partial element, copied as is
  std::vector<std::uint8_t> lengths;  // 256 code lengths
};

// Parses params + payload of a tensor block that decodes to out_size bytes.
// kUnsupported for other modes; kCorruptData / kTruncated as the CPU decoder would say.
Expected<Df11Plan> plan_df11_block(ByteSpan params, ByteSpan payload, std::uint64_t out_size);

// The kernel's table for valid code lengths (check_code_lengths with limit 32 first).
Expected<Df11Table> build_df11_table(std::span<const std::uint8_t> lengths);

// Zero padding the kernel relies on past each device copy. The stream: the last thread loads the
// two 8-byte words from 8 * (threads - 1), so 16 zero bytes from the stream size rounded up to 8.
// The gaps: gap_at reads one byte ahead.
inline constexpr std::uint64_t kStreamPadding = 16;
inline constexpr std::uint64_t kGapPadding = 8;
inline std::uint64_t padded_stream_bytes(std::uint64_t stream_bytes) {
  return (stream_bytes + 7) / 8 * 8 + kStreamPadding;
}

}  // namespace kolmo::tensor::gpu
