#include "codecs/statesmix/head_kernels.h"

#include <cstring>

#include "core/vec8.h"
#include "codecs/statesmix/mamba.h"
#include "codecs/statesmix/ssm_math.h"

// GCC/clang vector extensions: element-wise IEEE multiplies and adds, so the AVX2 clone, the
// baseline clone (two SSE halves) and a scalar loop give identical bits.

// The vector helpers are inlined; no 32-byte vector crosses a call.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace kolmo::statesmix {
namespace {

using core::load8;
using core::store8;
using core::v8f;
typedef std::int32_t v8i __attribute__((vector_size(32)));

constexpr std::size_t kGradBlock = 1024;  // columns per cache block of the input gradient

// R rows x V vectors of logits at column j.
template <int R, int V>
inline __attribute__((always_inline)) void forward_tile(const float* W, std::size_t ld,
                                                        const float* x, float* out,
                                                        std::size_t j) {
  v8f acc[R][V];
  for (int v = 0; v < V; ++v) {
    const v8f w = load8(W + j + 8 * v);
    for (int r = 0; r < R; ++r) acc[r][v] = w * x[r * kDM];
  }
  for (int d = 1; d < kDM; ++d) {
    const float* wd = W + static_cast<std::size_t>(d) * ld + j;
    for (int v = 0; v < V; ++v) {
      const v8f w = load8(wd + 8 * v);
      for (int r = 0; r < R; ++r) acc[r][v] = acc[r][v] + w * x[r * kDM + d];
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < V; ++v) store8(out + r * ld + j + 8 * v, acc[r][v]);
  }
}

template <int R>
inline __attribute__((always_inline)) void forward_rows(const float* W, std::size_t ld,
                                                        const float* x, float* out,
                                                        std::size_t j0, std::size_t j1) {
  std::size_t j = j0;
  for (; j + 16 <= j1; j += 16) forward_tile<R, 2>(W, ld, x, out, j);
  for (; j < j1; j += 8) forward_tile<R, 1>(W, ld, x, out, j);
}

// D rows of dW (d0..d0+D-1) x V vectors at column j.
template <int D, int V>
inline __attribute__((always_inline)) void weight_grad_tile(const float* x, const float* G,
                                                            std::size_t ld, int rows, float* dW,
                                                            int d0, std::size_t j) {
  v8f acc[D][V];
  for (int dd = 0; dd < D; ++dd) {
    for (int v = 0; v < V; ++v) acc[dd][v] = v8f{};
  }
  for (int t = 0; t < rows; ++t) {
    const float* g = G + static_cast<std::size_t>(t) * ld + j;
    const float* xt = x + t * kDM + d0;
    for (int v = 0; v < V; ++v) {
      const v8f gv = load8(g + 8 * v);
      for (int dd = 0; dd < D; ++dd) acc[dd][v] = acc[dd][v] + xt[dd] * gv;
    }
  }
  for (int dd = 0; dd < D; ++dd) {
    for (int v = 0; v < V; ++v) {
      store8(dW + static_cast<std::size_t>(d0 + dd) * ld + j + 8 * v, acc[dd][v]);
    }
  }
}

// Rows t0..t0+TR-1 x d0..d0+3 of the input-gradient lanes over columns [j0, j1).
template <int TR>
inline __attribute__((always_inline)) void input_grad_tile(const float* W, const float* G,
                                                           std::size_t ld, float* lanes, int t0,
                                                           int d0, std::size_t j0,
                                                           std::size_t j1) {
  constexpr int kD = 4;
  v8f acc[TR][kD];
  for (int r = 0; r < TR; ++r) {
    for (int dd = 0; dd < kD; ++dd) acc[r][dd] = load8(lanes + ((t0 + r) * kDM + d0 + dd) * 8);
  }
  const float* g[TR];
  for (int r = 0; r < TR; ++r) g[r] = G + static_cast<std::size_t>(t0 + r) * ld;
  const float* w[kD];
  for (int dd = 0; dd < kD; ++dd) w[dd] = W + static_cast<std::size_t>(d0 + dd) * ld;
  for (std::size_t j = j0; j < j1; j += 8) {
    v8f gv[TR];
    for (int r = 0; r < TR; ++r) gv[r] = load8(g[r] + j);
    for (int dd = 0; dd < kD; ++dd) {
      const v8f wv = load8(w[dd] + j);
      for (int r = 0; r < TR; ++r) acc[r][dd] = acc[r][dd] + wv * gv[r];
    }
  }
  for (int r = 0; r < TR; ++r) {
    for (int dd = 0; dd < kD; ++dd) store8(lanes + ((t0 + r) * kDM + d0 + dd) * 8, acc[r][dd]);
  }
}

// Maximum of l[0..n): the same value as the scalar loop m = l[j] > m ? l[j] : m from m = l[0]
// (a maximum does not depend on the order; the loop skips NaNs after l[0] either way).
float row_max(const float* l, std::uint32_t n) {
  float m = l[0];
  std::uint32_t j = 1;
  if (n >= 9) {
    v8f mv = load8(l + 1);
    for (j = 9; j + 8 <= n; j += 8) {
      // Bitwise select on the compare mask (a float ?: would not vectorize under -ftrapping-math).
      const v8f v = load8(l + j);
      const v8i take = v > mv;
      mv = (v8f)(((v8i)v & take) | ((v8i)mv & ~take));
    }
    for (int q = 0; q < 8; ++q) m = mv[q] > m ? mv[q] : m;
  }
  for (; j < n; ++j) m = l[j] > m ? l[j] : m;
  return m;
}

}  // namespace

