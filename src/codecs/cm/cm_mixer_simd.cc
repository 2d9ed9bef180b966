#include "codecs/cm/cm_mixer_simd.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace kolmo::cm::simd {

#if defined(__x86_64__)

bool avx2_available() { return __builtin_cpu_supports("avx2") != 0; }

// _mm256_mul_epi32 multiplies the even 32-bit lanes into 64-bit products; the odd lanes are
// shifted down to take their turn.
__attribute__((target("avx2"))) std::int64_t dot_avx2(const std::int32_t* w,
                                                       const std::int32_t* x, int n) {
  __m256i acc = _mm256_setzero_si256();
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + i));
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    const __m256i even = _mm256_mul_epi32(wv, xv);
    const __m256i odd = _mm256_mul_epi32(_mm256_srli_epi64(wv, 32), _mm256_srli_epi64(xv, 32));
    acc = _mm256_add_epi64(acc, _mm256_add_epi64(even, odd));
  }
  alignas(32) std::int64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc);
  std::int64_t sum = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  for (; i < n; ++i) sum += static_cast<std::int64_t>(w[i]) * x[i];
  return sum;
}

// The 64-bit step is shifted logically: its low 32 bits are those of the arithmetic shift (the
// shift is below 32), and the step fits 32 bits, so they are the step.
__attribute__((target("avx2"))) void train_avx2(std::int32_t* w, const std::int32_t* scaled_x,
                                                int n, std::int32_t err, std::int64_t half,
                                                std::int32_t limit) {
  const __m256i errv = _mm256_set1_epi32(err);
  const __m256i halfv = _mm256_set1_epi64x(half);
  const __m256i hi = _mm256_set1_epi32(limit);
  const __m256i lo = _mm256_set1_epi32(-limit);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i sx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(scaled_x + i));
    const __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(sx, errv), halfv), 24);
    const __m256i odd = _mm256_srli_epi64(
        _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(sx, 32), errv), halfv), 24);
    const __m256i step = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    __m256i* wp = reinterpret_cast<__m256i*>(w + i);
    const __m256i next = _mm256_add_epi32(_mm256_loadu_si256(wp), step);
    _mm256_storeu_si256(wp, _mm256_max_epi32(lo, _mm256_min_epi32(hi, next)));
  }
  for (; i < n; ++i) {
    std::int64_t next = w[i] + ((static_cast<std::int64_t>(scaled_x[i]) * err + half) >> 24);
    if (next > limit) next = limit;
    if (next < -limit) next = -limit;
    w[i] = static_cast<std::int32_t>(next);
  }
}

#else

bool avx2_available() { return false; }
std::int64_t dot_avx2(const std::int32_t*, const std::int32_t*, int) { return 0; }
void train_avx2(std::int32_t*, const std::int32_t*, int, std::int32_t, std::int64_t,
                std::int32_t) {}

#endif

}  // namespace kolmo::cm::simd
