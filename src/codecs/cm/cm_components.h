// The building blocks of the cm model, all integer arithmetic so that encoder and decoder (and
// every compiler and SIMD path) compute the same bits:
//   AdaptiveMap  - per-context 16-bit probabilities with a count-based learning rate (StateMap);
//   Apm          - adaptive probability map (SSE): refines a probability given a context;
//   Mixer        - gated linear mixing in the logistic domain, weight sets chosen by contexts,
//                  optionally followed by a second layer that mixes the sets' outputs;
//   NibbleTable  - hashed bit-history slots, one 16-byte slot per (context, nibble prefix).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "codecs/cm/cm_logistic.h"
#include "codecs/cm/cm_memory.h"
#include "codecs/cm/cm_state_table.h"

namespace kolmo::cm {

namespace detail {
// 2 * 65536 / (2n + 3): a counter seen n times moves 1/(n + 1.5) of the way to each new bit.
constexpr std::array<std::int32_t, 1024> make_reciprocals() {
  std::array<std::int32_t, 1024> r{};
  for (int n = 0; n < 1024; ++n) r[static_cast<std::size_t>(n)] = 131072 / (2 * n + 3);
  return r;
}
inline constexpr std::array<std::int32_t, 1024> kReciprocal = make_reciprocals();
}  // namespace detail

// P(1) per context, 22 bits of probability above a 10-bit hit count. The rate starts fast (a
// running average) and settles at 1/(limit + 1.5).
class AdaptiveMap {
 public:
  // Throws std::bad_alloc when the entries cannot be allocated (as the vector it used to be did).
  void init(std::size_t contexts, int limit) {
    const std::uint64_t bytes = std::uint64_t{contexts} * sizeof(std::uint32_t);
    if (bytes >= ZeroedTable::kHugeFromFilled) {
      // Large maps (level 9's node maps, read at random) on huge pages: fewer TLB misses.
      small_.clear();
      if (!large_.allocate(bytes, ZeroedTable::kHugeFromFilled)) throw std::bad_alloc();
      entries_ = large_.as<std::uint32_t>();
    } else {
      small_.resize(contexts);
      entries_ = small_.data();
    }
    std::fill_n(entries_, contexts, std::uint32_t{1} << 31);
    size_ = contexts;
    limit_ = static_cast<std::uint32_t>(limit);
  }
  // Starts context i at probability p16 (used to seed bit-history maps from their counts).
  void seed(std::size_t i, std::uint32_t p16) { entries_[i] = p16 << 16; }
  std::size_t size() const { return size_; }

  std::uint32_t p(std::size_t context) {
    current_ = &entries_[context];
    return *current_ >> 16;
  }
  // Starts loading context's entry into the cache (for large maps read at random).
  void prefetch(std::size_t context) const { __builtin_prefetch(&entries_[context]); }
  void update(int bit) {
    const std::uint32_t e = *current_;
    std::uint32_t n = e & 1023;
    const std::int64_t p22 = e >> 10;
    const std::int64_t target = bit != 0 ? (1 << 22) - 1 : 0;
    const std::int64_t next = p22 + (((target - p22) * detail::kReciprocal[n]) >> 16);
    if (n < limit_) ++n;
    *current_ = (static_cast<std::uint32_t>(next) << 10) | n;
  }