KOLMO_SSM_HOT void head_forward_cols(const float* W, std::size_t ld, const float* x, int rows,
                                     float* out, std::size_t j0, std::size_t j1) {
  if (rows == 1) {
    std::size_t j = j0;
    for (; j + 32 <= j1; j += 32) forward_tile<1, 4>(W, ld, x, out, j);
    for (; j < j1; j += 8) forward_tile<1, 1>(W, ld, x, out, j);
    return;
  }
  // Column strips outside, rows inside: a strip of W (DM x 16 floats) stays in L1 for all rows.
  constexpr std::size_t kStrip = 64;
  for (std::size_t s = j0; s < j1; s += kStrip) {
    const std::size_t e = s + kStrip < j1 ? s + kStrip : j1;
    int t = 0;
    for (; t + 4 <= rows; t += 4) forward_rows<4>(W, ld, x + t * kDM, out + t * ld, s, e);
    const float* xr = x + t * kDM;
    float* o = out + t * ld;
    switch (rows - t) {
      case 3: forward_rows<3>(W, ld, xr, o, s, e); break;
      case 2: forward_rows<2>(W, ld, xr, o, s, e); break;
      case 1: forward_rows<1>(W, ld, xr, o, s, e); break;
      default: break;
    }
  }
}

KOLMO_SSM_HOT void softmax_gradient_rows(float* logits, std::size_t ld, std::uint32_t ve,
                                         const std::uint32_t* targets, int T, float smoothing,
                                         int t0, int t1, double* loss) {
  const float inv_t = 1.0f / static_cast<float>(T);
  const float smooth = smoothing / static_cast<float>(ve);
  constexpr int kGroup = 4;  // rows whose double sums run side by side (independent chains)
  for (int g0 = t0; g0 < t1; g0 += kGroup) {
    const int n = t1 - g0 < kGroup ? t1 - g0 : kGroup;
    float* lg[kGroup];
    for (int r = 0; r < n; ++r) {
      lg[r] = logits + static_cast<std::size_t>(g0 + r) * ld;
      const float mx = row_max(lg[r], ve);
      float* row = lg[r];
      for (std::uint32_t j = 0; j < ve; ++j) row[j] = det_exp(row[j] - mx);
    }
    double sum[kGroup] = {};
    if (n == kGroup) {
      for (std::uint32_t j = 0; j < ve; ++j) {
        for (int r = 0; r < kGroup; ++r) sum[r] += lg[r][j];
      }
    } else {
      for (int r = 0; r < n; ++r) {
        for (std::uint32_t j = 0; j < ve; ++j) sum[r] += lg[r][j];
      }
    }
    for (int r = 0; r < n; ++r) {
      float* row = lg[r];
      const std::uint32_t target = targets[g0 + r];
      if (loss != nullptr) {
        // Reported for tests only: (1-eps) CE(target) + eps * CE(uniform).
        double sum_logits = 0.0;
        for (std::uint32_t j = 0; j < ve; ++j) sum_logits += det_log(row[j]);
        const double log_z = det_log(static_cast<float>(sum[r]));
        const double lp_target = det_log(row[target]) - log_z;
        *loss += (-(1.0 - smoothing) * lp_target - smoothing * (sum_logits / ve - log_z)) / T;
      }
      const float inv = static_cast<float>(1.0 / sum[r]);
      for (std::uint32_t j = 0; j < ve; ++j) row[j] = (row[j] * inv - smooth) * inv_t;
      row[target] -= (1.0f - smoothing) * inv_t;
      for (std::size_t j = ve; j < ld; ++j) row[j] = 0.0f;
    }
  }
}

KOLMO_SSM_HOT void head_weight_grad_cols(const float* x, const float* G, std::size_t ld, int rows,
                                         float* dW, std::size_t j0, std::size_t j1) {
  std::size_t j = j0;
  for (; j + 16 <= j1; j += 16) {
    for (int d0 = 0; d0 < kDM; d0 += 4) weight_grad_tile<4, 2>(x, G, ld, rows, dW, d0, j);
  }
  for (; j < j1; j += 8) {
    for (int d0 = 0; d0 < kDM; d0 += 4) weight_grad_tile<4, 1>(x, G, ld, rows, dW, d0, j);
  }
}

std::size_t head_input_grad_tiles(int rows) {
  return static_cast<std::size_t>((rows + 1) / 2) * (kDM / 4);
}

KOLMO_SSM_HOT void head_input_grad_lanes(const float* W, const float* G, std::size_t ld, int rows,
                                         float* lanes, std::size_t u0, std::size_t u1) {
  for (std::size_t u = u0; u < u1; ++u) {
    const int t0 = static_cast<int>(u / (kDM / 4)) * 2;
    const int d0 = static_cast<int>(u % (kDM / 4)) * 4;
    for (int r = t0; r < t0 + 2 && r < rows; ++r) {
      for (int dd = 0; dd < 4; ++dd) store8(lanes + (r * kDM + d0 + dd) * 8, v8f{});
    }
  }
  // Column blocks outside so that the W and G blocks stay in L2 across tiles; each lane still
  // adds its terms in increasing j.
  for (std::size_t b = 0; b < ld; b += kGradBlock) {
    const std::size_t e = b + kGradBlock < ld ? b + kGradBlock : ld;
    for (std::size_t u = u0; u < u1; ++u) {
      const int t0 = static_cast<int>(u / (kDM / 4)) * 2;
      const int d0 = static_cast<int>(u % (kDM / 4)) * 4;
      if (t0 + 1 < rows) {
        input_grad_tile<2>(W, G, ld, lanes, t0, d0, b, e);
      } else {
        input_grad_tile<1>(W, G, ld, lanes, t0, d0, b, e);
      }
    }
  }
}

}  // namespace kolmo::statesmix
