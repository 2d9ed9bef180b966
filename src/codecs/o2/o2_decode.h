#pragma once
#include "kolmo/codec.h"

namespace kolmo {
Status decode_o2_block(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                       const DecodeLimits& limits);

// The same, with a model first taught `prime` (o2::learn), as its encoder's was
// (encode_o2_payload). An empty prime gives decode_o2_block.
Status decode_o2_primed(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                        const DecodeLimits& limits, ByteSpan prime);
}  // namespace kolmo
