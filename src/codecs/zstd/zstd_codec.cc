#include "codecs/zstd/zstd_codec.h"

#include "codecs/zstd/zstd_decode.h"
#include "codecs/zstd/zstd_encode.h"

namespace kolmo {
CodecInfo zstd_codec_info() {
  return {CodecId::kZstd, "zstd", "Zstandard (libzstd), fast general-purpose", &make_zstd_encoder,
          &decode_zstd_block};
}
}  // namespace kolmo