 private:
  std::vector<std::uint32_t> small_;
  ZeroedTable large_;
  std::uint32_t* entries_ = nullptr;
  std::size_t size_ = 0;
  std::uint32_t* current_ = nullptr;
  std::uint32_t limit_ = 1023;
};

// An AdaptiveMap over bit-history states, seeded with each state's own estimate (n1 + 1/2) /
// (n0 + n1 + 1), so that rarely seen states start from what their counts say.
inline void seed_from_states(AdaptiveMap& map, std::size_t contexts_per_state) {
  const StateTable& st = state_table();
  for (std::size_t s = 0; s < 256; ++s) {
    const std::uint32_t n0 = st.n0[s], n1 = st.n1[s];
    const std::uint32_t p16 = ((2 * n1 + 1) * 65536) / (2 * (n0 + n1) + 2);
    for (std::size_t c = 0; c < contexts_per_state; ++c) map.seed(c * 256 + s, p16);
  }
}

// Adaptive probability map: 33 interpolation points over the stretch domain per context. The
// point nearer to the input moves 1/2^rate of the way to each bit (or, with update_both, both
// points that the prediction interpolated between). Points start on the identity
// map and are stored as their offset from it, modulo 2^16, so that the table is zero-filled
// memory that needs no initialisation pass (small blocks stay cheap).
class Apm {
 public:
  // False when the table cannot be allocated.
  bool init(std::size_t contexts, int rate) {
    const LogisticTables& lt = logistic_tables();
    for (int j = 0; j < 33; ++j) identity_[j] = static_cast<std::uint16_t>(squash(lt, (j - 16) * 128));
    if (!memory_.allocate(contexts * 33 * sizeof(std::uint16_t))) return false;
    table_ = memory_.as<std::uint16_t>();
    rate_ = rate;
    return true;
  }
  // st: the input probability's stretch; context < contexts.
  std::uint32_t p(int st, std::size_t context) {
    const int pos = (clamp_stretch(st) + 2048) * 32;  // 32 .. 131040
    const int bucket = pos >> 12;                      // 0 .. 31
    const std::size_t base = context * 33 + static_cast<std::size_t>(bucket);
    const std::uint32_t w = static_cast<std::uint32_t>(pos & 4095);
    index_ = base + (w >> 11);
    bucket_ = bucket + static_cast<int>(w >> 11);
    low_ = base;
    low_bucket_ = bucket;
    return (value(base, bucket) * (4096 - w) + value(base + 1, bucket + 1) * w) >> 12;
  }
  // Starts loading a context's row (33 points, 66 bytes: up to two cache lines); a no-op for an
  // APM never initialised.
  void prefetch(std::size_t context) const {
    if (table_ == nullptr) return;
    const std::uint16_t* row = table_ + context * 33;
    __builtin_prefetch(row);
    __builtin_prefetch(row + 32);
  }
  void update(int bit) {
    const std::int32_t target = bit != 0 ? 65535 : 0;
    if (update_both_) {
      move(low_, low_bucket_, target);
      move(low_ + 1, low_bucket_ + 1, target);
    } else {
      move(index_, bucket_, target);
    }
  }
  // Both interpolation points move on each bit, each by the full rate (as in lpaq/paq8): -0.11 %
  // at level 9 on enwik8 1 MB; weighting each point's step by its share bought a third of that.
  void set_update_both(bool both) { update_both_ = both; }

 private:
  std::uint32_t value(std::size_t index, int bucket) const {
    return static_cast<std::uint16_t>(identity_[bucket] + table_[index]);
  }
  void move(std::size_t index, int bucket, std::int32_t target) {
    const std::int32_t v = static_cast<std::int32_t>(value(index, bucket));
    const std::int32_t next = v + ((target - v) >> rate_);
    table_[index] = static_cast<std::uint16_t>(next - identity_[bucket]);
  }

  ZeroedTable memory_;
  std::uint16_t* table_ = nullptr;
  std::uint16_t identity_[33] = {};
  std::size_t index_ = 0, low_ = 0;
  int bucket_ = 0, low_bucket_ = 0;
  int rate_ = 7;
  bool update_both_ = false;
};

// Gated linear mixer. Inputs are stretched probabilities (+-2047); each of up to kMaxSets
// selectors picks a weight set by its own context, and with more than one selector a final
// mixer (weights chosen by its own small context) combines their outputs. Weights are 16.16
// fixed point; sums are 64-bit and reduced in input order.
class Mixer {
 public:
  // A multiple of 8 (the weight rows are padded to 8, each as wide as its level needs); 176 since
  // round 10c (cm_model.cc's bound: 40 contexts' four inputs, the unseen groups, the SSM's two).
  static constexpr int kMaxInputs = 176;
  static constexpr int kMaxSets = 11;
  static constexpr int kMaxFinals = 5;  // final mixers, averaged in the stretch domain

