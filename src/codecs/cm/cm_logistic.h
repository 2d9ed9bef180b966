// Integer logistic functions for the cm engine. stretch(p) = ln(p / (1 - p)) and its inverse
// squash(x) = 1 / (1 + e^-x) in fixed point: log-odds in units of 1/256 nat, clamped to
// +-kStretchMax (about +-8 nats), probabilities as 16-bit P(1). The tables are computed once from
// integer arithmetic only (see cm_logistic.cc), so every compiler and CPU gets the same bits.
#pragma once

#include <cstdint>

namespace kolmo::cm {

constexpr int kStretchMax = 2047;

struct LogisticTables {
  // squash[x + kStretchMax] = round(65536 / (1 + e^(-x / 256))), kept in [1, 65535].
  std::uint16_t squash[2 * kStretchMax + 1];
  // stretch[p16 >> 4]: the smallest x whose squash reaches the middle of that 16-wide bucket.
  std::int16_t stretch[4096];
};

// Built on first use (thread-safe static).
const LogisticTables& logistic_tables();

inline int clamp_stretch(int x) {
  return x > kStretchMax ? kStretchMax : (x < -kStretchMax ? -kStretchMax : x);
}

inline std::uint32_t squash(const LogisticTables& t, int x) {
  return t.squash[clamp_stretch(x) + kStretchMax];
}

inline int stretch(const LogisticTables& t, std::uint32_t p16) { return t.stretch[(p16 >> 4) & 4095]; }

}  // namespace kolmo::cm
