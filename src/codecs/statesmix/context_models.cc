#include "codecs/statesmix/context_models.h"

#include <bit>

#include "codecs/statesmix/ssm_math.h"

namespace kolmo::statesmix {
namespace {

// Paper table 2 (lambda, alpha) per context length 1, 2, 3, 4, 5, 6, 7, 15, 31.
constexpr std::array<float, kOrders> kLambda = {0.15f, 0.10f, 0.08f, 0.06f, 0.05f,
                                                0.04f, 0.03f, 0.50f, 1.00f};
constexpr std::array<float, kOrders> kAlpha = {0.10f, 0.05f, 0.03f, 0.02f, 0.015f,
                                               0.010f, 0.008f, 0.001f, 0.001f};
constexpr float kCountLambda = 0.1f;
constexpr float kRecencyLambda = 0.05f;
constexpr float kLzBoost = 1.5f;
constexpr int kProbes = 8;
constexpr std::uint32_t kMaxCount = 65535;

std::uint64_t mix64(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

}  // namespace

// Context key of the last `len` tokens: exact 16-bit packing up to 4 tokens, else mix64 of the
// polynomial hash k = k * 104729 + id (oldest first). Never 0 (0 marks an empty slot).
std::uint64_t ContextModels::context_key(std::span<const std::uint32_t> h, int len) {
  const std::size_t n = h.size();
  std::uint64_t k = 0;
  if (len <= 4) {
    for (int i = len; i >= 1; --i) k = (k << 16) | (h[n - i] + 1);
    return k;
  }
  for (int i = len; i >= 1; --i) k = k * 104729 + h[n - i];
  k = mix64(k);
  return k == 0 ? 1 : k;
}

std::uint32_t ContextModels::lz_slot(std::uint32_t key, std::uint32_t table_bits) {
  return static_cast<std::uint32_t>(mix64(key) >> (64 - table_bits));
}

std::uint64_t ContextModels::memory_bytes(std::uint32_t ve, std::uint64_t n_tokens,
                                          std::uint32_t table_bits) {
  const std::uint64_t slots = std::uint64_t{1} << table_bits;
  std::uint64_t bytes = (kOrders - 1) * slots * sizeof(Slot) + std::uint64_t{ve} * sizeof(Slot);
  bytes += kOrders * (4 * n_tokens + 64) * 4;          // arenas
  bytes += kOrders * 65536 * 4 + 65536 * 4;            // bias and boost tables
  bytes += std::uint64_t{ve} * 8 + slots * sizeof(LzEntry);
  return bytes;
}

ContextModels::ContextModels(std::uint32_t ve, std::uint64_t n_tokens, std::uint32_t table_bits)
    : ve_(ve), table_bits_(table_bits) {
  for (int o = 0; o < kOrders; ++o) {
    Table& t = tables_[o];
    const std::uint64_t size = o == 0 ? ve : std::uint64_t{1} << table_bits;
    t.slots.assign(size, Slot{0, 0, 0});
    t.mask = size - 1;
    t.arena.reserve(4 * n_tokens + 64);
    bias_[o].resize(65536);
    const float inv_alpha = 1.0f / kAlpha[o];
    for (std::uint32_t c = 0; c < 65536; ++c) {
      bias_[o][c] = kLambda[o] * det_log(1.0f + static_cast<float>(c) * inv_alpha);
    }
  }
  counts_.assign(ve, 0);
  log_counts_.assign(ve, 0.0f);
  lz_.assign(std::size_t{1} << table_bits, LzEntry{0, 0, 0});
  for (int a = 0; a < kRecencyWindow; ++a) {
    recency_bonus_[a] =
        kRecencyLambda * det_exp(-3.0f * static_cast<float>(a) / kRecencyWindow);
  }
  for (std::uint32_t c = 0; c < 65536; ++c) {
    lz_boost_[c] = kLzBoost * (1.0f - 1.0f / (1.0f + static_cast<float>(c) * 0.3f));
  }
}

ContextModels::Slot* ContextModels::find(int order, std::uint64_t key, bool insert) {
  Table& t = tables_[order];
  if (order == 0) {  // bigram: direct array indexed by the previous token
    Slot& s = t.slots[key - 1];
    if (s.key == 0 && insert) s.key = key;
    return s.key == key ? &s : nullptr;
  }
  const std::uint64_t start = mix64(key + static_cast<std::uint64_t>(order)) >> (64 - table_bits_);
  for (int p = 0; p < kProbes; ++p) {
    Slot& s = t.slots[(start + p) & t.mask];
    if (s.key == key) return &s;
    if (s.key == 0) {
      if (!insert) return nullptr;
      s.key = key;
      return &s;
    }
  }
  return nullptr;  // eight probes full of other contexts: the context is dropped
}

const ContextModels::Slot* ContextModels::find_existing(int order, std::uint64_t key) const {
  const Table& t = tables_[order];
  if (order == 0) {
    const Slot& s = t.slots[key - 1];
    return s.key == key ? &s : nullptr;
  }
  const std::uint64_t start = mix64(key + static_cast<std::uint64_t>(order)) >> (64 - table_bits_);
  for (int p = 0; p < kProbes; ++p) {
    const Slot& s = t.slots[(start + p) & t.mask];
    if (s.key == key) return &s;
    if (s.key == 0) return nullptr;
  }
  return nullptr;
}

void ContextModels::add_entry(Table& t, Slot& s, std::uint32_t token) {
  std::uint32_t* e = t.arena.data() + s.offset;
  for (std::uint32_t i = 0; i < s.n; ++i) {
    if ((e[i] & 0xffff) == token) {
      if ((e[i] >> 16) < kMaxCount) e[i] += 1u << 16;
      return;
    }
  }
  // Capacity is the power of two >= max(n, 2); grow by moving the list to the arena's end.
  const std::uint32_t cap = s.n <= 2 ? 2 : std::bit_ceil(s.n);
  if (s.n == 0 || s.n == cap) {
    const std::uint32_t new_cap = s.n == 0 ? 2 : cap * 2;
    const std::size_t at = t.arena.size();
    if (at + new_cap > t.arena.capacity()) return;  // cannot happen within the 4N bound
    t.arena.resize(at + new_cap);
    std::uint32_t* old = t.arena.data() + s.offset;
    for (std::uint32_t i = 0; i < s.n; ++i) t.arena[at + i] = old[i];
    s.offset = static_cast<std::uint32_t>(at);
  }
  t.arena[s.offset + s.n] = token | (1u << 16);
  ++s.n;
}

KOLMO_SSM_HOT void ContextModels::add_biases(const std::vector<std::uint32_t>& history, float s,
                               float* logits) {
  const float prior = s * kCountLambda;
  for (std::uint32_t j = 0; j < ve_; ++j) logits[j] += prior * log_counts_[j];
  const std::size_t n = history.size();
  for (int o = 0; o < kOrders; ++o) {
    have_context_[o] = n >= static_cast<std::size_t>(kContextLengths[o]);
    if (!have_context_[o]) continue;
    keys_[o] = context_key(history, kContextLengths[o]);
    const Slot* slot = find(o, keys_[o], false);
    if (slot == nullptr) continue;
    const std::uint32_t* e = tables_[o].arena.data() + slot->offset;
    const float* bias = bias_[o].data();
    for (std::uint32_t i = 0; i < slot->n; ++i) {
      logits[e[i] & 0xffff] += s * bias[e[i] >> 16];
    }
  }
  have_lz_ = n >= 2;
  if (have_lz_) {
    lz_key_ = ((history[n - 2] + 1) << 16) | (history[n - 1] + 1);
    lz_index_ = static_cast<std::uint32_t>(mix64(lz_key_) >> (64 - table_bits_));
    const LzEntry& e = lz_[lz_index_];
    if (e.key == lz_key_) logits[e.token] += lz_boost_[e.count];
  }
  const std::size_t window = n < kRecencyWindow ? n : kRecencyWindow;
  for (std::size_t a = 0; a < window; ++a) logits[history[n - 1 - a]] += recency_bonus_[a];
}

void ContextModels::update(std::uint32_t token) {
  for (int o = 0; o < kOrders; ++o) {
    if (!have_context_[o]) continue;
    if (Slot* slot = find(o, keys_[o], true)) add_entry(tables_[o], *slot, token);
  }
  if (have_lz_) {
    LzEntry& e = lz_[lz_index_];
    if (e.key == lz_key_ && e.token == token) {
      if (e.count < kMaxCount) ++e.count;
    } else {
      e = LzEntry{lz_key_, static_cast<std::uint16_t>(token), 1};
    }
  }
  if (counts_[token] < 0xffffffffu) ++counts_[token];
  log_counts_[token] = det_log(static_cast<float>(counts_[token]) + 1.0f);
}

}  // namespace kolmo::statesmix