  // initial: each input's starting weight (16.16); set_sizes: the number of weight sets of each
  // selector; rate: learning rate (larger = faster).
  // input_rates: per input, a multiplier of rate in 1/16 units (16 = 1x; empty: all 16);
  // final_rate: the second layer's rate (0: rate); final_contexts2 > 0 adds a second final mixer
  // whose output is averaged with the first's.
  void init(const std::vector<std::int32_t>& initial, const std::vector<int>& set_sizes,
            int final_contexts, int rate, const std::vector<int>& input_rates = {},
            int final_rate = 0, int final_contexts2 = 0, bool round_updates = false);
  // One more final mixer (up to kMaxFinals; call after init and set_final_adaptation) with
  // `contexts` weight sets, chosen by select_final_at(its index); returns that index (-1 when
  // there are kMaxFinals already). The final mixers' outputs are averaged in the stretch domain.
  int add_final(int contexts);
  // Weight-set boost (call after init; off by default): a set updated n times so far learns at
  // 1 + boost/16 * horizon / (n + horizon) times its rate, so that new and rarely selected sets
  // learn fast and often selected ones at the plain rate. set_final_adaptation: the same for the
  // final mixers' sets. boost < 512 and horizon < 2^16.
  void set_adaptation(int boost, int horizon);
  void set_final_adaptation(int boost, int horizon);
  // Warm start (round 9m; needs set_adaptation's update counts, so call after it): a first-layer
  // set selected for the first time (never updated) starts halfway between its row and the
  // first selector's current row, and a final mixer's never-updated set (with
  // set_final_adaptation) takes the first final mixer's current weights. Rarely seen contexts
  // start from what the dense contexts have learnt instead of the initial weights.
  void set_warm_start(bool on) { warm_start_ = on; }
  void add(int x) { x_[n_++] = x; }
  // Selecting a set also starts loading its weight row (and update count): the selectors run
  // before the inputs are built, so that the large sparse tables load while they are.
  void select(int selector, std::uint32_t context) {
    const std::uint32_t set = offsets_[selector] + context;
    std::int32_t* row = &weights_[static_cast<std::size_t>(set) * stride_];
    chosen_[selector] = row;
    chosen_set_[selector] = set;
    prefetch_bytes(row, static_cast<std::size_t>(stride_) * sizeof(std::int32_t));
    boost_.prefetch(set);
  }
  void select_final(std::uint32_t context) { select_final_at(0, context); }
  void select_final2(std::uint32_t context) { select_final_at(1, context); }
  void select_final_at(int index, std::uint32_t context) {
    Final& f = finals_[static_cast<std::size_t>(index)];
    f.chosen = &f.weights[context * kMaxSets];
    f.set = context;
    prefetch_bytes(f.chosen, kMaxSets * sizeof(std::int32_t));
    f.boost.prefetch(context);
  }
  // The mixed prediction as a stretch value; its 16-bit probability is last_p().
  int mix();
  std::uint32_t last_p() const { return p_; }
  void update(int bit);

  // The first layer's dot products and updates run on AVX2 where the CPU has it (exact integer
  // arithmetic: the same bits as the scalar loops). Tests switch it off to compare both paths;
  // mixers initialised afterwards use the setting. simd_available(): the CPU has AVX2.
  static void set_simd_enabled(bool enabled);
  static bool simd_available();

 private:
  // Weight-set boost: per set, its updates so far (saturating); empty when off.
  struct Boost {
    std::vector<std::uint16_t> counts;
    int boost = 0, horizon = 1;
    int scale(int err, std::uint32_t set);
    void prefetch(std::uint32_t set) const {
      if (!counts.empty()) __builtin_prefetch(&counts[set]);
    }
  };
  static void prefetch_bytes(const void* start, std::size_t bytes) {
    const char* p = static_cast<const char*>(start);
    for (std::size_t i = 0; i < bytes; i += 64) __builtin_prefetch(p + i);
    __builtin_prefetch(p + bytes - 1);
  }
  // A final (second-layer) mixer: weight sets of kMaxSets weights over the first layer's outputs.
  struct Final {
    std::vector<std::int32_t> weights;
    std::int32_t* chosen = nullptr;
    std::uint32_t set = 0;
    Boost boost;
    int st = 0;
    std::uint32_t p = 32768;
  };

