#pragma once
#include <string_view>

#include "kolmo/codec.h"

namespace kolmo {
// options: comma-separated dtype=bf16|fp16|fp32 (default bf16), mode=o0|df11|max (default o0);
// with mode=max also order1=auto|0|1 (default auto: both tried, the smaller kept) and
// mbits=0..3 (default 3: mantissa bits modelled given the exponent).
// The kolmo level is ignored: the mode alone decides the work.
Expected<std::unique_ptr<BlockEncoder>> make_tensor_encoder(std::string_view options, int level);
}  // namespace kolmo
