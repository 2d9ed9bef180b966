// GEAR (Kang et al. 2024): for each block of `block` tokens of one head, keys and values
// separately: (1) the `outlier_permille`/1000 largest-magnitude entries are kept exactly (sparse,
// fp16), (2) the rest is quantised to b bits, KIVI style (keys per channel over groups of 64
// tokens, values per token over groups of min(64, head_dim) channels; fp16 zero + scale),
// (3) the quantisation residual gets a rank-r approximation by power iteration, stored as fp16
// factors u (block) and v (head_dim).
//
// Stream per block, per head, keys then values: outlier count is implied by the block size; each
// outlier: position index in the block (ceil(log2(block*head_dim)) bits) + fp16 value, in
// increasing position order; then the quantised groups; then for each rank: u (block fp16), v
// (head_dim fp16).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "llm/kv_blocked.h"

namespace kolmo::llm {
namespace {

constexpr std::size_t kQuantGroup = 64;
constexpr int kPowerIterations = 6;

std::size_t bits_for(std::size_t n) {
  std::size_t b = 0;
  while ((std::size_t{1} << b) < n) ++b;
  return b;
}

class GearStore final : public BlockedKvStore {
 public:
  GearStore(const KvShape& shape, std::size_t block, std::size_t code_bits, std::size_t outliers,
            std::size_t rank)
      : BlockedKvStore(shape, block, 0), bits_(code_bits), outliers_(outliers), rank_(rank) {}

 private:
  void encode_block(std::size_t head, std::size_t first, BitWriter& out) override {
    const std::size_t hd = shape_.head_dim;
    compress(raw_keys(head) + first * hd, recon_keys(head) + first * hd, /*per_channel=*/true, out);
    compress(raw_values(head) + first * hd, recon_values(head) + first * hd, false, out);
  }

  void compress(const float* x, float* recon, bool per_channel, BitWriter& out) {
    const std::size_t hd = shape_.head_dim, n = block(), size = n * hd;
    // (1) sparse outliers
    std::vector<std::size_t> order(size);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(outliers_), order.end(),
                      [x](std::size_t a, std::size_t b) {
                        const float fa = std::fabs(x[a]), fb = std::fabs(x[b]);
                        return fa > fb || (fa == fb && a < b);
                      });
    std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(outliers_));
    std::vector<std::uint8_t> is_outlier(size, 0);
    const std::size_t index_bits = bits_for(size);
    for (std::size_t i = 0; i < outliers_; ++i) {
      is_outlier[order[i]] = 1;
      out.put(order[i], index_bits);
      out.put_fp16(x[order[i]]);
    }
    // (2) quantisation of the rest
    if (per_channel) {
      const std::size_t g = std::min(kQuantGroup, n);
      for (std::size_t t = 0; t < n; t += g) {
        for (std::size_t c = 0; c < hd; ++c) {
          quantize_minmax(x + t * hd + c, g, hd, bits_, out, recon + t * hd + c, is_outlier.data() + t * hd + c);
        }
      }
    } else {
      const std::size_t g = std::min(kQuantGroup, hd);
      for (std::size_t t = 0; t < n; ++t) {
        for (std::size_t c = 0; c < hd; c += g) {
          quantize_minmax(x + t * hd + c, g, 1, bits_, out, recon + t * hd + c, is_outlier.data() + t * hd + c);
        }
      }
    }
    // (3) low-rank residual
    std::vector<double> residual(size);
    for (std::size_t i = 0; i < size; ++i) residual[i] = is_outlier[i] ? 0.0 : static_cast<double>(x[i]) - recon[i];
    std::vector<double> u(n), v(hd);
    for (std::size_t r = 0; r < rank_; ++r) {
      power_iteration(residual, n, u, v);
      std::vector<float> uf(n), vf(hd);
      for (std::size_t t = 0; t < n; ++t) uf[t] = round_fp16(static_cast<float>(u[t]));
      for (std::size_t c = 0; c < hd; ++c) vf[c] = round_fp16(static_cast<float>(v[c]));
      for (const float f : uf) out.put_fp16(f);
      for (const float f : vf) out.put_fp16(f);
      for (std::size_t t = 0; t < n; ++t) {
        for (std::size_t c = 0; c < hd; ++c) {
          const float term = uf[t] * vf[c];
          recon[t * hd + c] += term;
          residual[t * hd + c] -= term;
        }
      }
    }
    for (std::size_t i = 0; i < size; ++i) {
      if (is_outlier[i]) recon[i] = round_fp16(x[i]);
    }
  }

  // Leading singular pair of the n x hd residual: v unit, u = R v. Starts from the row of largest
  // norm (deterministic), fixed iteration count and summation order.
  void power_iteration(const std::vector<double>& R, std::size_t n, std::vector<double>& u,
                       std::vector<double>& v) const {
    const std::size_t hd = shape_.head_dim;
    std::size_t best = 0;
    double best_norm = -1.0;
    for (std::size_t t = 0; t < n; ++t) {
      double s = 0.0;
      for (std::size_t c = 0; c < hd; ++c) s += R[t * hd + c] * R[t * hd + c];
      if (s > best_norm) {
        best_norm = s;
        best = t;
      }
    }
    for (std::size_t c = 0; c < hd; ++c) v[c] = R[best * hd + c] + 1e-12;
    for (int it = 0; it <= kPowerIterations; ++it) {
      double norm = 0.0;
      for (std::size_t c = 0; c < hd; ++c) norm += v[c] * v[c];
      norm = std::sqrt(norm);
      for (std::size_t c = 0; c < hd; ++c) v[c] = norm > 0.0 ? v[c] / norm : 0.0;
      for (std::size_t t = 0; t < n; ++t) {
        double s = 0.0;
        for (std::size_t c = 0; c < hd; ++c) s += R[t * hd + c] * v[c];
        u[t] = s;
      }
      if (it == kPowerIterations) break;
      for (std::size_t c = 0; c < hd; ++c) v[c] = 0.0;
      for (std::size_t t = 0; t < n; ++t) {
        for (std::size_t c = 0; c < hd; ++c) v[c] += R[t * hd + c] * u[t];
      }
    }
  }

  std::size_t bits_, outliers_, rank_;
};

}  // namespace

// Budget B: b = B - 1 code bits; about 1 bit/element goes to scales (0.5), 1% outliers (0.3) and
// a rank-1 residual per 256-token block (0.31 at head_dim 64).
std::unique_ptr<KvStore> make_gear_store(const KvShape& shape, const KvMethod& m) {
  const std::size_t block = m.group;  // tokens per block (default 256)
  const std::size_t outliers = std::max<std::size_t>(1, block * shape.head_dim / 100);
  const std::size_t rank = m.rank;
  return std::make_unique<GearStore>(shape, block, m.bits - 1, outliers, rank);
}

}  // namespace kolmo::llm
