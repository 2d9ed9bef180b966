// The tensor codec's three payload encoders (payload layouts: docs/tensor.md). Each appends the
// payload for the whole elements of `elements` (its size is a multiple of the element width);
// the caller appends the trailing partial element.
#pragma once

#include "codecs/tensor/tensor_format.h"
#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::tensor {

Status encode_o0(ByteSpan elements, Dtype dtype, Bytes& payload);
Status encode_df11(ByteSpan elements, Dtype dtype, Bytes& payload);
Status encode_max(ByteSpan elements, const Params& params, Bytes& payload);

}  // namespace kolmo::tensor
