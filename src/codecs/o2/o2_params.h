// The o2 block parameters: everything the decoder needs to rebuild the encoder's model. They are
// stored in the block header, so every level decodes with the same decoder.
//
// Layout (5 bytes): version (1), flags (bit 0: hashed order-3 context, bit 1: hashed order-4
// context, bit 2: final SSE stage), counter limit for orders 0-1, counter limit for orders 2+,
// mixer learning rate. Anything else is corrupt data.
#pragma once

#include <cstdint>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::o2 {

constexpr std::uint8_t kParamsVersion = 1;
constexpr std::uint8_t kFlagOrder3 = 1;
constexpr std::uint8_t kFlagOrder4 = 2;
constexpr std::uint8_t kFlagSse = 4;
constexpr std::uint8_t kKnownFlags = kFlagOrder3 | kFlagOrder4 | kFlagSse;
constexpr std::uint8_t kMaxMixerRate = 64;

struct Params {
  std::uint8_t flags = kFlagOrder3 | kFlagSse;
  // Adaptive-rate counters move 1/(n + 1.5) of the way to each bit until n reaches the limit:
  // higher limits suit stationary statistics, lower ones adapt faster.
  std::uint8_t low_order_limit = 255;
  std::uint8_t high_order_limit = 127;
  std::uint8_t mixer_rate = 6;

  bool has(std::uint8_t flag) const { return (flags & flag) != 0; }
};

// The parameters of kolmo level 1..9 (0 = default).
Params params_for_level(int level);

Bytes serialize_params(const Params& p);
// kCorruptData for a wrong size, version, unknown flags or out-of-range values.
Expected<Params> parse_params(ByteSpan bytes);

}  // namespace kolmo::o2
