// Deterministic float helpers for statesmix. The decoder replays every float the encoder computes,
// so nothing here calls libm's exp/log (whose last bits differ between libraries and builds):
// each function uses only + - * / and IEEE bit manipulation in a fixed order, which gives the same
// bits with gcc or clang, -O0 or -O3, scalar or SIMD (the project builds with -ffp-contract=off).
#pragma once

#include <cstdint>
#include <cstring>

#include "core/float_bits.h"

// Hot loops also get an AVX2 clone, picked at run time. Results are bit-identical to the default
// clone: element-wise IEEE operations in the same order, no FMA (-ffp-contract=off), no
// reassociation (no -ffast-math); only the vector width differs.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(KOLMO_STATESMIX_NO_CLONES)
#define KOLMO_SSM_HOT __attribute__((target_clones("avx2", "default")))
#else
#define KOLMO_SSM_HOT
#endif

namespace kolmo::statesmix {

using core::bits_to_float;
using core::float_to_bits;

// e^x, relative error about 2e-7 over the clamped range [-87, 88].
// Clamp x to [lo, hi] (NaN -> lo) by integer selects: float compares in a ?: would keep gcc
// from vectorizing loops over arrays (-ftrapping-math); the bits are the same either way.
inline float det_clamp(float x, float lo, float hi) {
  const std::uint32_t below = 0u - static_cast<std::uint32_t>(!(x > lo));
  x = bits_to_float((float_to_bits(x) & ~below) | (float_to_bits(lo) & below));
  const std::uint32_t above = 0u - static_cast<std::uint32_t>(x > hi);
  return bits_to_float((float_to_bits(x) & ~above) | (float_to_bits(hi) & above));
}

inline float det_exp(float x) {
  x = det_clamp(x, -87.0f, 88.0f);
  // x = n ln2 + r with |r| <= ln2/2; n by round-to-nearest through the 1.5*2^23 trick.
  const float kRound = 12582912.0f;
  const float t = x * 1.44269504f + kRound;
  const float nf = t - kRound;
  const std::int32_t n = static_cast<std::int32_t>(nf);
  const float r = (x - nf * 0.693145752f) - nf * 1.42860677e-6f;
  // Taylor polynomial of e^r to degree 6 (Horner, fixed order).
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // 2^n split in two factors so that n down to -126 and up to 127 stay normal.
  const std::int32_t n1 = n / 2;
  const std::int32_t n2 = n - n1;
  const float s1 = bits_to_float(static_cast<std::uint32_t>(n1 + 127) << 23);
  const float s2 = bits_to_float(static_cast<std::uint32_t>(n2 + 127) << 23);
  return p * s1 * s2;
}

// Natural log for x > 0 (x <= 0 gives a large negative number, never NaN). Error about 1e-7.
inline float det_log(float x) {
  if (!(x > 1.17549435e-38f)) x = 1.17549435e-38f;
  const std::uint32_t u = float_to_bits(x);
  std::int32_t e = static_cast<std::int32_t>((u >> 23) & 0xff) - 127;
  float m = bits_to_float((u & 0x007fffffu) | 0x3f800000u);  // [1, 2)
  if (m > 1.41421356f) {
    m = m * 0.5f;
    e += 1;
  }
  // log m = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716.
  const float s = (m - 1.0f) / (m + 1.0f);
  const float s2 = s * s;
  float p = 1.0f / 11.0f;
  p = p * s2 + 1.0f / 9.0f;
  p = p * s2 + 1.0f / 7.0f;
  p = p * s2 + 1.0f / 5.0f;
  p = p * s2 + 1.0f / 3.0f;
  p = p * s2 + 1.0f;
  const float ef = static_cast<float>(e);
  return (2.0f * s * p + ef * 1.42860677e-6f) + ef * 0.693145752f;
}

inline float det_sigmoid(float x) { return 1.0f / (1.0f + det_exp(-x)); }

// log(1 + e^x) computed as max(x, 0) + log(1 + e^-|x|).
inline float det_softplus(float x) {
  const float ax = x < 0.0f ? -x : x;
  const float pos = x > 0.0f ? x : 0.0f;
  return pos + det_log(1.0f + det_exp(-ax));
}

}  // namespace kolmo::statesmix
