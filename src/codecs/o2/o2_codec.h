#pragma once
#include "kolmo/codec.h"

namespace kolmo {
// Codec 2: adaptive order-2 context model over kolmo's binary arithmetic coder.
CodecInfo o2_codec_info();
}  // namespace kolmo
