// How each dtype splits into a coded byte ("symbol") and raw bits, and back. Every bit pattern
// (NaN payloads, infinities, -0, subnormals) maps to exactly one (symbol, raw) pair and back:
// the split is a bit permutation, no arithmetic on values.
//
//   bf16 (s e8 m7):   symbol = e8;                 raw = s<<7 | m7          (8 bits, 1 byte)
//   fp16 (s e5 m10):  symbol = high byte s e5 m2;  raw = low byte m8        (8 bits, 1 byte)
//   fp32 (s e8 m23):  symbol = e8;                 raw = s<<23 | m23        (24 bits, 3 bytes LE)
//
// fp16 codes its whole high byte: byte-aligned streams, and the entropy coder pays at most
// H(e5) + 3 bits for it (less when sign or top mantissa bits depend on the exponent).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "codecs/tensor/tensor_format.h"
#include "kolmo/bytes.h"

namespace kolmo::tensor {

struct Bf16Layout {
  static constexpr int kWidth = 2;
  static constexpr int kRawBits = 8;
  static constexpr int kRawBytes = 1;
  static constexpr int kMantissaTopBit = 6;  // in raw; the sign sits above it
  static std::uint8_t symbol(const std::uint8_t* e) {
    return static_cast<std::uint8_t>((e[1] << 1) | (e[0] >> 7));
  }
  static std::uint32_t raw(const std::uint8_t* e) { return (e[1] & 0x80u) | (e[0] & 0x7fu); }
  static void store(std::uint8_t* e, std::uint8_t symbol, std::uint32_t raw) {
    e[0] = static_cast<std::uint8_t>((raw & 0x7fu) | ((symbol & 1u) << 7));
    e[1] = static_cast<std::uint8_t>((raw & 0x80u) | (symbol >> 1));
  }
  static std::uint8_t exponent(std::uint8_t symbol) { return symbol; }
  // The element as a little-endian u16: a form the compiler vectorizes well.
  static std::uint16_t pack16(std::uint8_t symbol, std::uint8_t raw) {
    return static_cast<std::uint16_t>(((raw & 0x80u) << 8) | (symbol << 7) | (raw & 0x7fu));
  }
};

struct Fp16Layout {
  static constexpr int kWidth = 2;
  static constexpr int kRawBits = 8;
  static constexpr int kRawBytes = 1;
  static constexpr int kMantissaTopBit = 7;  // raw is mantissa bits 7..0 only
  static std::uint8_t symbol(const std::uint8_t* e) { return e[1]; }
  static std::uint32_t raw(const std::uint8_t* e) { return e[0]; }
  static void store(std::uint8_t* e, std::uint8_t symbol, std::uint32_t raw) {
    e[0] = static_cast<std::uint8_t>(raw);
    e[1] = symbol;
  }
  static std::uint8_t exponent(std::uint8_t symbol) { return (symbol >> 2) & 0x1f; }
  static std::uint16_t pack16(std::uint8_t symbol, std::uint8_t raw) {
    return static_cast<std::uint16_t>((symbol << 8) | raw);
  }
};

struct Fp32Layout {
  static constexpr int kWidth = 4;
  static constexpr int kRawBits = 24;
  static constexpr int kRawBytes = 3;
  static constexpr int kMantissaTopBit = 22;
  static std::uint8_t symbol(const std::uint8_t* e) {
    return static_cast<std::uint8_t>((e[3] << 1) | (e[2] >> 7));
  }
  static std::uint32_t raw(const std::uint8_t* e) {
    return e[0] | (e[1] << 8) | ((e[2] & 0x7fu) << 16) | ((e[3] & 0x80u) << 16);
  }
  static void store(std::uint8_t* e, std::uint8_t symbol, std::uint32_t raw) {
    e[0] = static_cast<std::uint8_t>(raw);
    e[1] = static_cast<std::uint8_t>(raw >> 8);
    e[2] = static_cast<std::uint8_t>(((raw >> 16) & 0x7fu) | ((symbol & 1u) << 7));
    e[3] = static_cast<std::uint8_t>(((raw >> 16) & 0x80u) | (symbol >> 1));
  }
  static std::uint8_t exponent(std::uint8_t symbol) { return symbol; }
};

// Raw values as bytes (o0 and df11 payloads): little-endian, kRawBytes each.
template <typename L>
void put_raw_bytes(std::uint32_t raw, std::uint8_t* out) {
  for (int b = 0; b < L::kRawBytes; ++b) out[b] = static_cast<std::uint8_t>(raw >> (8 * b));
}
template <typename L>
std::uint32_t get_raw_bytes(const std::uint8_t* in) {
  std::uint32_t raw = 0;
  for (int b = 0; b < L::kRawBytes; ++b) raw |= static_cast<std::uint32_t>(in[b]) << (8 * b);
  return raw;
}

// Calls fn(Layout{}) for the dtype, so that element loops are compiled per layout.
template <typename Fn>
decltype(auto) with_layout(Dtype dtype, Fn&& fn) {
  switch (dtype) {
    case Dtype::kFp16:
      return fn(Fp16Layout{});
    case Dtype::kFp32:
      return fn(Fp32Layout{});
    case Dtype::kBf16:
      break;
  }
  return fn(Bf16Layout{});
}

// Rebuilds count elements from their symbols and raw bytes. The pointers never overlap, which
// lets the compiler vectorize the loop.
template <typename L>
void merge_elements(std::uint8_t* __restrict out, const std::uint8_t* __restrict symbols,
                    const std::uint8_t* __restrict raw, std::size_t count) {
  if constexpr (L::kWidth == 2) {
    for (std::size_t i = 0; i < count; ++i) store_le16(out + 2 * i, L::pack16(symbols[i], raw[i]));
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      L::store(out + L::kWidth * i, symbols[i], get_raw_bytes<L>(raw + L::kRawBytes * i));
    }
  }
}

// Rebuilds elements in place: symbols were decoded into out[(W-1)n, Wn) and raw bytes come from
// `raw`. Element i writes bytes [W*i, W*i + W), all at or below (W-1)n + i, the position of its
// own symbol; so copying each chunk's symbols aside first (4 KiB, stays in L1) is all it takes to
// never overwrite a symbol that is still needed, and no block-sized buffer is allocated.
template <typename L>
void merge_in_place(MutableByteSpan out, std::uint64_t n, const std::uint8_t* raw) {
  constexpr std::size_t kChunk = 4096;
  std::uint8_t chunk[kChunk];
  std::uint8_t* base = out.data();
  const std::uint8_t* symbols = base + (L::kWidth - 1) * n;
  for (std::uint64_t start = 0; start < n; start += kChunk) {
    const std::size_t count = static_cast<std::size_t>(n - start < kChunk ? n - start : kChunk);
    std::memcpy(chunk, symbols + start, count);
    merge_elements<L>(base + L::kWidth * start, chunk, raw + L::kRawBytes * start, count);
  }
}

}  // namespace kolmo::tensor