  static int dot(const std::int32_t* w, const int* x, int n) {
    std::int64_t sum = 0;
    for (int i = 0; i < n; ++i) sum += static_cast<std::int64_t>(w[i]) * x[i];
    return clamp_stretch(static_cast<int>(sum >> 16));
  }
  static void train(std::int32_t* w, const int* x, int n, int err, int rate, int half);
  void train_scaled(std::int32_t* w, int err) const;
  void mix_sets();
  void warm_start_sets();
  void warm_start_final(int k);
  void train_sets(int target);

  bool simd_ = false;  // the AVX2 first layer (cm_mixer_simd.cc); chosen in init()

  int inputs_ = 0, stride_ = 0, sets_ = 0, rate_ = 0, final_rate_ = 0, n_ = 0;
  bool round_ = false;
  bool warm_start_ = false;
  std::vector<std::int32_t> input_rates_;  // rate_ x per-input multiplier (16 = 1x)
  ZeroedTable weight_memory_;  // the first layer's weight rows (on huge pages when large)
  std::int32_t* weights_ = nullptr;
  std::array<std::uint32_t, kMaxSets> offsets_{};
  std::array<std::int32_t*, kMaxSets> chosen_{};
  std::array<std::uint32_t, kMaxSets> chosen_set_{};
  std::uint32_t total_sets_ = 0;
  Boost boost_;
  int final_boost_ = 0, final_horizon_ = 1;  // for final mixers added later
  std::array<Final, kMaxFinals> finals_;
  int finals_count_ = 0;
  alignas(64) int x_[kMaxInputs] = {};
  alignas(64) std::int32_t scaled_x_[kMaxInputs] = {};  // x * input rate, for the SIMD update
  int set_st_[kMaxSets] = {};
  std::uint32_t set_p_[kMaxSets] = {};
  std::uint32_t p_ = 32768;
};

// Hashed bit-history slots. A slot is 16 bytes: a checksum byte and the 15 states of a nibble's
// bit tree (nodes 1..15). A lookup probes the 4 slots of one 64-byte line; on a miss the slot
// least visited (by its first node's state) is cleared and claimed.
class NibbleTable {
 public:
  // base: 64-byte aligned, 16 << bits bytes, zeroed.
  void attach(std::uint8_t* base, int bits) {
    base_ = base;
    mask_ = (std::uint32_t{1} << bits) - 1;
  }
  std::uint8_t* find(std::uint32_t hash) {
    const std::uint8_t check = static_cast<std::uint8_t>(hash >> 24);
    const std::uint32_t index = hash & mask_;
    std::uint8_t* line = base_ + (static_cast<std::uint64_t>(index & ~3u) << 4);
    const std::uint32_t first = index & 3;
    for (std::uint32_t k = 0; k < 4; ++k) {
      std::uint8_t* slot = line + (((first + k) & 3) << 4);
      if (slot[0] == check) return slot;
    }
    std::uint8_t* victim = line + (first << 4);
    for (std::uint32_t k = 1; k < 4; ++k) {
      std::uint8_t* slot = line + (((first + k) & 3) << 4);
      if (slot[1] < victim[1]) victim = slot;
    }
    std::memset(victim, 0, 16);
    victim[0] = check;
    return victim;
  }
  void prefetch(std::uint32_t hash) const {
    __builtin_prefetch(base_ + (static_cast<std::uint64_t>(hash & mask_ & ~3u) << 4));
  }

 private:
  std::uint8_t* base_ = nullptr;
  std::uint32_t mask_ = 0;
};

}  // namespace kolmo::cm
