// What one GPU thread does in the df11 decode kernel (docs/tensor.md "CUDA decoder"), as
// __host__ __device__ functions: the kernel calls them, and so does a CPU test that replays the
// kernel's phases thread by thread (tests/codecs/tensor_gpu_emulation_test.cc). A plain C++
// compiler sees ordinary inline functions. Integer code only; nothing here allocates or fails.
//
// Bits: the exponent stream is LSB-first with codes MSB-first. A thread holds its 8-byte chunk
// and the next 8 bytes as two little-endian words; reversing their bits puts stream bit p of the
// chunk at bit 63 - p of `hi`, so the next 32 bits in code order are a shift away.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define KOLMO_HD __host__ __device__ __forceinline__
#else
#define KOLMO_HD inline
#endif

namespace kolmo::tensor::gpu {

inline constexpr int kPrimaryBits = 10;  // first-level table: 2 KiB of shared memory
inline constexpr int kMaxCodeBits = 32;
inline constexpr std::uint32_t kThreadsPerBlock = 256;
inline constexpr std::uint32_t kChunkBits = 64;
// Codes are at least 1 bit long, so a chunk starts at most 64 codes and a block 16,384.
inline constexpr std::uint32_t kMaxSymbolsPerBlock = kThreadsPerBlock * kChunkBits;

// The canonical code of one block, built on the host (df11_gpu_plan.h), copied as is to the GPU.
struct Df11Table {
  // Indexed by the next kPrimaryBits bits in code order: length << 8 | symbol for codes of at
  // most kPrimaryBits bits, 0 when the code is longer (or no code starts with those bits).
  std::uint16_t primary[1u << kPrimaryBits];
  // Canonical walk for longer codes. Left-justified to 32 bits, the codes of length <= l fill
  // [0, limit[l]); the codes of length l are first_code[l] + i naming sorted[offset[l] + i].
  std::uint64_t limit[kMaxCodeBits + 1];
  std::uint32_t first_code[kMaxCodeBits + 1];
  std::uint16_t offset[kMaxCodeBits + 1];
  std::uint8_t sorted[256];
  std::uint32_t max_length;
};

struct Code {
  std::uint32_t symbol;
  std::uint32_t length;  // 0: the bits start no code (only possible with the one-symbol code)
};

struct Chunk {
  std::uint64_t hi;  // the thread's 8 bytes, stream bit 0 of the chunk as bit 63
  std::uint64_t lo;  // the following 8 bytes (look-ahead), same order
};

// Where a thread's codes ended, and how many it found.
struct ChunkScan {
  std::uint32_t count;
  std::uint32_t end;  // bit offset from the chunk start after the last code
  bool valid;         // false when some bits started no code
};

KOLMO_HD std::uint64_t reverse_bits64(std::uint64_t x) {
#if defined(__CUDA_ARCH__)
  return __brevll(x);
#else
  x = ((x >> 1) & 0x5555555555555555ull) | ((x & 0x5555555555555555ull) << 1);
  x = ((x >> 2) & 0x3333333333333333ull) | ((x & 0x3333333333333333ull) << 2);
  x = ((x >> 4) & 0x0f0f0f0f0f0f0f0full) | ((x & 0x0f0f0f0f0f0f0f0full) << 4);
  x = ((x >> 8) & 0x00ff00ff00ff00ffull) | ((x & 0x00ff00ff00ff00ffull) << 8);
  x = ((x >> 16) & 0x0000ffff0000ffffull) | ((x & 0x0000ffff0000ffffull) << 16);
  return (x >> 32) | (x << 32);
#endif
}

// word0/word1: bytes [8t, 8t + 8) and [8t + 8, 8t + 16) of the stream as little-endian u64.
KOLMO_HD Chunk make_chunk(std::uint64_t word0, std::uint64_t word1) {
  return Chunk{reverse_bits64(word0), reverse_bits64(word1)};
}

// The 32 stream bits from chunk bit `pos` (< 64) on, the first one as the most significant.
KOLMO_HD std::uint32_t window_at(const Chunk& c, std::uint32_t pos) {
  const std::uint64_t bits = pos == 0 ? c.hi : (c.hi << pos) | (c.lo >> (kChunkBits - pos));
  return static_cast<std::uint32_t>(bits >> 32);
}

KOLMO_HD Code decode_code(const std::uint16_t* primary, const Df11Table& table,
                          std::uint32_t window) {
  const std::uint32_t entry = primary[window >> (32 - kPrimaryBits)];
  if (entry != 0) return Code{entry & 0xffu, entry >> 8};
  // Not in the first level: window >= limit[kPrimaryBits], so the first l with
  // window < limit[l] is the code's length and its index stays within sorted[].
  for (std::uint32_t l = kPrimaryBits + 1; l <= table.max_length; ++l) {
    if (window < table.limit[l]) {
      const std::uint32_t index = table.offset[l] + ((window >> (32 - l)) - table.first_code[l]);
      return Code{table.sorted[index], l};
    }
  }
  return Code{0, 0};
}

// Phase 1: counts the codes that start in the chunk at or after `gap`.
KOLMO_HD ChunkScan count_chunk(const std::uint16_t* primary, const Df11Table& table,
                               const Chunk& c, std::uint32_t gap) {
  std::uint32_t pos = gap;
  std::uint32_t count = 0;
  while (pos < kChunkBits) {
    const Code code = decode_code(primary, table, window_at(c, pos));
    if (code.length == 0) return ChunkScan{count, pos, false};
    pos += code.length;
    ++count;
  }
  return ChunkScan{count, pos, true};
}

// Phase 2: decodes the same codes again, the k-th into symbols[first + k] while that is below
// `limit` (the block's element count: codes decoded from the stream's zero padding fall beyond).
KOLMO_HD void decode_chunk(const std::uint16_t* primary, const Df11Table& table, const Chunk& c,
                           std::uint32_t gap, std::uint8_t* symbols, std::uint32_t first,
                           std::uint32_t limit) {
  std::uint32_t pos = gap;
  std::uint32_t at = first;
  while (pos < kChunkBits) {
    const Code code = decode_code(primary, table, window_at(c, pos));
    if (code.length == 0) return;
    if (at < limit) symbols[at] = static_cast<std::uint8_t>(code.symbol);
    ++at;
    pos += code.length;
  }
}

// gap[t] from the 5-bit LSB-first array; reads gaps[5t / 8 + 1], so the array is padded by a byte.
KOLMO_HD std::uint32_t gap_at(const std::uint8_t* gaps, std::uint64_t thread) {
  const std::uint64_t bit = 5 * thread;
  const std::uint32_t two = gaps[bit >> 3] | (static_cast<std::uint32_t>(gaps[(bit >> 3) + 1]) << 8);
  return (two >> (bit & 7)) & 31u;
}

// A thread that is not the last one must end exactly where the next thread's first code starts;
// the CPU decoder's check of the stored gaps implies it, so valid blocks always pass.
KOLMO_HD bool thread_consistent(const ChunkScan& scan, bool last_thread, std::uint32_t next_gap) {
  return scan.valid && (last_thread || scan.end == kChunkBits + next_gap);
}

// The last block may count extra codes decoded from the zero padding; the others count exactly
// their elements.
KOLMO_HD bool block_count_consistent(std::uint32_t counted, std::uint32_t expected,
                                     bool last_block) {
  return last_block ? counted >= expected : counted == expected;
}

// One launch decodes many tensor blocks: tensor block k owns the thread blocks from
// first_cta[k] on (first_cta[0] = 0, strictly increasing: every block has >= 1 thread block).
// Returns the k that owns thread block `cta`.
KOLMO_HD std::uint32_t owner_of(const std::uint32_t* first_cta, std::uint32_t count,
                                std::uint32_t cta) {
  std::uint32_t lo = 0;
  std::uint32_t hi = count;  // the answer is in [lo, hi)
  while (hi - lo > 1) {
    const std::uint32_t mid = lo + (hi - lo) / 2;
    if (first_cta[mid] <= cta) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Elements from (symbol, raw bytes), as little-endian words (docs/tensor.md "Element split").
KOLMO_HD std::uint16_t bf16_element(std::uint32_t symbol, std::uint32_t raw) {
  return static_cast<std::uint16_t>(((raw & 0x80u) << 8) | (symbol << 7) | (raw & 0x7fu));
}
KOLMO_HD std::uint16_t fp16_element(std::uint32_t symbol, std::uint32_t raw) {
  return static_cast<std::uint16_t>((symbol << 8) | raw);
}
KOLMO_HD std::uint32_t fp32_element(std::uint32_t symbol, std::uint32_t raw24) {
  return ((raw24 & 0x800000u) << 8) | (symbol << 23) | (raw24 & 0x7fffffu);
}

// Writes element i (symbol and raw bytes merged) at base + width * i. On the GPU one aligned
// 2- or 4-byte store (base is aligned to the width); on the host little-endian bytes.
template <int kDtype>  // tensor::Dtype: 0 bf16, 1 fp16, 2 fp32
KOLMO_HD void store_element(std::uint8_t* base, const std::uint8_t* raw, std::uint64_t i,
                            std::uint32_t symbol) {
  if constexpr (kDtype == 2) {
    const std::uint8_t* r = raw + 3 * i;
    const std::uint32_t raw24 =
        r[0] | (static_cast<std::uint32_t>(r[1]) << 8) | (static_cast<std::uint32_t>(r[2]) << 16);
    const std::uint32_t v = fp32_element(symbol, raw24);
#if defined(__CUDA_ARCH__)
    reinterpret_cast<std::uint32_t*>(base)[i] = v;
#else
    for (int b = 0; b < 4; ++b) base[4 * i + b] = static_cast<std::uint8_t>(v >> (8 * b));
#endif
  } else {
    const std::uint16_t v = kDtype == 0 ? bf16_element(symbol, raw[i]) : fp16_element(symbol, raw[i]);
#if defined(__CUDA_ARCH__)
    reinterpret_cast<std::uint16_t*>(base)[i] = v;
#else
    base[2 * i] = static_cast<std::uint8_t>(v);
    base[2 * i + 1] = static_cast<std::uint8_t>(v >> 8);
#endif
  }
}

}  // namespace kolmo::tensor::gpu
