#pragma once
#include "kolmo/codec.h"

namespace kolmo {
Status decode_statesmix_block(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                              const DecodeLimits& limits);
}  // namespace kolmo
