// QJL (Zandieh et al. 2024): keys as the sign bits of a seeded Gaussian JL projection plus the
// key norm, with outlier channels sketched apart; scores by the asymmetric estimator
//   q.k ~= sqrt(pi/2) / m * ||k|| * <S q, sign(S k)>,
// which is unbiased for any q (E over S); q is split like k (inlier / outlier channels of the
// token's group) and each part scored against its own sketch. S (m x head_dim) is generated from `seed` (splitmix64,
// Marsaglia polar Gaussians with a deterministic log), orthogonalised by Gram-Schmidt in blocks of
// head_dim rows, and each row rescaled to the norm of its own Gaussian draw, so each row is still
// marginally N(0, I) (the estimator stays unbiased) while rows within a block are orthogonal
// (lower variance). Per group of `group` tokens the `outliers` channels of largest key energy are
// taken out: the inlier part k_in gets the m-row sketch, the outlier part k_out its own m_o-row
// sketch (second seed). Values: per token, asymmetric b-bit over the whole head vector.
//
// Stream per group of tokens, per head: outlier channel indices (ceil(log2 head_dim) bits each,
// increasing); then per token: m sign bits of S k_in (1 = positive), m_o sign bits of S_o k_out,
// fp16 ||k_in||, fp16 ||k_out||; then per token the values: fp16 zero, fp16 scale, b-bit codes.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "llm/kv_blocked.h"
#include "llm/matmul.h"

namespace kolmo::llm {
namespace {

constexpr double kSqrtHalfPi = 1.2533141373155003;

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double gaussian(std::uint64_t& state) {
  for (;;) {
    const double a = static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-52 - 1.0;
    const double b = static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-52 - 1.0;
    const double s = a * a + b * b;
    if (s >= 1.0 || s == 0.0) continue;
    return a * std::sqrt(-2.0 * det_log(s) / s);
  }
}

std::size_t bits_for(std::size_t n) {
  std::size_t b = 0;
  while ((std::size_t{1} << b) < n) ++b;
  return b;
}

}  // namespace

// rows x dim projection as described above (row-major floats).
std::vector<float> qjl_projection(std::size_t rows, std::size_t dim, std::uint64_t seed) {
  std::uint64_t state = seed;
  std::vector<double> g(rows * dim);
  for (double& x : g) x = gaussian(state);
  std::vector<float> s(rows * dim);
  for (std::size_t r = 0; r < rows; ++r) {
    double norm2 = 0.0;
    for (std::size_t i = 0; i < dim; ++i) norm2 += g[r * dim + i] * g[r * dim + i];
    std::vector<double> row(g.begin() + static_cast<std::ptrdiff_t>(r * dim),
                            g.begin() + static_cast<std::ptrdiff_t>((r + 1) * dim));
    // Orthogonal to the earlier rows of its block of `dim` rows (already unit, in s as doubles
    // below); modified Gram-Schmidt.
    const std::size_t block_start = r / dim * dim;
    for (std::size_t p = block_start; p < r; ++p) {
      double dot = 0.0, pn = 0.0;
      for (std::size_t i = 0; i < dim; ++i) {
        dot += row[i] * s[p * dim + i];
        pn += static_cast<double>(s[p * dim + i]) * s[p * dim + i];
      }
      for (std::size_t i = 0; i < dim; ++i) row[i] -= dot / pn * s[p * dim + i];
    }
    double rn = 0.0;
    for (const double x : row) rn += x * x;
    const double factor = rn > 0.0 ? std::sqrt(norm2 / rn) : 0.0;
    for (std::size_t i = 0; i < dim; ++i) s[r * dim + i] = static_cast<float>(row[i] * factor);
  }
  return s;
}

namespace {

class QjlStore final : public BlockedKvStore {
 public:
  QjlStore(const KvShape& shape, std::size_t group, std::size_t m, std::size_t m_out,
           std::size_t outliers, std::size_t value_bits, std::uint64_t seed)
      : BlockedKvStore(shape, group, 0), m_(m), m_out_(m_out), outliers_(outliers),
        value_bits_(value_bits), sketch_(qjl_projection(m, shape.head_dim, seed)),
        sketch_out_(qjl_projection(m_out, shape.head_dim, seed ^ 0x5bd1e995u)),
        heads_(shape.kv_heads) {}

  bool supplies_scores() const override { return true; }

  void scores(std::size_t head, const float* q, std::size_t count, float scale, float* out) const override {
    const std::size_t hd = shape_.head_dim;
    std::vector<float> full(m_), sq(m_), sqo(m_out_), in(block()), in_out(block());
    const HeadState& st = heads_[head];
    const std::size_t compressed = std::min(count, compressed_tokens());
    project(sketch_, m_, q, full.data());
    for (std::size_t first = 0; first < compressed; first += block()) {
      // q.k_in = q_in.k_in and q.k_out = q_out.k_out: sketching the matching part of q keeps the
      // estimator unbiased and removes the other part's variance. S q_in = S q - S q_out, and
      // q_out has only the few outlier channels.
      const std::uint8_t* outlier = st.outlier.data() + first / block() * hd;
      std::copy(full.begin(), full.end(), sq.begin());
      std::fill(sqo.begin(), sqo.end(), 0.0f);
      for (std::size_t c = 0; c < hd; ++c) {
        if (!outlier[c]) continue;
        for (std::size_t r = 0; r < m_; ++r) sq[r] -= sketch_[r * hd + c] * q[c];
        for (std::size_t r = 0; r < m_out_; ++r) sqo[r] += sketch_out_[r * hd + c] * q[c];
      }
      const std::size_t n = std::min(compressed, first + block()) - first;
      // <S q, sign(S k)> for every token of the group: the signs are kept as +-1 floats in
      // memory so the vectorised score kernel does the sums (the stream holds them as bits).
      attention_scores(sq.data(), st.signs.data() + first * m_, n, m_, 1.0f, in.data());
      attention_scores(sqo.data(), st.signs_out.data() + first * m_out_, n, m_out_, 1.0f, in_out.data());
      for (std::size_t t = 0; t < n; ++t) {
        const float est = static_cast<float>(kSqrtHalfPi) *
                          (st.norm_in[first + t] * in[t] / static_cast<float>(m_) +
                           st.norm_out[first + t] * in_out[t] / static_cast<float>(m_out_));
        out[first + t] = est * scale;
      }
    }
    const float* keys = recon_keys(head);
    for (std::size_t t = compressed; t < count; ++t) {
      float s = 0.0f;
      for (std::size_t i = 0; i < hd; ++i) s += q[i] * keys[t * hd + i];
      out[t] = s * scale;
    }
  }

