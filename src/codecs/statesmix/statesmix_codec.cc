#include "codecs/statesmix/statesmix_codec.h"

#include "codecs/statesmix/statesmix_decode.h"
#include "codecs/statesmix/statesmix_encode.h"

namespace kolmo {
CodecInfo statesmix_codec_info() {
  return {CodecId::kStateSMix, "statesmix",
          "StateSMix: online Mamba + n-gram biases over BPE tokens (slow, text)",
          &make_statesmix_encoder, &decode_statesmix_block};
}
}  // namespace kolmo
