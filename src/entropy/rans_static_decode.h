// Decoder side of static order-0 rANS (format: "entropy/rans_static_format.h").
#pragma once

#include "entropy/rans_static_format.h"
#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo {

// Decodes a blob from rans_encode_o0 into exactly out.size() bytes. Malformed tables and states
// give kCorruptData, a stream that ends early gives kTruncated; a stream that does not end where
// the last symbol does (trailing bytes, final states not the encoder's initial state) gives
// kCorruptData. Never reads outside `blob`, never writes outside `out`.
Status rans_decode_o0(ByteSpan blob, MutableByteSpan out);

}  // namespace kolmo
