// The StateSMix predictor: a two-layer Mamba (selective SSM) over compact token ids, trained
// online with Adam on chunks of 32 tokens (truncated BPTT). Paper: DM=32, DS=16, DC=4, DI=64,
// NL=2; 19,776 fixed parameters plus a ve x 32 embedding and a ve x 32 head.
//
// Determinism: every float is computed by + - * / sqrt and the ssm_math.h functions in a fixed
// order; sums over a long axis use eight explicit lanes and a fixed tree, so a vectorizing
// compiler computes exactly what the scalar code says.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "codecs/statesmix/worker_team.h"

namespace kolmo::statesmix {

constexpr int kDM = 32;
constexpr int kDS = 16;
constexpr int kDC = 4;
constexpr int kDI = 64;
constexpr int kNL = 2;
constexpr int kXP = 2 * kDS + 1;
constexpr int kChunk = 32;

// Offsets of one layer's parameters inside its slice of the flat parameter vector.
struct LayerLayout {
  static constexpr std::size_t ln_g = 0;
  static constexpr std::size_t ln_b = ln_g + kDM;
  static constexpr std::size_t in_w = ln_b + kDM;            // [DM][2*DI]
  static constexpr std::size_t conv_w = in_w + kDM * 2 * kDI;  // [DI][DC]
  static constexpr std::size_t conv_b = conv_w + kDI * kDC;
  static constexpr std::size_t xp_w = conv_b + kDI;            // [DI][XP]
  static constexpr std::size_t dt_w = xp_w + kDI * kXP;
  static constexpr std::size_t dt_b = dt_w + kDI;
  static constexpr std::size_t a_log = dt_b + kDI;             // [DI][DS]
  static constexpr std::size_t d_skip = a_log + kDI * kDS;
  static constexpr std::size_t out_w = d_skip + kDI;           // [DI][DM]
  static constexpr std::size_t size = out_w + kDI * kDM;
};
constexpr std::size_t kFixedParams = kNL * LayerLayout::size + 2 * kDM;
static_assert(kFixedParams == 19776, "the paper's fixed parameter count");

// Recurrent state carried from token to token.
struct SsmState {
  float h[kNL][kDI * kDS] = {};
  float conv[kNL][kDC - 1][kDI] = {};  // the last three x_s inputs, oldest first
};

// What one layer's forward step records for backpropagation.
struct LayerCache {
  float x_in[kDM], xn[kDM], u[kDM], rstd;
  float xs[kDI], z[kDI];
  float win[kDC][kDI];
  float xc_pre[kDI], xc[kDI];
  float proj[kXP];
  float dt_pre[kDI], dt[kDI];
  float da[kDI * kDS], h_prev[kDI * kDS], h[kDI * kDS];
  float y[kDI], gz[kDI], o[kDI];
};

class MambaModel {
 public:
  // ve: compact vocabulary size (>= 1). threads: how many threads (the caller's included) split
  // the vocabulary-sized loops; the results are bit-identical for any count.
  explicit MambaModel(std::uint32_t ve, unsigned threads = 1);

  // Bytes this model allocates for vocabulary size ve (for memory-limit checks).
  static std::uint64_t memory_bytes(std::uint32_t ve);

  // Logit buffers passed to predict() hold this many floats (ve rounded up to 8).
  std::uint32_t padded_vocab() const { return vep_; }

  // Feeds one token and writes ve logits for the next one.
  void predict(std::uint32_t token, SsmState& state, float* logits);

  // Trains on inputs tokens[0..n-2] -> targets tokens[1..n-1], starting from `start` (which is
  // not modified), with `iterations` Adam steps.
  void train(std::span<const std::uint32_t> tokens, const SsmState& start, int iterations);

  // For tests: fills the gradient of the chunk loss (no update) and returns the loss.
  double compute_gradient(std::span<const std::uint32_t> tokens, const SsmState& start);
  std::span<float> parameters() { return p_; }
  std::span<const float> gradients() const { return g_; }
  std::size_t embedding_offset() const { return emb_off_; }
  std::size_t head_offset() const { return head_off_; }
  // Recomputes values derived from the parameters (after a test edits them).
  void refresh_derived();

 private:
  void layer_forward(int layer, const float* x_in, float* x_out, SsmState& st, LayerCache* c);
  // The gradient of the chunk loss into g_; adds the loss to *loss when loss is not null (tests).
  void gradient(std::span<const std::uint32_t> tokens, const SsmState& start, double* loss);
  // Zeroes g_ except the head part (which the backward pass overwrites): the fixed parameters and
  // the embedding rows the previous gradient touched.
  void clear_gradient(std::span<const std::uint32_t> inputs);
  void adam_step();

  std::uint32_t ve_;
  std::uint32_t vep_;  // ve rounded up to a multiple of 8 (padding columns stay exactly zero)
  std::size_t emb_off_, head_off_, total_;
  std::vector<float> p_, g_, m_, v_;
  std::vector<float> a_neg_;  // -exp(A_log), refreshed after every update
  std::uint64_t steps_ = 0;
  float beta1_pow_ = 1.0f, beta2_pow_ = 1.0f;
  // Training scratch, kept to avoid reallocating per chunk.
  std::vector<LayerCache> caches_;
  std::vector<float> logits_;
  std::vector<float> dx_lanes_;               // (kChunk - 1) x DM x 8 lanes of the head's dx
  std::vector<std::uint32_t> touched_rows_;  // embedding rows with a nonzero gradient
  std::unique_ptr<WorkerTeam> team_;
};

}  // namespace kolmo::statesmix
