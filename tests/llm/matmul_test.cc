// The matrix kernels: every output is the plain in-order float sum, for any shape and thread
// count (so decode and prefill agree bit for bit).
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "llm/matmul.h"

namespace kolmo::llm {
namespace {

std::vector<float> random_floats(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// c[r][o] = sum over k in increasing order of a[r][k] * w[o][k], one float add at a time.
std::vector<float> reference(const std::vector<float>& a, const std::vector<float>& w,
                             std::size_t rows, std::size_t out, std::size_t in) {
  std::vector<float> c(rows * out);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t o = 0; o < out; ++o) {
      float acc = 0.0f;
      for (std::size_t k = 0; k < in; ++k) acc = acc + a[r * in + k] * w[o * in + k];
      c[r * out + o] = acc;
    }
  }
  return c;
}

TEST(LlmMatmulTest, MatchesInOrderSumBitForBitForAnyShapeAndThreads) {
  ThreadPool pool(2);
  for (const std::size_t rows : {1u, 5u, 6u, 7u, 100u, 193u}) {
    for (const std::size_t out : {1u, 16u, 37u, 130u}) {
      const std::size_t in = 24 + rows % 5;
      const auto a = random_floats(rows * in, 1 + static_cast<std::uint32_t>(rows));
      const auto w = random_floats(out * in, 2 + static_cast<std::uint32_t>(out));
      const PackedMatrix packed(w.data(), out, in);
      const auto expected = reference(a, w, rows, out, in);
      for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
        std::vector<float> c(rows * out, -1.0f);
        matmul(a.data(), rows, in, packed, c.data(), out, p);
        EXPECT_EQ(0, std::memcmp(c.data(), expected.data(), c.size() * sizeof(float)))
            << rows << "x" << in << " * " << out;
      }
    }
  }
}

TEST(LlmMatmulTest, RespectsRowStrides) {
  const std::size_t rows = 9, out = 20, in = 16, lda = 19, ldc = 23;
  const auto a = random_floats(rows * lda, 3);
  const auto w = random_floats(out * in, 4);
  std::vector<float> dense(rows * in);
  for (std::size_t r = 0; r < rows; ++r) std::memcpy(&dense[r * in], &a[r * lda], in * sizeof(float));
  const auto expected = reference(dense, w, rows, out, in);
  std::vector<float> c(rows * ldc, 7.0f);
  matmul(a.data(), rows, lda, PackedMatrix(w.data(), out, in), c.data(), ldc, nullptr);
  for (std::size_t r = 0; r < rows; ++r) {
    EXPECT_EQ(0, std::memcmp(&c[r * ldc], &expected[r * out], out * sizeof(float)));
    for (std::size_t j = out; j < ldc; ++j) EXPECT_EQ(c[r * ldc + j], 7.0f);  // padding untouched
  }
}

TEST(LlmMatmulTest, DotAndAxpyAreAccurate) {
  const auto a = random_floats(64, 5), b = random_floats(64, 6);
  double exact = 0.0;
  for (std::size_t i = 0; i < 64; ++i) exact += double(a[i]) * b[i];
  EXPECT_NEAR(dot(a.data(), b.data(), 64), exact, 1e-4);
  std::vector<float> y(b);
  axpy(0.5f, a.data(), y.data(), 64);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(y[i], b[i] + a[i] * 0.5f);
}

TEST(LlmMatmulTest, AttentionLoopsEqualDotAndAxpyBitForBit) {
  const std::size_t count = 37, n = 24;
  const auto q = random_floats(n, 7), keys = random_floats(count * n, 8);
  const auto weights = random_floats(count, 9);
  std::vector<float> scores(count);
  attention_scores(q.data(), keys.data(), count, n, 0.125f, scores.data());
  std::vector<float> expected(n, 0.0f);
  for (std::size_t j = 0; j < count; ++j) {
    EXPECT_EQ(scores[j], dot(q.data(), &keys[j * n], n) * 0.125f) << j;
    axpy(weights[j], &keys[j * n], expected.data(), n);
  }
  std::vector<float> out(n, 99.0f);
  weighted_sum(weights.data(), keys.data(), count, n, out.data());
  EXPECT_EQ(out, expected);
}

}  // namespace
}  // namespace kolmo::llm
