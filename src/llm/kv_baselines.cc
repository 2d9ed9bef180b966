// Baselines of the issue besides int8/int4 per token (kv_cache.cc): fp16 / bf16 caches, and
// symmetric integer codes per channel (int8c / int4c).
#include <algorithm>
#include <cmath>

#include "llm/float_convert.h"
#include "llm/kv_blocked.h"

namespace kolmo::llm {
namespace {

// Every element rounded to fp16 or bf16 (round to nearest even). Stream: per position, per head,
// K then V... is the tail layout of BlockedKvStore for fp16; bf16 writes its own 16-bit codes in
// the same order (block 1, no tail).
class HalfStore final : public BlockedKvStore {
 public:
  HalfStore(const KvShape& shape, bool bf16) : BlockedKvStore(shape, 1, 0), bf16_(bf16) {}

 private:
  static std::uint16_t to_bf16(float x) {
    const std::uint32_t bits = float_to_bits(x);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<std::uint16_t>((bits >> 16) | 0x40u);  // NaN
    const std::uint32_t rounded = bits + 0x7FFFu + ((bits >> 16) & 1u);
    return static_cast<std::uint16_t>(rounded >> 16);
  }

  void encode_block(std::size_t head, std::size_t first, BitWriter& out) override {
    const std::size_t hd = shape_.head_dim;
    for (int side = 0; side < 2; ++side) {
      const float* x = (side == 0 ? raw_keys(head) : raw_values(head)) + first * hd;
      float* recon = (side == 0 ? recon_keys(head) : recon_values(head)) + first * hd;
      for (std::size_t i = 0; i < hd; ++i) {
        const std::uint16_t code = bf16_ ? to_bf16(x[i]) : float_to_fp16(x[i]);
        out.put(code, 16);
        recon[i] = bf16_ ? bf16_to_float(code) : fp16_to_float(code);
      }
    }
  }

  bool bf16_;
};

// Symmetric B-bit codes per channel over groups of G tokens, keys and values alike.
// Stream per block of G tokens, per head, K then V: per channel the fp16 scale
// absmax / (2^(B-1) - 1), then the G codes as unsigned code + 2^(B-1), B bits each.
class ChannelIntStore final : public BlockedKvStore {
 public:
  ChannelIntStore(const KvShape& shape, std::size_t bits, std::size_t group)
      : BlockedKvStore(shape, group, 0), bits_(bits), qmax_((1 << (bits - 1)) - 1) {}

 private:
  void encode_block(std::size_t head, std::size_t first, BitWriter& out) override {
    const std::size_t hd = shape_.head_dim, n = block();
    for (int side = 0; side < 2; ++side) {
      const float* x = (side == 0 ? raw_keys(head) : raw_values(head)) + first * hd;
      float* recon = (side == 0 ? recon_keys(head) : recon_values(head)) + first * hd;
      for (std::size_t c = 0; c < hd; ++c) {
        float absmax = 0.0f;
        for (std::size_t t = 0; t < n; ++t) {
          if (std::isfinite(x[t * hd + c])) absmax = std::max(absmax, std::fabs(x[t * hd + c]));
        }
        const float scale = round_fp16(std::min(absmax / static_cast<float>(qmax_), 65504.0f));
        out.put_fp16(scale);
        for (std::size_t t = 0; t < n; ++t) {
          long q = 0;
          if (scale > 0.0f && std::isfinite(x[t * hd + c])) q = std::lrint(x[t * hd + c] / scale);
          q = std::clamp<long>(q, -qmax_, qmax_);
          out.put(static_cast<std::uint64_t>(q + qmax_ + 1), bits_);
          recon[t * hd + c] = static_cast<float>(q) * scale;
        }
      }
    }
  }

  std::size_t bits_;
  int qmax_;
};

}  // namespace

std::unique_ptr<KvStore> make_half_store(const KvShape& shape, bool bf16) {
  return std::make_unique<HalfStore>(shape, bf16);
}

std::unique_ptr<KvStore> make_channel_int_store(const KvShape& shape, const KvMethod& m) {
  return std::make_unique<ChannelIntStore>(shape, m.bits, m.group);
}

}  // namespace kolmo::llm
