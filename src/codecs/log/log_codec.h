#pragma once
#include "kolmo/codec.h"

namespace kolmo {
// Codec 6: log lines split into header fields, mined templates and typed columns (docs/log.md).
CodecInfo log_codec_info();
}  // namespace kolmo
