#include "codecs/cm/cm_codec.h"

#include "codecs/cm/cm_decode.h"
#include "codecs/cm/cm_encode.h"

namespace kolmo {
CodecInfo cm_codec_info() {
  return {CodecId::kCm, "cm", "context mixing: bit histories, match model, mixer, SSE",
          &make_cm_encoder, &decode_cm_block};
}
}  // namespace kolmo
