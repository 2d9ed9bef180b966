#include "llm/session.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "llm/parallel.h"

namespace kolmo::llm {
namespace {

constexpr std::size_t kAttentionRowChunk = 32;

// HF RMSNorm: x * rsqrt(mean(x^2) + eps), then times the weight. The mean is summed in double
// for accuracy; the order is fixed.
void rms_norm(const float* x, const float* weight, float eps, std::size_t n, float* out) {
  double ss = 0.0;
  for (std::size_t i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  const float r = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(n) + eps));
  for (std::size_t i = 0; i < n; ++i) out[i] = weight[i] * (x[i] * r);
}

// Rotates one head vector at table row (cos, sin) of head_dim/2 entries.
void rope(float* x, const float* cos, const float* sin, std::size_t head_dim, RopeStyle style) {
  const std::size_t half = head_dim / 2;
  for (std::size_t i = 0; i < half; ++i) {
    const std::size_t a = style == RopeStyle::kHalf ? i : 2 * i;
    const std::size_t b = style == RopeStyle::kHalf ? i + half : 2 * i + 1;
    const float x0 = x[a], x1 = x[b];
    x[a] = x0 * cos[i] - x1 * sin[i];
    x[b] = x1 * cos[i] + x0 * sin[i];
  }
}

}  // namespace

Session::Session(const Model& model, const KvMethod& kv, ThreadPool* pool)
    : model_(model), kv_(kv), pool_(pool) {
  const ModelConfig& c = model.config;
  // Frequencies as the reference code computes them in fp32: inv = 1 / theta^(2i/d), angle =
  // position * inv in fp32, then cos/sin of that float.
  const std::size_t half = c.head_dim / 2;
  std::vector<float> inv(half);
  for (std::size_t i = 0; i < half; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(c.head_dim);
    inv[i] = 1.0f / static_cast<float>(std::pow(c.rope_theta, static_cast<double>(exponent)));
  }
  rope_cos_.resize(c.max_positions * half);
  rope_sin_.resize(c.max_positions * half);
  for (std::size_t p = 0; p < c.max_positions; ++p) {
    for (std::size_t i = 0; i < half; ++i) {
      const float angle = static_cast<float>(p) * inv[i];
      rope_cos_[p * half + i] = static_cast<float>(std::cos(static_cast<double>(angle)));
      rope_sin_[p * half + i] = static_cast<float>(std::sin(static_cast<double>(angle)));
    }
  }
  key_scratch_.resize(c.kv_heads);
  value_scratch_.resize(c.kv_heads);
  reset();
}

void Session::reset() {
  stores_.clear();
  const KvShape shape{model_.config.kv_heads, model_.config.head_dim};
  for (std::size_t l = 0; l < model_.config.layers; ++l) stores_.push_back(kv_.make_store(shape));
  position_ = 0;
}

std::uint64_t Session::kv_stored_bits() const {
  std::uint64_t bits = 0;
  for (const auto& s : stores_) bits += s->stored_bits();
  return bits;
}

std::uint64_t Session::kv_elements() const {
  std::uint64_t n = 0;
  for (const auto& s : stores_) n += s->elements();
  return n;
}

