// The tensor codec's three payload decoders. `body` is the payload without the trailing partial
// element; `out` receives exactly n whole elements (n >= 1). Each checks its own memory against
// `limits` before allocating and requires `body` to be consumed exactly.
#pragma once

#include "codecs/tensor/tensor_format.h"
#include "kolmo/codec.h"

namespace kolmo::tensor {

// Working memory of each mode's decoder (beyond the output), for the DecodeLimits check.
std::uint64_t decode_memory_bytes(Mode mode);

Status decode_o0(ByteSpan body, Dtype dtype, MutableByteSpan out);
Status decode_df11(ByteSpan body, Dtype dtype, MutableByteSpan out);
Status decode_max(ByteSpan body, const Params& params, MutableByteSpan out);

}  // namespace kolmo::tensor
