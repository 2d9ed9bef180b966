#include "codecs/cm/cm_logistic.h"

namespace kolmo::cm {
namespace {

using u128 = unsigned __int128;
constexpr int kQ = 60;  // fixed-point fraction bits of the exponential chain
constexpr std::uint64_t kUnit = std::uint64_t{1} << kQ;

// e^(-1/256) in Q60, from the alternating series sum (-1/256)^k / k!. Each term is at least 256
// times smaller than the one before, so a dozen integer terms settle every bit.
std::uint64_t decay_per_step() {
  u128 term = kUnit;
  u128 total = kUnit;
  for (int k = 1; k <= 12; ++k) {
    term /= static_cast<u128>(256) * static_cast<u128>(k);
    total = (k & 1) != 0 ? total - term : total + term;
  }
  return static_cast<std::uint64_t>(total);
}

std::uint16_t p16_from_exp(std::uint64_t e_q60) {
  // 65536 / (1 + e), rounded to nearest, clamped to the coder's range.
  const u128 den = static_cast<u128>(kUnit) + e_q60;
  const u128 num = (static_cast<u128>(65536) << kQ) + den / 2;
  std::uint64_t p = static_cast<std::uint64_t>(num / den);
  if (p > 65535) p = 65535;
  if (p < 1) p = 1;
  return static_cast<std::uint16_t>(p);
}

LogisticTables build_tables() {
  LogisticTables t{};
  const std::uint64_t step = decay_per_step();
  std::uint64_t e = kUnit;  // e^(-k/256), k = 0, 1, ...
  for (int k = 0; k <= kStretchMax; ++k) {
    const std::uint16_t p = p16_from_exp(e);
    t.squash[kStretchMax + k] = p;
    t.squash[kStretchMax - k] = static_cast<std::uint16_t>(65536 - p);
    e = static_cast<std::uint64_t>((static_cast<u128>(e) * step) >> kQ);
  }
  t.squash[kStretchMax] = 32768;
  int x = -kStretchMax;
  for (int bucket = 0; bucket < 4096; ++bucket) {
    const std::uint32_t middle = static_cast<std::uint32_t>(bucket) * 16 + 8;
    while (x < kStretchMax && t.squash[x + kStretchMax] < middle) ++x;
    t.stretch[bucket] = static_cast<std::int16_t>(x);
  }
  return t;
}

}  // namespace

const LogisticTables& logistic_tables() {
  static const LogisticTables tables = build_tables();
  return tables;
}

}  // namespace kolmo::cm