Status Session::forward(std::span<const int> tokens, std::vector<float>* logits,
                        const CaptureFn& capture) {
  const ModelConfig& c = model_.config;
  const std::size_t T = tokens.size();
  if (T == 0) return ok_status();
  if (position_ + T > c.max_positions) {
    return invalid_argument("positions up to " + std::to_string(position_ + T) +
                            " exceed the model's " + std::to_string(c.max_positions));
  }
  for (const int t : tokens) {
    if (t < 0 || static_cast<std::size_t>(t) >= c.vocab) {
      return invalid_argument("token id " + std::to_string(t) + " outside the vocabulary");
    }
  }
  const std::size_t d = c.dim, q_dim = c.q_dim(), kv_dim = c.kv_dim(), h = c.hidden_dim;
  const std::size_t qkv_cols = q_dim + 2 * kv_dim;
  x_.resize(T * d);
  xn_.resize(T * d);
  qkv_.resize(T * qkv_cols);
  k_.resize(T * kv_dim);
  v_.resize(T * kv_dim);
  attn_.resize(T * q_dim);
  proj_.resize(T * d);
  gate_up_.resize(T * 2 * h);
  act_.resize(T * h);

  for (std::size_t t = 0; t < T; ++t) {
    const float* row = model_.embedding.data() + static_cast<std::size_t>(tokens[t]) * d;
    std::copy(row, row + d, x_.begin() + static_cast<std::ptrdiff_t>(t * d));
  }
  const std::size_t half = c.head_dim / 2;
  for (std::size_t l = 0; l < c.layers; ++l) {
    const LayerWeights& w = model_.layers[l];
    for (std::size_t t = 0; t < T; ++t) rms_norm(&x_[t * d], w.attn_norm.data(), c.norm_eps, d, &xn_[t * d]);
    matmul(xn_.data(), T, d, w.qkv, qkv_.data(), qkv_cols, pool_);
    for (std::size_t t = 0; t < T; ++t) {
      float* row = &qkv_[t * qkv_cols];
      const float* cs = &rope_cos_[(position_ + t) * half];
      const float* sn = &rope_sin_[(position_ + t) * half];
      for (std::size_t hh = 0; hh < c.heads; ++hh) rope(row + hh * c.head_dim, cs, sn, c.head_dim, c.rope);
      for (std::size_t hh = 0; hh < c.kv_heads; ++hh) {
        rope(row + q_dim + hh * c.head_dim, cs, sn, c.head_dim, c.rope);
      }
      std::copy(row + q_dim, row + q_dim + kv_dim, &k_[t * kv_dim]);
      std::copy(row + q_dim + kv_dim, row + qkv_cols, &v_[t * kv_dim]);
    }
    if (capture) {
      std::vector<float> q(T * q_dim);
      for (std::size_t t = 0; t < T; ++t) {
        std::copy(&qkv_[t * qkv_cols], &qkv_[t * qkv_cols] + q_dim, &q[t * q_dim]);
      }
      capture(l, q.data(), k_.data(), v_.data(), T);
    }
    stores_[l]->append(k_.data(), v_.data(), T);
    attention(l, T);
    matmul(attn_.data(), T, q_dim, w.out, proj_.data(), d, pool_);
    for (std::size_t i = 0; i < T * d; ++i) x_[i] = x_[i] + proj_[i];

    for (std::size_t t = 0; t < T; ++t) rms_norm(&x_[t * d], w.ffn_norm.data(), c.norm_eps, d, &xn_[t * d]);
    matmul(xn_.data(), T, d, w.gate_up, gate_up_.data(), 2 * h, pool_);
    for (std::size_t t = 0; t < T; ++t) {
      const float* g = &gate_up_[t * 2 * h];
      const float* u = g + h;
      float* a = &act_[t * h];
      for (std::size_t i = 0; i < h; ++i) a[i] = (g[i] / (1.0f + std::exp(-g[i]))) * u[i];
    }
    matmul(act_.data(), T, h, w.down, proj_.data(), d, pool_);
    for (std::size_t i = 0; i < T * d; ++i) x_[i] = x_[i] + proj_[i];
  }
  position_ += T;
  if (logits != nullptr) {
    for (std::size_t t = 0; t < T; ++t) rms_norm(&x_[t * d], model_.final_norm.data(), c.norm_eps, d, &xn_[t * d]);
    logits->resize(T * c.vocab);
    matmul(xn_.data(), T, d, model_.classifier, logits->data(), c.vocab, pool_);
  }
  return ok_status();
}

// Causal attention of the T newest positions over everything in the layer's store. Work items
// are (query head, chunk of rows); each output row is computed by one item in a fixed order.
void Session::attention(std::size_t layer, std::size_t T) {
  const ModelConfig& c = model_.config;
  const std::size_t hd = c.head_dim, q_dim = c.q_dim(), qkv_cols = q_dim + 2 * c.kv_dim();
  const std::size_t group = c.heads / c.kv_heads;
  std::vector<KvView> views(c.kv_heads);
  for (std::size_t kh = 0; kh < c.kv_heads; ++kh) {
    views[kh] = stores_[layer]->view(kh, key_scratch_[kh], value_scratch_[kh]);
  }
  const KvStore& store = *stores_[layer];
  const std::size_t first = views[0].length - T;  // absolute position of the first new token
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));
  const std::size_t chunks = (T + kAttentionRowChunk - 1) / kAttentionRowChunk;
  parallel_for(pool_, c.heads * chunks, [&](std::size_t item) {
    const std::size_t head = item / chunks;
    const std::size_t r0 = (item % chunks) * kAttentionRowChunk;
    const std::size_t r1 = std::min(T, r0 + kAttentionRowChunk);
    const KvView& kv = views[head / group];
    std::vector<float> scores(first + r1);
    for (std::size_t r = r0; r < r1; ++r) {
      const float* q = &qkv_[r * qkv_cols + head * hd];
      const std::size_t visible = first + r + 1;
      if (store.supplies_scores()) {
        store.scores(head / group, q, visible, scale, scores.data());
      } else {
        attention_scores(q, kv.keys, visible, hd, scale, scores.data());
      }
      const float max_score = *std::max_element(scores.begin(), scores.begin() + static_cast<std::ptrdiff_t>(visible));
      float sum = 0.0f;
      for (std::size_t j = 0; j < visible; ++j) {
        scores[j] = std::exp(scores[j] - max_score);
        sum += scores[j];
      }
      float* out = &attn_[r * q_dim + head * hd];
      weighted_sum(scores.data(), kv.values, visible, hd, out);
      const float inv = 1.0f / sum;
      for (std::size_t i = 0; i < hd; ++i) out[i] *= inv;
    }
  });
}

}  // namespace kolmo::llm
