#include "codecs/tensor/tensor_stats.h"

#include <array>
#include <cmath>

#include "codecs/tensor/tensor_layout.h"

namespace kolmo::tensor {

ExponentEntropy order0_exponent_entropy(ByteSpan elements, Dtype dtype) {
  return with_layout(dtype, [&](auto l) {
    using L = decltype(l);
    std::array<std::uint64_t, 256> counts{};
    const std::uint64_t n = elements.size() / L::kWidth;
    for (std::uint64_t i = 0; i < n; ++i) {
      ++counts[L::exponent(L::symbol(elements.data() + L::kWidth * i))];
    }
    ExponentEntropy e;
    e.elements = n;
    for (const std::uint64_t c : counts) {
      if (c == 0) continue;
      const double p = static_cast<double>(c) / static_cast<double>(n);
      e.bits_per_element -= p * std::log2(p);
    }
    const int exponent_bits = dtype == Dtype::kFp16 ? 5 : 8;
    const int other_bits = 8 * L::kWidth - exponent_bits;
    e.bound_bytes = static_cast<double>(n) * (other_bits + e.bits_per_element) / 8 +
                    static_cast<double>(elements.size() - n * L::kWidth);
    return e;
  });
}

}  // namespace kolmo::tensor
