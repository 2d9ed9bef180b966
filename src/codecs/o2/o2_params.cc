#include "codecs/o2/o2_params.h"

namespace kolmo::o2 {

Params params_for_level(int level) {
  // Each step up adds model inputs: slower, stronger (book1: about 2.89, 2.47, 2.45 and 2.28
  // bits per byte for levels 1, 3, 5 and 9).
  Params p;
  if (level >= 1 && level <= 2) {
    p.flags = 0;  // orders 0-2 only: the fastest configuration
  } else if (level >= 3 && level <= 4) {
    p.flags = kFlagOrder3;
  } else if (level >= 7) {
    p.flags = kFlagOrder3 | kFlagOrder4 | kFlagSse;
  } else {
    p.flags = kFlagOrder3 | kFlagSse;  // 5, 6 and the default
  }
  return p;
}

Bytes serialize_params(const Params& p) {
  return {kParamsVersion, p.flags, p.low_order_limit, p.high_order_limit, p.mixer_rate};
}

Expected<Params> parse_params(ByteSpan bytes) {
  if (bytes.size() != 5) {
    return corrupt_data("o2 parameters must be 5 bytes, got " + std::to_string(bytes.size()));
  }
  if (bytes[0] != kParamsVersion) {
    return corrupt_data("o2 parameters version " + std::to_string(bytes[0]) + " is unknown");
  }
  Params p;
  p.flags = bytes[1];
  p.low_order_limit = bytes[2];
  p.high_order_limit = bytes[3];
  p.mixer_rate = bytes[4];
  if ((p.flags & ~kKnownFlags) != 0) return corrupt_data("o2 parameters have unknown flags");
  if (p.low_order_limit == 0 || p.high_order_limit == 0) {
    return corrupt_data("o2 counter limits must be at least 1");
  }
  if (p.mixer_rate == 0 || p.mixer_rate > kMaxMixerRate) {
    return corrupt_data("o2 mixer rate must be 1.." + std::to_string(kMaxMixerRate));
  }
  return p;
}

}  // namespace kolmo::o2
