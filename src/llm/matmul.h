// Dense products for the transformer: activations (rows x in) times a weight matrix stored as
// Hugging Face does (out x in), giving rows x out.
//
// Determinism: every output element is a plain sum over the input dimension in increasing index
// order (acc = acc + a*w, never fused), whatever the number of rows, the thread count or the SIMD
// path. So a decode step (one row) gives bit for bit the logits of the same position in a prefill
// (many rows), and 1 and N threads agree.
#pragma once

#include <cstddef>
#include <vector>

#include "kolmo/thread_pool.h"

namespace kolmo::llm {

// Weights repacked for the kernel: column panels of kPanelWidth outputs, each stored as
// in x kPanelWidth floats (zero padded past `out`).
class PackedMatrix {
 public:
  static constexpr std::size_t kPanelWidth = 16;

  PackedMatrix() = default;
  // w: out x in, row-major.
  PackedMatrix(const float* w, std::size_t out, std::size_t in);

  std::size_t out() const { return out_; }
  std::size_t in() const { return in_; }
  std::size_t panels() const { return (out_ + kPanelWidth - 1) / kPanelWidth; }
  const float* panel(std::size_t p) const { return data_.data() + p * in_ * kPanelWidth; }

 private:
  std::size_t out_ = 0;
  std::size_t in_ = 0;
  std::vector<float> data_;
};

// c (rows x w.out(), row stride ldc) = a (rows x w.in(), row stride lda) * w^T.
void matmul(const float* a, std::size_t rows, std::size_t lda, const PackedMatrix& w, float* c,
            std::size_t ldc, ThreadPool* pool);

// Dot product of n floats (n a multiple of 8) in a fixed order: eight lane sums, then the lanes
// added pairwise. Used for attention scores in both the prefill and the decode path.
float dot(const float* a, const float* b, std::size_t n);
// y[i] += s * x[i] for n floats (n a multiple of 8); element-wise, so order-free.
void axpy(float s, const float* x, float* y, std::size_t n);

// Attention's two loops over positions, in one call each (n a multiple of 8):
// scores[j] = dot(q, keys + j*n, n) * scale for j < count, bit for bit as dot() gives;
void attention_scores(const float* q, const float* keys, std::size_t count, std::size_t n,
                      float scale, float* scores);
// out[i] = sum over j ascending of weights[j] * values[j*n + i], starting from 0, i.e. exactly
// what axpy() called for j = 0, 1, ... on a zeroed out gives.
void weighted_sum(const float* weights, const float* values, std::size_t count, std::size_t n,
                  float* out);

}  // namespace kolmo::llm
