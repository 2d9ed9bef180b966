#pragma once
#include "kolmo/codec.h"

namespace kolmo {
// Codec 1: a zstd frame per block (libzstd). kolmo's fast levels.
CodecInfo zstd_codec_info();
}  // namespace kolmo
