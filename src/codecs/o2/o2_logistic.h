// Integer logistic functions for the o2 mixer: stretch(p) = ln(p / (1 - p)) and its inverse
// squash(x) = 1 / (1 + e^-x), in fixed point. The tables are computed once from integer
// arithmetic only (see o2_logistic.cc), so every compiler and CPU gets the same bits.
#pragma once

#include <cstdint>

namespace kolmo::o2 {

// Log-odds are in units of 1/256 nat, limited to +-kStretchLimit (about +-8 nats).
constexpr int kStretchLimit = 2047;

struct LogisticTables {
  // squash[x + kStretchLimit] = 65536 / (1 + e^(-x / 256)), rounded, in [1, 65535].
  std::uint16_t squash[2 * kStretchLimit + 1];
  // stretch[p16 >> 4]: the smallest x whose squash reaches the middle of that 16-wide bucket.
  std::int16_t stretch[4096];
};

// Built on first use (thread-safe); hot loops keep the reference instead of calling again.
const LogisticTables& logistic_tables();

inline std::uint32_t squash16(const LogisticTables& t, int x) {
  if (x > kStretchLimit) x = kStretchLimit;
  if (x < -kStretchLimit) x = -kStretchLimit;
  return t.squash[x + kStretchLimit];
}

inline int stretch16(const LogisticTables& t, std::uint32_t p16) {
  return t.stretch[(p16 >> 4) & 4095];
}

}  // namespace kolmo::o2
