// The mixer's first-layer loops on AVX2 (x86-64 only; functions compiled for AVX2 on their own and
// called only after a run-time CPU check, so the rest of the build keeps its baseline ISA).
// Integer arithmetic throughout: the results are bit for bit those of the scalar loops in
// cm_mixer.cc, in any lane order, since integer sums are associative.
#pragma once

#include <cstdint>

namespace kolmo::cm::simd {

// True when the CPU runs AVX2 (and this is an x86-64 build).
bool avx2_available();

// sum of w[i] * x[i] over i < n, in 64 bits.
std::int64_t dot_avx2(const std::int32_t* w, const std::int32_t* x, int n);

// w[i] = clamp(w[i] + ((scaled_x[i] * err + half) >> 24), -limit, limit) for i < n; the product
// and sum are 64-bit, the shifted step must fit 32 bits (|scaled_x * err| < 2^54).
void train_avx2(std::int32_t* w, const std::int32_t* scaled_x, int n, std::int32_t err,
                std::int64_t half, std::int32_t limit);

}  // namespace kolmo::cm::simd
