#pragma once
#include "kolmo/codec.h"

namespace kolmo {
namespace cm {
class SideContexts;
}

Status decode_cm_block(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                       const DecodeLimits& limits);

// Decodes a block of encode_cm_side_block(): side must give the contexts its encoder's provider
// gave (it reads output's bytes as they are decoded). Params with the text transform or the SSM
// input are refused (kCorruptData), as are levels without room for the side contexts.
Status decode_cm_side_block(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                            const DecodeLimits& limits, cm::SideContexts& side);
}  // namespace kolmo
