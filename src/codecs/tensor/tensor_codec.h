#pragma once
#include "kolmo/codec.h"

namespace kolmo {
// Codec 5: lossless floating-point weights (bf16/fp16/fp32), exponent entropy-coded apart from
// sign and mantissa (docs/tensor.md).
CodecInfo tensor_codec_info();
}  // namespace kolmo
