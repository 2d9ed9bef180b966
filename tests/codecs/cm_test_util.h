// Helpers shared by the cm codec tests: the codec entry and one-block encode/decode at a level
// (generated inputs come from codec_test_support.h).
#pragma once

#include "codec_test_support.h"
#include "codecs/cm/cm_codec.h"
#include "kolmo/codec.h"

namespace kolmo::cm_test {

inline const CodecInfo& cm() {
  static const CodecInfo info = cm_codec_info();
  return info;
}

inline EncodedBlock encode(ByteSpan input, int level) {
  return codec_test::encode_with(cm(), input, level);
}

inline Status decode(const EncodedBlock& block, Bytes& out, DecodeLimits limits = {}) {
  return codec_test::decode_with(cm(), block, out, limits);
}

using codec_test::generate_text;
using codec_test::random_bytes;

}  // namespace kolmo::cm_test
