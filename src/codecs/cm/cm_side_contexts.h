// Side information for the cm model: a caller that knows more about the bytes than their order
// (the log codec knows each line's template and field boundaries) hands the model up to
// kMaxSideContexts extra context hashes per byte. The model hashes them in as extra contexts after
// the level's own (their bit histories, StateMaps, run entries and mixer inputs are those of any
// context), so a model without a provider is exactly the model of the level.
//
// Determinism: the decoder must give the same hashes as the encoder, so a provider may read only
// what both have: its own side data (decoded before the stream) and the bytes already coded.
// Decoder side: never includes an encoder header.
#pragma once

#include <cstdint>

namespace kolmo::cm {

class SideContexts {
 public:
  static constexpr int kMaxSideContexts = 4;
  virtual ~SideContexts() = default;
  // How many contexts it gives (1..kMaxSideContexts); fixed for the provider's life.
  virtual int count() const = 0;
  // The contexts of the first byte.
  virtual void start(std::uint64_t out[kMaxSideContexts]) = 0;
  // After each byte: the byte just coded, then the contexts of the next byte.
  virtual void after_byte(std::uint8_t byte, std::uint64_t out[kMaxSideContexts]) = 0;
};

// Whether a model of this level has room for `side` more contexts (kMaxLevelContexts).
bool side_contexts_fit(int level, int side);

}  // namespace kolmo::cm
