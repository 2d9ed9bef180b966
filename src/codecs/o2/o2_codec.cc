#include "codecs/o2/o2_codec.h"

#include "codecs/o2/o2_decode.h"
#include "codecs/o2/o2_encode.h"

namespace kolmo {
CodecInfo o2_codec_info() {
  return {CodecId::kO2, "o2", "order-2 context model + binary arithmetic coder", &make_o2_encoder,
          &decode_o2_block};
}
}  // namespace kolmo