 private:
  struct HeadState {
    std::vector<float> signs, signs_out;  // [token][m], +1 / -1
    std::vector<float> norm_in, norm_out;        // fp16-rounded
    std::vector<std::uint8_t> outlier;           // [group][channel], 1 = outlier channel
  };

  void project(const std::vector<float>& s, std::size_t rows, const float* x, float* out) const {
    const std::size_t hd = shape_.head_dim;
    for (std::size_t r = 0; r < rows; ++r) {
      float acc = 0.0f;
      for (std::size_t i = 0; i < hd; ++i) acc += s[r * hd + i] * x[i];
      out[r] = acc;
    }
  }

  void encode_block(std::size_t head, std::size_t first, BitWriter& out) override {
    const std::size_t hd = shape_.head_dim, n = block();
    const float* k = raw_keys(head) + first * hd;
    // Outlier channels: largest energy over the group, ties to the lower channel.
    std::vector<double> energy(hd, 0.0);
    for (std::size_t t = 0; t < n; ++t) {
      for (std::size_t c = 0; c < hd; ++c) energy[c] += static_cast<double>(k[t * hd + c]) * k[t * hd + c];
    }
    std::vector<std::size_t> order(hd);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return energy[a] > energy[b]; });
    std::vector<std::uint8_t> outlier(hd, 0);
    for (std::size_t i = 0; i < outliers_; ++i) outlier[order[i]] = 1;
    for (std::size_t c = 0; c < hd; ++c) {
      if (outlier[c]) out.put(c, bits_for(hd));
    }
    HeadState& st = heads_[head];
    st.outlier.insert(st.outlier.end(), outlier.begin(), outlier.end());
    std::vector<float> part_in(hd), part_out(hd), proj(std::max(m_, m_out_));
    for (std::size_t t = 0; t < n; ++t) {
      double n_in = 0.0, n_out = 0.0;
      for (std::size_t c = 0; c < hd; ++c) {
        const float x = k[t * hd + c];
        part_in[c] = outlier[c] ? 0.0f : x;
        part_out[c] = outlier[c] ? x : 0.0f;
        (outlier[c] ? n_out : n_in) += static_cast<double>(x) * x;
      }
      project(sketch_, m_, part_in.data(), proj.data());
      for (std::size_t r = 0; r < m_; ++r) {
        const std::uint8_t bit = proj[r] > 0.0f ? 1 : 0;
        st.signs.push_back(bit ? 1.0f : -1.0f);
        out.put(bit, 1);
      }
      project(sketch_out_, m_out_, part_out.data(), proj.data());
      for (std::size_t r = 0; r < m_out_; ++r) {
        const std::uint8_t bit = proj[r] > 0.0f ? 1 : 0;
        st.signs_out.push_back(bit ? 1.0f : -1.0f);
        out.put(bit, 1);
      }
      st.norm_in.push_back(round_fp16(static_cast<float>(std::sqrt(n_in))));
      st.norm_out.push_back(round_fp16(static_cast<float>(std::sqrt(n_out))));
      out.put_fp16(st.norm_in.back());
      out.put_fp16(st.norm_out.back());
      // The sketch replaces the keys: nothing may read them as reconstructed keys.
      std::fill(recon_keys(head) + (first + t) * hd, recon_keys(head) + (first + t + 1) * hd, 0.0f);
    }
    for (std::size_t t = first; t < first + n; ++t) {
      quantize_minmax(raw_values(head) + t * hd, hd, 1, value_bits_, out, recon_values(head) + t * hd);
    }
  }

  std::size_t m_, m_out_, outliers_, value_bits_;
  std::vector<float> sketch_, sketch_out_;
  std::vector<HeadState> heads_;
};

}  // namespace

// Budget B: m = (B - 1) * head_dim inlier sign bits, m_o = max(8, head_dim / 4) outlier sign
// bits, two fp16 norms per key; values B-bit per token (+ 32 bits of zero/scale per vector);
// head_dim / 16 outlier channels (at least 1) per group of 32 tokens.
std::unique_ptr<KvStore> make_qjl_store(const KvShape& shape, const KvMethod& m) {
  const std::size_t hd = shape.head_dim;
  return std::make_unique<QjlStore>(shape, m.group, (m.bits - 1) * hd, std::max<std::size_t>(8, hd / 4),
                                    std::max<std::size_t>(1, hd / 16), m.bits, m.seed);
}

}  // namespace kolmo::llm
