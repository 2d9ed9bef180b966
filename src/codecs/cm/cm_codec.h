#pragma once
#include "kolmo/codec.h"

namespace kolmo {
// Codec 3: bit-level context mixing (hashed bit-history contexts, match model, gated mixer, SSE).
CodecInfo cm_codec_info();
}  // namespace kolmo
