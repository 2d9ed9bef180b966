// Mustafar (2025): per-token magnitude pruning of keys and values; each head vector keeps its
// `keep` largest-magnitude elements. Stream per token, per head, keys then values: a head_dim-bit
// bitmap (bit i = element i kept), then the kept elements in channel order as fp16.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "llm/kv_blocked.h"

namespace kolmo::llm {
namespace {

class MustafarStore final : public BlockedKvStore {
 public:
  MustafarStore(const KvShape& shape, std::size_t keep)
      : BlockedKvStore(shape, 1, 0), keep_(keep), order_(shape.head_dim) {}

 private:
  void encode_block(std::size_t head, std::size_t first, BitWriter& out) override {
    const std::size_t hd = shape_.head_dim;
    prune(raw_keys(head) + first * hd, recon_keys(head) + first * hd, out);
    prune(raw_values(head) + first * hd, recon_values(head) + first * hd, out);
  }

  void prune(const float* x, float* recon, BitWriter& out) {
    const std::size_t hd = shape_.head_dim;
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    // Largest magnitude first; ties by channel so the choice is deterministic.
    std::partial_sort(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(keep_), order_.end(),
                      [x](std::size_t a, std::size_t b) {
                        const float fa = std::fabs(x[a]), fb = std::fabs(x[b]);
                        return fa > fb || (fa == fb && a < b);
                      });
    std::vector<std::uint8_t> kept(hd, 0);
    for (std::size_t i = 0; i < keep_; ++i) kept[order_[i]] = 1;
    for (std::size_t i = 0; i < hd; ++i) out.put(kept[i], 1);
    for (std::size_t i = 0; i < hd; ++i) {
      recon[i] = kept[i] ? round_fp16(x[i]) : 0.0f;
      if (kept[i]) out.put_fp16(x[i]);
    }
  }

  std::size_t keep_;
  std::vector<std::size_t> order_;
};

}  // namespace

// Budget B bits/element: 1 bitmap bit + keep/head_dim * 16 -> keep = (B - 1) * head_dim / 16.
std::unique_ptr<KvStore> make_mustafar_store(const KvShape& shape, const KvMethod& m) {
  const std::size_t keep = std::clamp<std::size_t>((m.bits - 1) * shape.head_dim / 16, 1, shape.head_dim);
  return std::make_unique<MustafarStore>(shape, keep);
}

}  // namespace kolmo::llm
