// Measurements on a text: compression (bits per byte / token) scored as train_lm.py does,
// comparison of a KV-cache method with the exact cache, K/V/Q capture, greedy generation and
// runtime speed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kolmo/bytes.h"
#include "kolmo/thread_pool.h"
#include "llm/kv_cache.h"
#include "llm/model.h"

namespace kolmo::llm {

// Text to token ids: bytes for byte-level models, the llama2.c tokenizer (with BOS) otherwise.
Expected<std::vector<int>> tokenize(const Model& model, ByteSpan text);

struct EvalOptions {
  std::size_t ctx = 1024;                // predicted tokens per window
  // Tokens between window starts; 0 = ctx, as train_lm.py's evaluate() does (data[j*T : (j+1)*T+1]:
  // each window's first token is the previous window's last, which is never predicted twice).
  // ctx + 1 gives fully disjoint windows.
  std::size_t stride = 0;
  std::optional<KvMethod> kv;            // compared against the exact cache when set
  // Several methods, each compared against one exact pass per window (used instead of `kv` when
  // not empty).
  std::vector<KvMethod> kv_methods;
  ThreadPool* pool = nullptr;
  // Predicted tokens done and in all (bytes for byte-level models), after each window.
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

// One KV method against the exact cache. The relative errors are over all layers, query heads
// and query rows: sqrt(sum ||s_method - s_exact||^2 / sum ||s_exact||^2), with s the scaled q.k
// scores of one row (all visible positions) or its attention output, both caches seeing the same
// q (the method's forward pass; kv_measure.h). Times are summed over threads.
struct KvMethodResult {
  KvMethod method;
  double bits = 0;  // code length with this method
  double kl_sum = 0;
  std::uint64_t top1_agree = 0;
  std::uint64_t kv_bits = 0;
  std::uint64_t kv_elements = 0;
  double score_rel_error = 0;
  double output_rel_error = 0;
  double encode_seconds = 0;  // append(): compressing the keys and values
  double attend_seconds = 0;  // view() + scores + softmax + weighted sum, per query row
};

struct EvalResult {
  std::uint64_t windows = 0;
  std::uint64_t predicted = 0;        // predicted tokens
  std::uint64_t predicted_bytes = 0;  // bytes those tokens spell
  double bits_exact = 0;              // total code length with the exact cache
  double bits_method = 0;             // with the KV method (== bits_exact without one)
  double kl_sum = 0;                  // nats, summed over predicted positions
  std::uint64_t top1_agree = 0;
  std::uint64_t kv_bits = 0;          // summed over windows, at each window's end
  std::uint64_t kv_elements = 0;
  double seconds = 0;
  std::vector<KvMethodResult> methods;  // one per method; the fields above mirror the first
};

// Consecutive windows of ctx + 1 tokens starting every `stride` tokens, each predicting its last
// ctx tokens from the tokens before them in the window (a text shorter than one window is one
// window). With the default stride every token after the first is predicted exactly once.
Expected<EvalResult> evaluate(const Model& model, const std::vector<int>& tokens,
                              const EvalOptions& options);

// Writes post-RoPE Q, K and V of every layer for the first `ctx` tokens (layout in docs/llm.md).
Status capture_kv(const Model& model, const std::vector<int>& tokens, std::size_t ctx,
                  ThreadPool* pool, const std::filesystem::path& out_path);

// Greedy decoding: runs `prompt` then appends the arg-max token `steps` times.
Expected<std::vector<int>> generate_greedy(const Model& model, const std::vector<int>& prompt,
                                           std::size_t steps, ThreadPool* pool);

struct SpeedResult {
  std::size_t prefill_tokens = 0;
  double prefill_seconds = 0;
  std::size_t decode_tokens = 0;
  double decode_seconds = 0;
  // Bytes read per decode step: fp32 weights plus the exact KV cache at the final context.
  std::uint64_t decode_bytes_per_token = 0;
};

// Prefill of ctx - decode_steps tokens, then decode_steps single-token steps up to ctx.
Expected<SpeedResult> measure_speed(const Model& model, std::size_t ctx, std::size_t decode_steps,
                                    ThreadPool* pool);

}  // namespace kolmo::llm
