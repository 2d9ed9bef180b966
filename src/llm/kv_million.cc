// MILLION (2025): product quantisation of keys and values. Each head vector is split into
// head_dim/s sub-vectors of s elements; each sub-space has a codebook of 2^c centroids trained by
// k-means on the prompt (everything appended before the first encode), fp16. Every token is then
// coded as head_dim/s indices of c bits. Attention scores come from per-query lookup tables
// (q_sub . centroid), summed over the sub-spaces.
//
// Stream: first the codebooks: for each head, keys then values, for each sub-space, 2^c x s fp16;
// then for each token, for each head, the key indices then the value indices (c bits each).
#include <algorithm>
#include <cmath>
#include <limits>

#include "llm/kv_blocked.h"

namespace kolmo::llm {
namespace {

constexpr int kKmeansIterations = 8;

class MillionStore final : public BlockedKvStore {
 public:
  MillionStore(const KvShape& shape, std::size_t sub, std::size_t code_bits)
      : BlockedKvStore(shape, 1, 0), sub_(sub), bits_(code_bits), centroids_(std::size_t{1} << code_bits),
        spaces_(shape.head_dim / sub) {
    for (auto& side : books_) side.resize(shape.kv_heads);
    key_codes_.resize(shape.kv_heads);
  }

  bool supplies_scores() const override { return true; }

  void scores(std::size_t head, const float* q, std::size_t count, float scale, float* out) const override {
    std::vector<float> table(spaces_ * centroids_);
    const std::vector<float>& book = books_[0][head];
    for (std::size_t m = 0; m < spaces_; ++m) {
      for (std::size_t j = 0; j < centroids_; ++j) {
        float s = 0.0f;
        for (std::size_t i = 0; i < sub_; ++i) s += q[m * sub_ + i] * book[(m * centroids_ + j) * sub_ + i];
        table[m * centroids_ + j] = s;
      }
    }
    const std::uint8_t* codes = key_codes_[head].data();
    for (std::size_t t = 0; t < count; ++t) {
      float s = 0.0f;
      for (std::size_t m = 0; m < spaces_; ++m) s += table[m * centroids_ + codes[t * spaces_ + m]];
      out[t] = s * scale;
    }
  }

 private:
  void prepare(std::size_t tokens, BitWriter& out) override {
    for (std::size_t h = 0; h < shape_.kv_heads; ++h) {
      for (int side = 0; side < 2; ++side) {
        train(side == 0 ? raw_keys(h) : raw_values(h), tokens, books_[side][h]);
        for (const float c : books_[side][h]) out.put_fp16(c);
      }
    }
  }

  void encode_block(std::size_t head, std::size_t first, BitWriter& out) override {
    const std::size_t hd = shape_.head_dim;
    for (int side = 0; side < 2; ++side) {
      const float* x = (side == 0 ? raw_keys(head) : raw_values(head)) + first * hd;
      float* recon = (side == 0 ? recon_keys(head) : recon_values(head)) + first * hd;
      const std::vector<float>& book = books_[side][head];
      for (std::size_t m = 0; m < spaces_; ++m) {
        const std::size_t j = nearest(x + m * sub_, book.data() + m * centroids_ * sub_);
        out.put(j, bits_);
        if (side == 0) key_codes_[head].push_back(static_cast<std::uint8_t>(j));
        for (std::size_t i = 0; i < sub_; ++i) recon[m * sub_ + i] = book[(m * centroids_ + j) * sub_ + i];
      }
    }
  }

  std::size_t nearest(const float* x, const float* book) const {
    std::size_t best = 0;
    float best_d = std::numeric_limits<float>::infinity();
    for (std::size_t j = 0; j < centroids_; ++j) {
      float d = 0.0f;
      for (std::size_t i = 0; i < sub_; ++i) {
        const float e = x[i] - book[j * sub_ + i];
        d += e * e;
      }
      if (d < best_d) {
        best_d = d;
        best = j;
      }
    }
    return best;
  }

  // Lloyd's k-means per sub-space, from evenly spaced samples, fixed iteration count; the result
  // is rounded to fp16 (what is stored).
  void train(const float* x, std::size_t n, std::vector<float>& book) const {
    const std::size_t hd = shape_.head_dim;
    book.assign(spaces_ * centroids_ * sub_, 0.0f);
    std::vector<float> point(sub_);
    std::vector<std::size_t> assign(n);
    std::vector<double> sums(centroids_ * sub_);
    std::vector<std::size_t> counts(centroids_);
    for (std::size_t m = 0; m < spaces_; ++m) {
      float* cb = book.data() + m * centroids_ * sub_;
      for (std::size_t j = 0; j < centroids_; ++j) {
        const std::size_t t = (j * n / centroids_) % n;
        for (std::size_t i = 0; i < sub_; ++i) cb[j * sub_ + i] = x[t * hd + m * sub_ + i];
      }
      for (int it = 0; it < kKmeansIterations; ++it) {
        std::fill(sums.begin(), sums.end(), 0.0);
        std::fill(counts.begin(), counts.end(), 0);
        for (std::size_t t = 0; t < n; ++t) {
          const std::size_t j = nearest(x + t * hd + m * sub_, cb);
          ++counts[j];
          for (std::size_t i = 0; i < sub_; ++i) sums[j * sub_ + i] += x[t * hd + m * sub_ + i];
        }
        for (std::size_t j = 0; j < centroids_; ++j) {
          if (counts[j] == 0) continue;
          for (std::size_t i = 0; i < sub_; ++i) {
            cb[j * sub_ + i] = static_cast<float>(sums[j * sub_ + i] / static_cast<double>(counts[j]));
          }
        }
      }
      for (std::size_t i = 0; i < centroids_ * sub_; ++i) cb[i] = round_fp16(cb[i]);
    }
  }

  std::size_t sub_, bits_, centroids_, spaces_;
  std::vector<std::vector<float>> books_[2];           // [side][head]: [space][centroid][sub]
  std::vector<std::vector<std::uint8_t>> key_codes_;  // [head]: [token][space]
};

}  // namespace

// Budget B: sub-vectors of 2 elements, c = min(8, B + 2) bit indices: c/2 bits/element plus the
// codebooks, 2^c * 16 / length bits/element (B = 2: 2 + 0.25, 3: 2.5 + 0.5, 4: 3 + 1 at 1024).
std::unique_ptr<KvStore> make_million_store(const KvShape& shape, const KvMethod& m) {
  return std::make_unique<MillionStore>(shape, 2, std::min<std::size_t>(8, m.bits + 2));
}

}  // namespace kolmo::llm
