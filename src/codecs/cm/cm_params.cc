#include "codecs/cm/cm_params.h"

#include <string>

#include "codecs/cm/cm_config.h"

namespace kolmo::cm {
namespace {

int ceil_log2(std::uint64_t n) {
  int b = 0;
  while ((std::uint64_t{1} << b) < n) ++b;
  return b;
}

constexpr std::uint8_t kTransformFlag = 1, kSsmFlag = 2, kLstmFlag = 4;

std::uint8_t flags_byte(const Params& p) {
  return static_cast<std::uint8_t>((p.text_transform ? kTransformFlag : 0) |
                                   (p.ssm ? kSsmFlag : 0) | (p.lstm ? kLstmFlag : 0));
}

int clamp(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

}  // namespace

Params params_for(int level, std::uint64_t block_size) {
  const LevelConfig c = level_config(level);
  Params p;
  p.level = level;
  // About 16 slots per input byte (each byte visits two nibble slots per hashed context) is where
  // more slots stop paying (32 at level 9, whose 31 contexts fill them faster); beyond that only
  // the level's maximum limits them.
  p.hash_bits =
      clamp(ceil_log2(block_size) + c.slots_per_byte_log2, kMinHashBits, c.max_hash_bits);
  p.match_bits = clamp(ceil_log2(block_size), kMinMatchBits, c.max_match_bits);
  return p;
}

Bytes serialize_params(const Params& p) {
  return {kParamsVersion, static_cast<std::uint8_t>(p.level), static_cast<std::uint8_t>(p.hash_bits),
          static_cast<std::uint8_t>(p.match_bits), flags_byte(p)};
}

Expected<Params> parse_params(ByteSpan bytes) {
  if (bytes.size() != 5) {
    return corrupt_data("cm parameters must be 5 bytes, got " + std::to_string(bytes.size()));
  }
  const bool same_model_as_now = bytes[0] >= kOldestReadableVersion && bytes[0] < kParamsVersion &&
                                 bytes[1] >= 1 && bytes[1] <= kHighestLevelUnchangedSinceVersion4 &&
                                 (bytes[4] & (kSsmFlag | kLstmFlag)) == 0;
  if (bytes[0] != kParamsVersion && !same_model_as_now) {
    return corrupt_data("cm parameters version " + std::to_string(bytes[0]) + " at level " +
                        std::to_string(bytes[1]) + " is not readable here (this build reads version " +
                        std::to_string(kParamsVersion) + ", and versions " +
                        std::to_string(kOldestReadableVersion) + "-" + std::to_string(kParamsVersion - 1) +
                        " at levels 1-" + std::to_string(kHighestLevelUnchangedSinceVersion4) +
                        " without the SSM input; the others were earlier models)");
  }
  Params p;
  p.level = bytes[1];
  p.hash_bits = bytes[2];
  p.match_bits = bytes[3];
  if ((bytes[4] & ~(kTransformFlag | kSsmFlag | kLstmFlag)) != 0) {
    return corrupt_data("cm flags " + std::to_string(bytes[4]) + " are unknown");
  }
  p.text_transform = (bytes[4] & kTransformFlag) != 0;
  p.ssm = (bytes[4] & kSsmFlag) != 0;
  p.lstm = (bytes[4] & kLstmFlag) != 0;
  if (p.level < 1 || p.level > 9) return corrupt_data("cm level must be 1..9");
  if (p.hash_bits < kMinHashBits || p.hash_bits > kMaxHashBits) {
    return corrupt_data("cm hash table size is out of range");
  }
  if (p.match_bits < kMinMatchBits || p.match_bits > kMaxMatchBits) {
    return corrupt_data("cm match table size is out of range");
  }
  return p;
}

}  // namespace kolmo::cm
