#include "llm/matmul.h"

#include <algorithm>
#include <cstring>

#include "core/vec8.h"
#include "llm/parallel.h"

// Element-wise IEEE operations on GCC/clang vector extensions: the AVX2 clone and the baseline
// clone perform the same multiplies and adds in the same order, so they give identical bits.
#if defined(__x86_64__) && !defined(__clang__) && !defined(KOLMO_NO_TARGET_CLONES)
#define KOLMO_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define KOLMO_SIMD_CLONES
#endif

// The vector helpers are internal and inlined; the note about the ABI of passing 32-byte vectors
// without AVX does not apply (gcc and clang both know the warning).
#pragma GCC diagnostic ignored "-Wpsabi"

namespace kolmo::llm {
namespace {

using core::load8;
using core::store8;
using core::v8f;

constexpr std::size_t kW = PackedMatrix::kPanelWidth;
constexpr std::size_t kRowBlock = 6;      // rows per register block
constexpr std::size_t kRowChunk = 96;     // rows per work item (A chunk stays in L2)
constexpr std::size_t kPanelsPerItem = 4; // output panels per work item

// R rows of a times one panel, full depth; writes `cols` (<= 16) outputs per row.
template <std::size_t R>
inline __attribute__((always_inline)) void kernel(const float* a, std::size_t lda,
                                                  const float* panel, std::size_t depth, float* c,
                                                  std::size_t ldc, std::size_t cols) {
  v8f lo[R], hi[R];
  for (std::size_t r = 0; r < R; ++r) lo[r] = hi[r] = v8f{};
  for (std::size_t k = 0; k < depth; ++k) {
    const v8f w0 = load8(panel + k * kW);
    const v8f w1 = load8(panel + k * kW + 8);
    for (std::size_t r = 0; r < R; ++r) {
      const float s = a[r * lda + k];
      lo[r] = lo[r] + w0 * s;
      hi[r] = hi[r] + w1 * s;
    }
  }
  for (std::size_t r = 0; r < R; ++r) {
    if (cols == kW) {
      store8(c + r * ldc, lo[r]);
      store8(c + r * ldc + 8, hi[r]);
    } else {
      float tmp[kW];
      store8(tmp, lo[r]);
      store8(tmp + 8, hi[r]);
      std::memcpy(c + r * ldc, tmp, cols * sizeof(float));
    }
  }
}

KOLMO_SIMD_CLONES
void matmul_block(const float* a, std::size_t rows, std::size_t lda, const PackedMatrix& w,
                  std::size_t panel_begin, std::size_t panel_end, float* c, std::size_t ldc) {
  const std::size_t depth = w.in();
  for (std::size_t p = panel_begin; p < panel_end; ++p) {
    const float* panel = w.panel(p);
    const std::size_t col = p * kW;
    const std::size_t cols = std::min(kW, w.out() - col);
    std::size_t r = 0;
    for (; r + kRowBlock <= rows; r += kRowBlock) {
      kernel<kRowBlock>(a + r * lda, lda, panel, depth, c + r * ldc + col, ldc, cols);
    }
    switch (rows - r) {
      case 5: kernel<5>(a + r * lda, lda, panel, depth, c + r * ldc + col, ldc, cols); break;
      case 4: kernel<4>(a + r * lda, lda, panel, depth, c + r * ldc + col, ldc, cols); break;
      case 3: kernel<3>(a + r * lda, lda, panel, depth, c + r * ldc + col, ldc, cols); break;
      case 2: kernel<2>(a + r * lda, lda, panel, depth, c + r * ldc + col, ldc, cols); break;
      case 1: kernel<1>(a + r * lda, lda, panel, depth, c + r * ldc + col, ldc, cols); break;
      default: break;
    }
  }
}

inline __attribute__((always_inline)) float dot_inline(const float* a, const float* b,
                                                        std::size_t n) {
  v8f acc{};
  for (std::size_t i = 0; i < n; i += 8) acc = acc + load8(a + i) * load8(b + i);
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

KOLMO_SIMD_CLONES
float dot_impl(const float* a, const float* b, std::size_t n) { return dot_inline(a, b, n); }

KOLMO_SIMD_CLONES
void attention_scores_impl(const float* q, const float* keys, std::size_t count, std::size_t n,
                           float scale, float* scores) {
  for (std::size_t j = 0; j < count; ++j) scores[j] = dot_inline(q, keys + j * n, n) * scale;
}

// Up to 64 output elements at a time in eight registers (independent add chains), each summed
// over j in ascending order.
KOLMO_SIMD_CLONES
void weighted_sum_impl(const float* weights, const float* values, std::size_t count,
                       std::size_t n, float* out) {
  constexpr std::size_t kBlock = 64;
  for (std::size_t i0 = 0; i0 < n; i0 += kBlock) {
    const std::size_t vectors = std::min(kBlock, n - i0) / 8;
    v8f acc[kBlock / 8] = {};
    if (vectors == kBlock / 8) {
      for (std::size_t j = 0; j < count; ++j) {
        const float* v = values + j * n + i0;
        const float w = weights[j];
        for (std::size_t c = 0; c < kBlock / 8; ++c) acc[c] = acc[c] + load8(v + 8 * c) * w;
      }
    } else {
      for (std::size_t j = 0; j < count; ++j) {
        const float* v = values + j * n + i0;
        const float w = weights[j];
        for (std::size_t c = 0; c < vectors; ++c) acc[c] = acc[c] + load8(v + 8 * c) * w;
      }
    }
    for (std::size_t c = 0; c < vectors; ++c) store8(out + i0 + 8 * c, acc[c]);
  }
}

KOLMO_SIMD_CLONES
void axpy_impl(float s, const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; i += 8) store8(y + i, load8(y + i) + load8(x + i) * s);
}

}  // namespace

PackedMatrix::PackedMatrix(const float* w, std::size_t out, std::size_t in)
    : out_(out), in_(in), data_(panels() * in * kPanelWidth, 0.0f) {
  for (std::size_t o = 0; o < out; ++o) {
    float* panel = data_.data() + (o / kW) * in * kW + (o % kW);
    const float* row = w + o * in;
    for (std::size_t k = 0; k < in; ++k) panel[k * kW] = row[k];
  }
}

void matmul(const float* a, std::size_t rows, std::size_t lda, const PackedMatrix& w, float* c,
            std::size_t ldc, ThreadPool* pool) {
  const std::size_t row_chunks = (rows + kRowChunk - 1) / kRowChunk;
  const std::size_t panel_groups = (w.panels() + kPanelsPerItem - 1) / kPanelsPerItem;
  parallel_for(pool, row_chunks * panel_groups, [&](std::size_t item) {
    const std::size_t chunk = item / panel_groups;
    const std::size_t group = item % panel_groups;
    const std::size_t r0 = chunk * kRowChunk;
    const std::size_t p0 = group * kPanelsPerItem;
    matmul_block(a + r0 * lda, std::min(kRowChunk, rows - r0), lda, w, p0,
                 std::min(w.panels(), p0 + kPanelsPerItem), c + r0 * ldc, ldc);
  });
}

float dot(const float* a, const float* b, std::size_t n) { return dot_impl(a, b, n); }
void axpy(float s, const float* x, float* y, std::size_t n) { axpy_impl(s, x, y, n); }

void attention_scores(const float* q, const float* keys, std::size_t count, std::size_t n,
                      float scale, float* scores) {
  attention_scores_impl(q, keys, count, n, scale, scores);
}

void weighted_sum(const float* weights, const float* values, std::size_t count, std::size_t n,
                  float* out) {
  weighted_sum_impl(weights, values, count, n, out);
}

}  // namespace kolmo::llm
