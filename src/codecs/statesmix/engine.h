// The StateSMix prediction loop shared by the encoder and the decoder (paper Algorithm 1): for each
// token, the Mamba logits plus every logit bias give a distribution, quantized deterministically to
// integer frequencies summing to 2^kScaleBits for the multi-symbol (rANS) coder; after the token is
// known the context models learn it, and every 32 tokens the Mamba model trains on the chunk.
#pragma once

#include <cstdint>
#include <vector>

#include "codecs/statesmix/context_models.h"
#include "codecs/statesmix/mamba.h"
#include "entropy/multisymbol_coder.h"

namespace kolmo::statesmix {

// 2^24 total: the floor of 1 per symbol costs at most ve / 2^24 of the probability mass
// (0.1 % for ve = 18,000), where the original's 2^16 total lost about 0.11 bpb.
constexpr std::uint32_t kScaleBits = 24;

// Paper hyper-parameters of the entropy-adaptive scale s = clip((1-b) + b H / H0, 0.2, 2.5).
constexpr float kEntropyTarget = 5.5f;
constexpr float kEntropyBlend = 0.6f;
constexpr float kScaleMin = 0.2f;
constexpr float kScaleMax = 2.5f;

class Engine {
 public:
  // threads: the block's thread budget (the caller's thread included); never changes the output.
  Engine(std::uint32_t ve, std::uint64_t n_tokens, std::uint32_t table_bits,
         unsigned threads = 1);

  static std::uint64_t memory_bytes(std::uint32_t ve, std::uint64_t n_tokens,
                                    std::uint32_t table_bits);

  // Computes the frequencies of the next token.
  void predict();
  SymbolSlice slice(std::uint32_t token) const {
    return {cum_[token], cum_[token + 1] - cum_[token]};
  }
  // The cumulative frequency of the tokens below `token` (token <= ve; ve gives 2^kScaleBits):
  // lets a caller sum the frequencies of a range of tokens (the cm codec's SSM input).
  std::uint32_t cumulative(std::uint32_t token) const { return cum_[token]; }
  std::uint32_t vocabulary_size() const { return ve_; }
  // The token whose slice contains slot (slot < 2^kScaleBits).
  std::uint32_t find(std::uint32_t slot, SymbolSlice& out) const;
  // Learns the coded token (< ve).
  void update(std::uint32_t token);

 private:
  int train_iterations(std::uint64_t chunk_index) const;

  std::uint32_t ve_;
  MambaModel model_;
  ContextModels contexts_;
  SsmState state_, chunk_start_;
  std::vector<std::uint32_t> history_;
  std::vector<float> ssm_logits_, mixed_;
  std::vector<std::uint32_t> cum_;
};

}  // namespace kolmo::statesmix
