// One sequence through a Model: the per-layer KV stores and the scratch of the forward pass.
// forward() runs any number of new tokens at the next positions: a whole window at once (prefill,
// matrix products) or one token (decode step, matrix-vector products). Both paths compute every
// value in the same order, so a decode step reproduces the prefill logits of its position exactly.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "kolmo/thread_pool.h"
#include "llm/kv_cache.h"
#include "llm/model.h"

namespace kolmo::llm {

// Called once per layer with the post-RoPE queries (tokens x q_dim), keys and values
// (tokens x kv_dim) of the tokens just run, before they enter the KV store.
using CaptureFn = std::function<void(std::size_t layer, const float* q, const float* k,
                                     const float* v, std::size_t tokens)>;

class Session {
 public:
  Session(const Model& model, const KvMethod& kv, ThreadPool* pool);

  // Runs `tokens` at positions position() ... and, when logits is given, fills it with
  // tokens x vocab logits. Fails for token ids outside the vocabulary or positions past the
  // model's max_positions.
  Status forward(std::span<const int> tokens, std::vector<float>* logits,
                 const CaptureFn& capture = nullptr);
  // Forgets every position (new, empty KV stores).
  void reset();

  std::size_t position() const { return position_; }
  const std::vector<std::unique_ptr<KvStore>>& stores() const { return stores_; }
  std::uint64_t kv_stored_bits() const;
  std::uint64_t kv_elements() const;

 private:
  void attention(std::size_t layer, std::size_t tokens);

  const Model& model_;
  KvMethod kv_;
  ThreadPool* pool_;
  std::vector<std::unique_ptr<KvStore>> stores_;
  std::size_t position_ = 0;
  std::vector<float> rope_cos_, rope_sin_;  // max_positions x head_dim/2
  // Scratch, sized for the largest call so far.
  std::vector<float> x_, xn_, qkv_, k_, v_, attn_, proj_, gate_up_, act_;
  std::vector<std::vector<float>> key_scratch_, value_scratch_;  // per kv head
};

}  // namespace kolmo::llm
