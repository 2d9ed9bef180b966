#pragma once
#include "kolmo/codec.h"

namespace kolmo {
// Codec 4: StateSMix (online Mamba SSM + sparse n-gram logit biases over BPE tokens, rANS).
CodecInfo statesmix_codec_info();
}  // namespace kolmo
