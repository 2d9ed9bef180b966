// KIVI (Liu et al. 2024): keys quantised per channel over groups of `group` tokens, values per
// token over groups of `group` channels, asymmetric (fp16 zero + fp16 scale per group), with the
// `window` most recent tokens kept in fp16 until a whole group of older tokens can be quantised.
//
// Stream per block of `group` tokens, per head: keys: for each channel, zero, scale, then the
// group's codes (b bits each, token order); values: for each token, for each channel group,
// zero, scale, codes.
#include <algorithm>

#include "llm/kv_blocked.h"

namespace kolmo::llm {
namespace {

class KiviStore final : public BlockedKvStore {
 public:
  KiviStore(const KvShape& shape, std::size_t code_bits, std::size_t group, std::size_t window)
      : BlockedKvStore(shape, group, window), bits_(code_bits),
        value_group_(std::min(group, shape.head_dim)) {}

 private:
  void encode_block(std::size_t head, std::size_t first, BitWriter& out) override {
    const std::size_t hd = shape_.head_dim;
    const std::size_t n = block();
    for (std::size_t c = 0; c < hd; ++c) {
      quantize_minmax(raw_keys(head) + first * hd + c, n, hd, bits_, out,
                      recon_keys(head) + first * hd + c);
    }
    for (std::size_t t = first; t < first + n; ++t) {
      for (std::size_t g = 0; g < hd; g += value_group_) {
        quantize_minmax(raw_values(head) + t * hd + g, value_group_, 1, bits_, out,
                        recon_values(head) + t * hd + g);
      }
    }
  }

  std::size_t bits_, value_group_;
};

}  // namespace

std::unique_ptr<KvStore> make_kivi_store(const KvShape& shape, const KvMethod& m) {
  return std::make_unique<KiviStore>(shape, m.bits - 1, m.group, m.window);
}

}  // namespace kolmo::llm
