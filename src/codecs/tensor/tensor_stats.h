// Measurements for the safetensors layer and tools: how small can an order-0 exponent coder make
// these elements? Floating point is fine here: the numbers are reported, never fed to a coder.
#pragma once

#include <cstdint>

#include "codecs/tensor/tensor_format.h"
#include "kolmo/bytes.h"

namespace kolmo::tensor {

struct ExponentEntropy {
  std::uint64_t elements = 0;
  // H0 of the exponent field (bf16/fp32: 8 bits, fp16: 5 bits), in bits per element.
  double bits_per_element = 0;
  // The order-0 bound: elements * (other bits + H0) / 8, plus the raw trailing partial element.
  double bound_bytes = 0;
};

ExponentEntropy order0_exponent_entropy(ByteSpan elements, Dtype dtype);

}  // namespace kolmo::tensor
