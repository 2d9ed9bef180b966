#include "codecs/tensor/tensor_codec.h"

#include "codecs/tensor/tensor_decode.h"
#include "codecs/tensor/tensor_encode.h"

namespace kolmo {
CodecInfo tensor_codec_info() {
  return {CodecId::kTensor, "tensor",
          "float weights: exponent entropy-coded (o0 rANS, df11 Huffman, max context model)",
          &make_tensor_encoder, &decode_tensor_block};
}
}  // namespace kolmo
