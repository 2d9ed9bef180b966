#include "codecs/log/log_codec.h"

#include "codecs/log/log_decode.h"
#include "codecs/log/log_encode.h"

namespace kolmo {
CodecInfo log_codec_info() {
  return {CodecId::kLog, "log", "log lines: header fields, mined templates, typed column streams",
          &make_log_encoder, &decode_log_block};
}
}  // namespace kolmo
