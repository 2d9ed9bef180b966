#include "codecs/statesmix/engine.h"

#include <cmath>

#include "codecs/statesmix/ssm_math.h"

namespace kolmo::statesmix {

Engine::Engine(std::uint32_t ve, std::uint64_t n_tokens, std::uint32_t table_bits,
               unsigned threads)
    : ve_(ve), model_(ve, threads), contexts_(ve, n_tokens, table_bits) {
  history_.reserve(n_tokens);
  ssm_logits_.assign(model_.padded_vocab(), 0.0f);
  mixed_.assign(ve, 0.0f);
  cum_.assign(std::size_t{ve} + 1, 0);
}

std::uint64_t Engine::memory_bytes(std::uint32_t ve, std::uint64_t n_tokens,
                                   std::uint32_t table_bits) {
  return MambaModel::memory_bytes(ve) + ContextModels::memory_bytes(ve, n_tokens, table_bits) +
         n_tokens * 4 + std::uint64_t{ve} * 16 + 64;
}

int Engine::train_iterations(std::uint64_t chunk_index) const {
  if (chunk_index < 10) return 8;
  if (chunk_index < 30) return 4;
  return 2;
}

KOLMO_SSM_HOT void Engine::predict() {
  const std::size_t n = history_.size();
  float s = 1.0f;  // before the first SSM forward pass: SSM logits 0 and s = 1
  if (n == 0) {
    for (std::uint32_t j = 0; j < ve_; ++j) mixed_[j] = 0.0f;
  } else {
    if ((n - 1) % kChunk == 0) chunk_start_ = state_;  // state before the chunk's first input
    model_.predict(history_[n - 1], state_, ssm_logits_.data());
    // Entropy of the SSM's own distribution, in nats: H = log S - sum e_j (l_j - m) / S.
    float mx = ssm_logits_[0];
    for (std::uint32_t j = 1; j < ve_; ++j) mx = ssm_logits_[j] > mx ? ssm_logits_[j] : mx;
    // Exponentials first (a loop that vectorizes), then the sums in index order.
    float* e = mixed_.data();
    for (std::uint32_t j = 0; j < ve_; ++j) e[j] = det_exp(ssm_logits_[j] - mx);
    double sum = 0.0, weighted = 0.0;
    for (std::uint32_t j = 0; j < ve_; ++j) {
      sum += e[j];
      weighted += static_cast<double>(e[j] * (ssm_logits_[j] - mx));
    }
    const float entropy = det_log(static_cast<float>(sum)) - static_cast<float>(weighted / sum);
    s = (1.0f - kEntropyBlend) + kEntropyBlend * entropy / kEntropyTarget;
    s = s < kScaleMin ? kScaleMin : (s > kScaleMax ? kScaleMax : s);
    for (std::uint32_t j = 0; j < ve_; ++j) mixed_[j] = ssm_logits_[j];
  }
  contexts_.add_biases(history_, s, mixed_.data());
  // Quantize softmax(mixed) to integers: every token gets 1 plus its share of the rest.
  float mx = mixed_[0];
  std::uint32_t arg = 0;
  for (std::uint32_t j = 1; j < ve_; ++j) {
    if (mixed_[j] > mx) {
      mx = mixed_[j];
      arg = j;
    }
  }
  for (std::uint32_t j = 0; j < ve_; ++j) mixed_[j] = det_exp(mixed_[j] - mx);
  double sum = 0.0;
  for (std::uint32_t j = 0; j < ve_; ++j) sum += mixed_[j];
  const std::uint32_t total = 1u << kScaleBits;
  const double spread = static_cast<double>(total - ve_ - 64) / sum;
  std::uint32_t acc = 0;
  for (std::uint32_t j = 0; j < ve_; ++j) {
    cum_[j] = acc;
    acc += 1 + static_cast<std::uint32_t>(static_cast<double>(mixed_[j]) * spread);
  }
  // The rounding remainder goes to the most probable token.
  const std::uint32_t extra = total - acc;
  for (std::uint32_t j = arg + 1; j < ve_; ++j) cum_[j] += extra;
  cum_[ve_] = total;
}

std::uint32_t Engine::find(std::uint32_t slot, SymbolSlice& out) const {
  std::uint32_t lo = 0, hi = ve_;  // cum_[lo] <= slot < cum_[hi]
  while (hi - lo > 1) {
    const std::uint32_t mid = lo + (hi - lo) / 2;
    if (cum_[mid] <= slot) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  out = slice(lo);
  return lo;
}

void Engine::update(std::uint32_t token) {
  contexts_.update(token);
  history_.push_back(token);
  const std::size_t n = history_.size();
  if (n % kChunk == 0) {
    const std::span<const std::uint32_t> chunk(history_.data() + n - kChunk, kChunk);
    model_.train(chunk, chunk_start_, train_iterations(n / kChunk - 1));
  }
}

}  // namespace kolmo::statesmix
