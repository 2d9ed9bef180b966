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
#include <vector>

namespace kolmo::statesmix {

constexpr int kOrders = 9;
constexpr std::array<int, kOrders> kContextLengths = {1, 2, 3, 4, 5, 6, 7, 15, 31};
constexpr int kMaxContext = 31;
constexpr int kRecencyWindow = 64;
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

  // Learns that `token` followed the history passed to the last add_biases().
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

}  // namespace kolmo::statesmix
