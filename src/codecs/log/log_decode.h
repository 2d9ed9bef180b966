#pragma once
#include "kolmo/codec.h"

namespace kolmo {
Status decode_log_block(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                        const DecodeLimits& limits);
}  // namespace kolmo
