// kolmo's own KV method: entropy-constrained scalar quantisation. For each block of `block`
// tokens of one head, keys and values separately: every channel is centred on its fp16 mean, all
// channels share one absolute step (a uniform error in absolute units is what minimises the
// q.k error for queries that are not known yet, and it spends bits where the magnitude is: the
// outlier channels of RoPE'd keys automatically get more levels), a channel whose codes would
// leave int8 doubles its step (3-bit exponent per channel), and the codes are coded with static
// order-0 rANS (src/entropy). The step is searched so that the block fits `bits` per element,
// metadata included (deterministic log2, then a check on the real coded size).
//
// Stream per block, per head, keys then values: fp16 step, per channel fp16 mean and 3-bit
// exponent, u16 length of the rANS blob, then the blob (rans_decode_o0 gives block x head_dim
// int8 codes, token-major).
#include <algorithm>
#include <cmath>

#include "entropy/rans_static_encode.h"
#include "llm/kv_blocked.h"

namespace kolmo::llm {
namespace {

constexpr std::size_t kExponentBits = 3;

class KolmoStore final : public BlockedKvStore {
 public:
  KolmoStore(const KvShape& shape, std::size_t block, std::size_t tenths_of_bits)
      : BlockedKvStore(shape, block, 0), tenths_(tenths_of_bits) {}

 private:
  void encode_block(std::size_t head, std::size_t first, BitWriter& out) override {
    const std::size_t hd = shape_.head_dim;
    compress(raw_keys(head) + first * hd, recon_keys(head) + first * hd, out);
    compress(raw_values(head) + first * hd, recon_values(head) + first * hd, out);
  }

  struct Plan {
    std::vector<float> mean;
    std::vector<float> spread;  // max |x - mean| per channel
  };

  // Codes and per-channel exponents for one step; returns the codes' empirical entropy in bits.
  double quantize(const float* x, const Plan& plan, float step, std::vector<std::uint8_t>& codes,
                  std::vector<std::uint8_t>& exponents) const {
    const std::size_t hd = shape_.head_dim, n = block();
    codes.resize(n * hd);
    exponents.resize(hd);
    std::uint64_t hist[256] = {};
    for (std::size_t c = 0; c < hd; ++c) {
      unsigned e = 0;
      while (e + 1 < (1u << kExponentBits) && plan.spread[c] / (step * static_cast<float>(1u << e)) > 127.0f) ++e;
      exponents[c] = static_cast<std::uint8_t>(e);
      const float s = step * static_cast<float>(1u << e);
      for (std::size_t t = 0; t < n; ++t) {
        long q = std::isfinite(x[t * hd + c]) ? std::lrint((x[t * hd + c] - plan.mean[c]) / s) : 0;
        q = std::clamp<long>(q, -127, 127);
        codes[t * hd + c] = static_cast<std::uint8_t>(static_cast<std::int8_t>(q));
        ++hist[codes[t * hd + c]];
      }
    }
    double bits = 0.0;
    const double total = static_cast<double>(n * hd);
    for (const std::uint64_t h : hist) {
      if (h > 0) bits -= static_cast<double>(h) * det_log2(static_cast<double>(h) / total);
    }
    return bits;
  }

  void compress(const float* x, float* recon, BitWriter& out) const {
    const std::size_t hd = shape_.head_dim, n = block();
    Plan plan{std::vector<float>(hd), std::vector<float>(hd, 0.0f)};
    float max_spread = 0.0f;
    for (std::size_t c = 0; c < hd; ++c) {
      double sum = 0.0;
      for (std::size_t t = 0; t < n; ++t) sum += std::isfinite(x[t * hd + c]) ? x[t * hd + c] : 0.0f;
      plan.mean[c] = round_fp16(static_cast<float>(sum / static_cast<double>(n)));
      for (std::size_t t = 0; t < n; ++t) {
        const float d = std::fabs(x[t * hd + c] - plan.mean[c]);
        if (std::isfinite(d)) plan.spread[c] = std::max(plan.spread[c], d);
      }
      max_spread = std::max(max_spread, plan.spread[c]);
    }
    const double header = 16 + hd * (16 + kExponentBits) + 16;
    const double budget = static_cast<double>(tenths_ * n * hd) / 10.0 - header;
    // rANS table and flush, measured rather than modelled: the search aims at entropy + 6%.
    std::vector<std::uint8_t> codes, exponents;
    // Below min_step even the largest exponent (x128) cannot keep a channel's codes within int8.
    const float min_step = std::max(max_spread / 127.0f / 128.0f, 1e-7f);
    float lo = min_step, hi = std::max(max_spread * 2.0f, 2e-7f);
    for (int it = 0; it < 24; ++it) {  // bisection on log(step): entropy falls as step grows
      const float mid = std::sqrt(lo * hi);
      if (quantize(x, plan, round_fp16(mid), codes, exponents) * 1.06 + 400 > budget) lo = mid; else hi = mid;
    }
    // Then on the real coded size: grow the step until the block fits, and bisect down towards
    // half that step to spend what the estimate left unused (it aims low on purpose).
    const auto fits = [&](float s) {
      quantize(x, plan, s, codes, exponents);
      return static_cast<double>(rans_encode_o0(codes).size() * 8) <= budget;
    };
    float step = round_fp16(std::min(hi, 65504.0f));
    while (!fits(step) && step < 60000.0f) step = round_fp16(step * 1.05f);
    float too_small = round_fp16(std::max(step / 2.0f, min_step));  // a budget left over at
                                                                     // min_step stays unspent
    for (int it = 0; it < 8; ++it) {
      const float mid = round_fp16(std::sqrt(too_small * step));
      if (!(mid > too_small && mid < step)) break;
      if (fits(mid)) step = mid; else too_small = mid;
    }
    quantize(x, plan, step, codes, exponents);
    const Bytes blob = rans_encode_o0(codes);
    out.put_fp16(step);
    for (std::size_t c = 0; c < hd; ++c) {
      out.put_fp16(plan.mean[c]);
      out.put(exponents[c], kExponentBits);
    }
    out.put(blob.size(), 16);
    out.append_bytes(blob);
    for (std::size_t t = 0; t < n; ++t) {
      for (std::size_t c = 0; c < hd; ++c) {
        const float s = step * static_cast<float>(1u << exponents[c]);
        recon[t * hd + c] = plan.mean[c] + static_cast<float>(static_cast<std::int8_t>(codes[t * hd + c])) * s;
      }
    }
  }

  std::size_t tenths_;  // budget per element, metadata included, in tenths of a bit
};

}  // namespace

std::unique_ptr<KvStore> make_kolmo_store(const KvShape& shape, const KvMethod& m) {
  return std::make_unique<KolmoStore>(shape, m.group, 10 * m.bits + m.bits_tenths);
}

}  // namespace kolmo::llm
