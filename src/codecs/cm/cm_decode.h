#pragma once
#include "kolmo/codec.h"

namespace kolmo {
Status decode_cm_block(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                       const DecodeLimits& limits);
}  // namespace kolmo
