// mode=max: the adaptive model both sides run (the decoder replays it bit for bit).
//
// Each element codes, with kolmo's binary arithmetic coder:
//  * its symbol (exponent byte; fp16: its high byte) MSB first down a 255-node bit tree, with
//    one set of counters per context = the previous element's exponent (order 1) or one set
//    (order 0);
//  * its top `mantissa_bits` mantissa bits down a small bit tree whose counters depend on the
//    symbol just coded (within a binade, larger mantissas are rarer for bell-shaped weights).
// The remaining raw bits are stored packed (docs/tensor.md). Everything is integer arithmetic.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "codecs/tensor/tensor_format.h"

namespace kolmo::tensor {

namespace max_detail {
// Adaptive-rate counters move 1/(n + 1.5) of the way to each bit until n reaches kCountLimit:
// a running average at first (fast learning on small blocks), then an exponential one that
// follows slow drift across tensors.
inline constexpr std::uint32_t kCountLimit = 1020;
inline constexpr std::array<std::uint32_t, kCountLimit + 1> make_recip() {
  std::array<std::uint32_t, kCountLimit + 1> r{};
  for (std::uint32_t n = 0; n <= kCountLimit; ++n) r[n] = 131072 / (2 * n + 3);
  return r;
}
inline constexpr std::array<std::uint32_t, kCountLimit + 1> kRecip = make_recip();
inline constexpr int kProbPrecision = 28;  // P(1) in Q28: fine enough for near-certain bits
}  // namespace max_detail

struct MaxCounter {
  std::uint32_t p = std::uint32_t{1} << (max_detail::kProbPrecision - 1);
  std::uint32_t n = 0;

  std::uint32_t p16() const { return p >> (max_detail::kProbPrecision - 16); }
  void update(int bit) {
    const std::int64_t target = bit ? (std::int64_t{1} << max_detail::kProbPrecision) - 1 : 0;
    const std::int64_t delta =
        ((target - static_cast<std::int64_t>(p)) * max_detail::kRecip[n]) >> 16;
    p = static_cast<std::uint32_t>(static_cast<std::int64_t>(p) + delta);
    if (n < max_detail::kCountLimit) ++n;
  }
};

class MaxModel {
 public:
  static constexpr std::uint64_t kSymbolContexts = 256;
  static constexpr std::uint64_t kTreeNodes = 256;  // nodes 1..255 of a byte's bit tree
  static constexpr std::uint64_t kMantissaNodes = 1u << kMaxMantissaBitsLimit;

  // Heap memory of one model (checked against DecodeLimits before construction).
  static constexpr std::uint64_t memory_bytes() {
    return (kSymbolContexts * kTreeNodes + 256 * kMantissaNodes) * sizeof(MaxCounter);
  }

  MaxModel(bool order1, int mantissa_bits)
      : order1_(order1),
        mantissa_bits_(mantissa_bits),
        symbol_(kSymbolContexts * kTreeNodes),
        mantissa_(256 * kMantissaNodes) {}

  bool order1() const { return order1_; }
  int mantissa_bits() const { return mantissa_bits_; }
  MaxCounter& symbol_counter(std::uint32_t context, std::uint32_t node) {
    return symbol_[context * kTreeNodes + node];
  }
  MaxCounter& mantissa_counter(std::uint8_t symbol, std::uint32_t node) {
    return mantissa_[symbol * kMantissaNodes + node];
  }

 private:
  bool order1_;
  int mantissa_bits_;
  std::vector<MaxCounter> symbol_;
  std::vector<MaxCounter> mantissa_;
};

// Splits a raw value into the modelled top mantissa bits and the packed remainder, and back.
template <typename L>
struct MantissaSplit {
  int bits;  // modelled bits, 0..3
  int shift() const { return L::kMantissaTopBit + 1 - bits; }
  int remainder_bits() const { return L::kRawBits - bits; }
  std::uint32_t top(std::uint32_t raw) const { return (raw >> shift()) & ((1u << bits) - 1); }
  std::uint32_t remainder(std::uint32_t raw) const {
    const std::uint32_t high = raw >> (L::kMantissaTopBit + 1);
    return (high << shift()) | (raw & ((1u << shift()) - 1));
  }
  std::uint32_t join(std::uint32_t top_bits, std::uint32_t rem) const {
    const std::uint32_t high = rem >> shift();
    return (high << (L::kMantissaTopBit + 1)) | (top_bits << shift()) |
           (rem & ((1u << shift()) - 1));
  }
};

}  // namespace kolmo::tensor
