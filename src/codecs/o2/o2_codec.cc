// PLACEHOLDER until the o2 model lands: refuses to encode and decode.
#include "codecs/o2/o2_codec.h"

namespace kolmo {
namespace {
Expected<std::unique_ptr<BlockEncoder>> make_o2(std::string_view, int) {
  return unsupported("o2 is not built yet");
}
Status decode_o2(ByteSpan, ByteSpan, MutableByteSpan, const DecodeLimits&) {
  return unsupported("o2 is not built yet");
}
}  // namespace
CodecInfo o2_codec_info() {
  return {CodecId::kO2, "o2", "order-2 context model + binary arithmetic coder", &make_o2,
          &decode_o2};
}
}  // namespace kolmo
