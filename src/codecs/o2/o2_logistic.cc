#include "codecs/o2/o2_logistic.h"

namespace kolmo::o2 {
namespace {

using u128 = unsigned __int128;
constexpr int kFracBits = 62;
constexpr std::uint64_t kOne = std::uint64_t{1} << kFracBits;

// e^(-1/256) in Q62 from its Taylor series, summed in integers: the terms shrink by a factor of
// at least 256 each, so a dozen of them are exact to the last bit that matters.
std::uint64_t exp_minus_1_over_256() {
  u128 term = kOne;
  u128 sum = kOne;
  for (int k = 1; k < 16; ++k) {
    term /= static_cast<u128>(256 * k);
    if (k % 2 == 1) {
      sum -= term;
    } else {
      sum += term;
    }
  }
  return static_cast<std::uint64_t>(sum);
}

LogisticTables build() {
  LogisticTables t{};
  // e^(-k/256) for k = 0..2047 by repeated multiplication; truncation drifts by at most a few
  // units of 2^-62 over the whole chain, far below the 2^-16 the tables keep.
  const std::uint64_t step = exp_minus_1_over_256();
  std::uint64_t e = kOne;
  for (int k = 0; k <= kStretchLimit; ++k) {
    // 65536 / (1 + e), rounded to nearest.
    const u128 num = (static_cast<u128>(65536) << kFracBits) + ((static_cast<u128>(kOne) + e) >> 1);
    std::uint32_t p = static_cast<std::uint32_t>(num / (static_cast<u128>(kOne) + e));
    if (p > 65535) p = 65535;
    if (p < 1) p = 1;
    t.squash[kStretchLimit + k] = static_cast<std::uint16_t>(p);
    t.squash[kStretchLimit - k] = static_cast<std::uint16_t>(65536 - p);
    e = static_cast<std::uint64_t>((static_cast<u128>(e) * step) >> kFracBits);
  }
  t.squash[kStretchLimit] = 32768;
  int x = -kStretchLimit;
  for (int bucket = 0; bucket < 4096; ++bucket) {
    const std::uint32_t target = static_cast<std::uint32_t>(bucket) * 16 + 8;
    while (x < kStretchLimit && t.squash[x + kStretchLimit] < target) ++x;
    t.stretch[bucket] = static_cast<std::int16_t>(x);
  }
  return t;
}

}  // namespace

const LogisticTables& logistic_tables() {
  static const LogisticTables tables = build();
  return tables;
}

}  // namespace kolmo::o2
