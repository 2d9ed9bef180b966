#pragma once
#include "kolmo/codec.h"

namespace kolmo {
// Codec 0: the bytes as they are. Used for incompressible blocks and as the simplest reference.
CodecInfo store_codec_info();
}  // namespace kolmo
