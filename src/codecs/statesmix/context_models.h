// StateSMix's sparse logit biases (paper section 3.5-3.6): n-gram tables for contexts of 1-7, 15
// and 31 tokens, each adding s * lambda * log(1 + c / alpha) to the tokens seen after the context;
// an LZ-style (prev2, prev1) -> next predictor; a recency bonus over the last 64 tokens; and the
// global unigram prior lambda_c * log(count + 1).
//
// Memory is bounded by the block's token count N: each order has 2^table_bits slots of 16 bytes
// (open addressing, 8 linear probes, full 64-bit keys) and an arena of at most 4N + 64 entries
// (each token adds at most one entry per order; lists double their capacity).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace kolmo::statesmix {

constexpr int kOrders = 9;
constexpr std::array<int, kOrders> kContextLengths = {1, 2, 3, 4, 5, 6, 7, 15, 31};
constexpr int kMaxContext = 31;
constexpr int kRecencyWindow = 64;
// Where a sparse bias comes from (the third argument of sparse_biases' visitor): 0..kOrders-1 the
// n-gram order (context of kContextLengths[o] tokens), then the LZ predictor, then the recency
// bonus.
constexpr int kLzSource = kOrders, kRecencySource = kOrders + 1, kBiasSources = kOrders + 2;
constexpr std::uint32_t kMinTableBits = 10;
constexpr std::uint32_t kMaxTableBits = 24;

class ContextModels {
 public:
  ContextModels(std::uint32_t ve, std::uint64_t n_tokens, std::uint32_t table_bits);

  static std::uint64_t memory_bytes(std::uint32_t ve, std::uint64_t n_tokens,
                                    std::uint32_t table_bits);

  // Adds s * prior to logits (dense) and every sparse bias for the next token, given the history
  // so far. Also remembers the context slots for update().
  void add_biases(const std::vector<std::uint32_t>& history, float s, float* logits);

  // The sparse part of add_biases (every n-gram, LZ and recency bias, not the dense prior):
  // calls visit(token, bias, source) in add_biases's order, each bias as add_biases adds it, with
  // its source (kLzSource, kRecencySource or the n-gram order). Remembers the
  // context slots for update() like add_biases. (The cm codec's SSM input without the Mamba.)
  template <class Visit>
  void sparse_biases(std::span<const std::uint32_t> history, float s, Visit&& visit);
  // The same for a history that is not (yet) the learned one; remembers nothing. history needs
  // only its last kRecencyWindow tokens (at least kMaxContext); n is the full history's length.
  template <class Visit>
  void peek_sparse_biases(std::span<const std::uint32_t> tail, std::size_t n, float s,
                          Visit&& visit) const;

  // Learns that `token` followed the history passed to the last add_biases() / sparse_biases().
  void update(std::uint32_t token);

 private:
  struct Slot {
    std::uint64_t key;  // 0 = empty
    std::uint32_t offset;
    std::uint32_t n;
  };
  struct Table {
    std::vector<Slot> slots;
    std::vector<std::uint32_t> arena;  // token | count << 16
    std::uint64_t mask = 0;
  };
  struct LzEntry {
    std::uint32_t key;  // (prev2 + 1) << 16 | (prev1 + 1); 0 = empty
    std::uint16_t token;
    std::uint16_t count;
  };
  Slot* find(int order, std::uint64_t key, bool insert);
  const Slot* find_existing(int order, std::uint64_t key) const;
  static std::uint64_t context_key(std::span<const std::uint32_t> h, int len);
  static std::uint32_t lz_slot(std::uint32_t key, std::uint32_t table_bits);
  // Visits the biases for the history ending in tail (n tokens in all); keys[o] / lz_key get the
  // context keys, have[o] / have_lz whether the history is long enough.
  template <class Visit>
  void scan(std::span<const std::uint32_t> tail, std::size_t n, float s, Visit&& visit,
            std::array<std::uint64_t, kOrders>& keys, std::array<bool, kOrders>& have,
            std::uint32_t& lz_key, bool& have_lz) const;
  void add_entry(Table& t, Slot& s, std::uint32_t token);

  std::uint32_t ve_;
  std::uint32_t table_bits_;
  std::array<Table, kOrders> tables_;
  std::array<std::vector<float>, kOrders> bias_;  // lambda * log(1 + c / alpha) for c < 65536
  std::vector<std::uint32_t> counts_;
  std::vector<float> log_counts_;  // log(count + 1)
  std::vector<LzEntry> lz_;
  std::array<float, kRecencyWindow> recency_bonus_;
  std::array<float, 65536> lz_boost_;
  // Remembered by add_biases for update().
  std::array<std::uint64_t, kOrders> keys_{};
  std::array<bool, kOrders> have_context_{};
  std::uint32_t lz_index_ = 0, lz_key_ = 0;
  bool have_lz_ = false;
};

template <class Visit>
void ContextModels::scan(std::span<const std::uint32_t> tail, std::size_t n, float s,
                         Visit&& visit, std::array<std::uint64_t, kOrders>& keys,
                         std::array<bool, kOrders>& have, std::uint32_t& lz_key,
                         bool& have_lz) const {
  const std::size_t t = tail.size();
  for (int o = 0; o < kOrders; ++o) {
    have[o] = n >= static_cast<std::size_t>(kContextLengths[o]);
    if (!have[o]) continue;
    keys[o] = context_key(tail, kContextLengths[o]);
    const Slot* slot = find_existing(o, keys[o]);
    if (slot == nullptr) continue;
    const std::uint32_t* e = tables_[o].arena.data() + slot->offset;
    const float* bias = bias_[o].data();
    for (std::uint32_t i = 0; i < slot->n; ++i) visit(e[i] & 0xffff, s * bias[e[i] >> 16], o);
  }
  have_lz = n >= 2;
  if (have_lz) {
    lz_key = ((tail[t - 2] + 1) << 16) | (tail[t - 1] + 1);
    const LzEntry& e = lz_[lz_slot(lz_key, table_bits_)];
    if (e.key == lz_key) visit(e.token, lz_boost_[e.count], kLzSource);
  }
  const std::size_t window = n < kRecencyWindow ? n : kRecencyWindow;
  for (std::size_t a = 0; a < window; ++a) visit(tail[t - 1 - a], recency_bonus_[a], kRecencySource);
}

template <class Visit>
void ContextModels::sparse_biases(std::span<const std::uint32_t> history, float s,
                                  Visit&& visit) {
  scan(history, history.size(), s, visit, keys_, have_context_, lz_key_, have_lz_);
  if (have_lz_) lz_index_ = lz_slot(lz_key_, table_bits_);
}

template <class Visit>
void ContextModels::peek_sparse_biases(std::span<const std::uint32_t> tail, std::size_t n,
                                       float s, Visit&& visit) const {
  std::array<std::uint64_t, kOrders> keys{};
  std::array<bool, kOrders> have{};
  std::uint32_t lz_key = 0;
  bool have_lz = false;
  scan(tail, n, s, visit, keys, have, lz_key, have_lz);
}

}  // namespace kolmo::statesmix
