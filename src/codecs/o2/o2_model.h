// The o2 context model: predicts each bit of a byte (coded MSB first down a 255-node bit tree)
// from the order-0, order-1 and order-2 contexts (and, when the parameters ask, hashed order-3 and
// order-4 contexts), mixes the predictions in the logistic domain with an integer gated mixer
// and optionally refines the result with an SSE stage on the order-1 context.
//
// Encoder and decoder drive the same class through predict()/update(), so they stay in lockstep;
// every step is integer arithmetic, hence identical on any compiler and thread count.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "codecs/o2/o2_logistic.h"
#include "codecs/o2/o2_params.h"
#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::o2 {

namespace model_detail {
// 65536 / (n + 1.5) for hit count n: a counter starts as a running average of the bits it saw
// and settles into an exponential average once n reaches its limit.
constexpr std::array<std::int32_t, 1024> make_recip() {
  std::array<std::int32_t, 1024> r{};
  for (int n = 0; n < 1024; ++n) r[static_cast<std::size_t>(n)] = 131072 / (2 * n + 3);
  return r;
}
inline constexpr std::array<std::int32_t, 1024> kRecip = make_recip();
}  // namespace model_detail

// Heap memory of a model with these parameters (what DecodeLimits::memory_bytes is checked
// against before anything is allocated).
std::uint64_t model_memory_bytes(const Params& p);

class Model {
 public:
  // Fails with kLimitExceeded when the model would need more than memory_limit bytes, and with
  // kLimitExceeded as well if the allocation itself fails. block_size only tunes how memory is mapped (huge pages pay off for large blocks only); it
  // never changes what the model computes.
  static Expected<std::unique_ptr<Model>> create(const Params& p, std::uint64_t memory_limit,
                                                 std::uint64_t block_size);

  // P(next bit == 1) as a 16-bit probability in [1, 65535]. kFlags must equal the parameters'
  // flags (see with_flags()): making them a compile-time constant lets the compiler unroll the
  // mixer over exactly the inputs in use, which is most of o2's speed.
  template <std::uint8_t kFlags>
  std::uint32_t predict() {
    constexpr int n = counters_for(kFlags);
    const std::uint32_t c0 = c0_;
    slots_[0] = &t0_[c0];
    slots_[1] = &t1_[c1_base_ + c0];
    slots_[2] = &t2_[o2_line_ + nibble_];
    if constexpr ((kFlags & kFlagOrder3) != 0) slots_[3] = &t3_[o3_line_ + nibble_];
    if constexpr ((kFlags & kFlagOrder4) != 0) slots_[n - 1] = &t4_[o4_line_ + nibble_];
    const std::int32_t* w = &weights_[c0 * kMaxInputs];
    std::int64_t dot = static_cast<std::int64_t>(w[n]) * kBiasInput;
    for (int i = 0; i < n; ++i) {
      st_[i] = stretch16(lt_, counter_p16(*slots_[i]));
      dot += static_cast<std::int64_t>(w[i]) * st_[i];
    }
    st_[n] = kBiasInput;
    mix_x_ = clamp_stretch(dot >> 16);
    p_mix_ = squash16(lt_, mix_x_);
    if constexpr ((kFlags & kFlagSse) == 0) {
      return clamp_p(p_mix_);
    } else {
      return clamp_p((p_mix_ + 3 * sse_predict()) >> 2);
    }
  }

  template <std::uint8_t kFlags>
  void update(int bit) {
    constexpr int n = counters_for(kFlags);
    for (int i = 0; i < n; ++i) {
      update_counter(*slots_[i], bit, i < 2 ? params_.low_order_limit : params_.high_order_limit);
    }
    train_mixer<n + 1>(bit);
    if constexpr ((kFlags & kFlagSse) != 0) sse_update(bit);
    c0_ = (c0_ << 1) | static_cast<std::uint32_t>(bit);
    nibble_ = (nibble_ << 1) | static_cast<std::uint32_t>(bit);
    if (c0_ >= 256) {
      end_of_byte(static_cast<std::uint8_t>(c0_ - 256));
    } else if (nibble_ >= 16) {
      nibble_ = 1;
      select_lines();
    } else if (nibble_ >= kPrefetchAt && nibble_ < 2 * kPrefetchAt) {
      prefetch_next_lines();
    }
  }

  const Params& params() const { return params_; }

  // Puts the model back in the state create() returned, keeping its mappings: the pages already
  // touched are zeroed in place and the others released, so a caller that codes many small
  // inputs pays the page faults of the big tables once instead of per input.
  void reset();

  static constexpr int kHashBits = 22;  // log2 of the entries of each hashed order's table
  // Order 2: per context, one line for the first nibble and one per value of the first nibble.
  static constexpr std::uint32_t kLinesPerOrder2Context = 17;

 private:
  static constexpr int kMaxInputs = 8;  // counters + bias, padded
  static constexpr int kBiasInput = 256;
  static constexpr std::uint32_t kCounterInit = 0x80000000u;  // stored XOR this: 0 = p 0.5, n 0
  static constexpr int kSseBuckets = 33;

  // A counter is 22 bits of P(1) above a 10-bit hit count, stored XOR kCounterInit so that
  // zeroed (lazily mapped) memory already holds "p = 0.5, never seen".
  static std::uint32_t counter_p16(std::uint32_t raw) { return (raw ^ kCounterInit) >> 16; }
  void update_counter(std::uint32_t& raw, int bit, std::uint32_t limit) {
    const std::uint32_t e = raw ^ kCounterInit;
    std::uint32_t n = e & 1023;
    const std::int64_t p22 = e >> 10;
    const std::int64_t target = bit ? (1 << 22) - 1 : 0;
    const std::int64_t next = p22 + (((target - p22) * model_detail::kRecip[n]) >> 16);
    if (n < limit) ++n;
    raw = ((static_cast<std::uint32_t>(next) << 10) | n) ^ kCounterInit;
  }

  static int clamp_stretch(std::int64_t x) {
    return x > kStretchLimit ? kStretchLimit : (x < -kStretchLimit ? -kStretchLimit : static_cast<int>(x));
  }
  static std::uint32_t clamp_p(std::uint32_t p) { return p < 32 ? 32 : (p > 65504 ? 65504 : p); }

  static constexpr int counters_for(std::uint8_t flags) {
    return 3 + ((flags & kFlagOrder3) != 0 ? 1 : 0) + ((flags & kFlagOrder4) != 0 ? 1 : 0);
  }

  template <int kInputs>
  void train_mixer(int bit) {
    const std::int64_t err = (static_cast<std::int64_t>(bit) << 16) - p_mix_;
    std::int32_t* w = &weights_[c0_ * kMaxInputs];
    for (int i = 0; i < kInputs; ++i) {
      std::int64_t next = w[i] + ((st_[i] * err * params_.mixer_rate) >> 20);
      if (next > kMaxWeight) next = kMaxWeight;
      if (next < -kMaxWeight) next = -kMaxWeight;
      w[i] = static_cast<std::int32_t>(next);
    }
  }

  // SSE: P(1) as a function of the mixer's output, per (order-1 byte, bit-tree node), by linear
  // interpolation between 33 buckets spread evenly over the stretch domain.
  std::uint32_t sse_predict() {
    const int pos = mix_x_ + 2048;  // 1 .. 4095
    sse_index_ = (c1_base_ + c0_) * kSseBuckets + static_cast<std::uint32_t>(pos >> 7);
    sse_weight_ = static_cast<std::uint32_t>(pos & 127);
    const std::uint32_t bucket = static_cast<std::uint32_t>(pos >> 7);
    const std::uint32_t a = sse_value(sse_index_, bucket);
    const std::uint32_t b = sse_value(sse_index_ + 1, bucket + 1);
    return (a * (128 - sse_weight_) + b * sse_weight_) >> 7;
  }
  // SSE entries hold their offset from the identity map modulo 2^16, so zeroed memory is the
  // identity map and needs no initialization pass (cheap models for small blocks).
  std::uint32_t sse_value(std::uint32_t index, std::uint32_t bucket) const {
    return static_cast<std::uint16_t>(sse_identity_[bucket] + sse_[index]);
  }
  void sse_update(int bit) {
    // Moves the nearer bucket by 1/64 of the error (the farther one is left for its own region).
    const std::uint32_t near = sse_weight_ >= 64 ? 1 : 0;
    const std::uint32_t i = sse_index_ + near;
    const std::uint32_t bucket = (i - sse_index_) + (static_cast<std::uint32_t>(mix_x_ + 2048) >> 7);
    const std::int32_t p = static_cast<std::int32_t>(sse_value(i, bucket));
    const std::int32_t target = bit ? 65535 : 0;
    const std::int32_t next = p + ((target - p) >> 6);
    sse_[i] = static_cast<std::uint16_t>(next - sse_identity_[bucket]);
  }

  void end_of_byte(std::uint8_t byte);
  // Orders 2+ keep the 15 nodes of each nibble in one 16-entry line (one cache line), chosen at
  // each nibble boundary from the context and the bits of the byte seen so far.
  void select_lines();
  struct Lines {
    std::uint32_t o2 = 0, o3 = 0, o4 = 0;
  };
  Lines lines_for(std::uint32_t history, std::uint32_t c0) const {
    Lines l;
    // c0 is 1 at the first nibble and 16..31 (1, then the high nibble) at the second.
    const std::uint32_t line = c0 == 1 ? 0 : c0 - 15;
    l.o2 = ((history & 0xffff) * kLinesPerOrder2Context + line) << 4;
    // Hashed orders: one line per (context, nibble so far), no collision detection; the mixer
    // learns how far to trust them.
    constexpr int kSlotShift = 32 - (kHashBits - 4);
    if (params_.has(kFlagOrder3)) {
      const std::uint32_t h = ((history & 0xffffff) + 0x1000000u * 3) * 0x9E3779B1u;
      l.o3 = ((h ^ (c0 * 0x85EBCA6Bu)) * 0xC2B2AE35u >> kSlotShift) << 4;
    }
    if (params_.has(kFlagOrder4)) {
      const std::uint32_t h = (history * 0x2545F491u) ^ (history >> 15) ^ 0x5BD1E995u;
      l.o4 = (((h * 0x9E3779B1u) ^ (c0 * 0x27D4EB2Fu)) * 0x165667B1u >> kSlotShift) << 4;
    }
    return l;
  }

  // The next nibble's lines are usually cache misses. A few bits before the nibble ends there
  // are only a few candidates, so all their lines are prefetched while the last bits are coded.
  static constexpr std::uint32_t kPrefetchAt = 4;  // after 2 bits of the nibble: 4 candidates
  void prefetch_next_lines() {
    constexpr std::uint32_t kBitsLeft = kPrefetchAt == 2 ? 3 : kPrefetchAt == 4 ? 2 : 1;
    for (std::uint32_t tail = 0; tail < (1u << kBitsLeft); ++tail) {
      const std::uint32_t next_c0 = (c0_ << kBitsLeft) | tail;
      const Lines l = next_c0 >= 256 ? lines_for((history_ << 8) | (next_c0 & 0xff), 1)
                                     : lines_for(history_, next_c0);
      __builtin_prefetch(&t2_[l.o2]);
      if (params_.has(kFlagOrder3)) __builtin_prefetch(&t3_[l.o3]);
      if (params_.has(kFlagOrder4)) __builtin_prefetch(&t4_[l.o4]);
    }
  }

  explicit Model(const Params& p);
  bool allocate(bool huge_pages);

  static constexpr std::int64_t kMaxWeight = std::int64_t{1} << 24;

  // Zero-filled memory straight from the OS: pages a block never touches cost nothing, which
  // keeps small blocks cheap although the tables are large.
  template <typename T>
  class Table {
   public:
    Table() = default;
    Table(const Table&) = delete;
    Table& operator=(const Table&) = delete;
    ~Table() { release(); }
    bool allocate(std::uint64_t count, bool huge_pages = false) {
      release();
      data_ = static_cast<T*>(map_zeroed(count * sizeof(T), huge_pages));
      bytes_ = data_ != nullptr ? count * sizeof(T) : 0;
      return data_ != nullptr;
    }
    T& operator[](std::uint64_t i) { return data_[i]; }
    const T& operator[](std::uint64_t i) const { return data_[i]; }
    explicit operator bool() const { return data_ != nullptr; }
    void clear() {
      if (data_ != nullptr) zero_mapped(data_, bytes_);
    }

   private:
    void release() {
      if (data_ != nullptr) unmap(data_, bytes_);
      data_ = nullptr;
    }
    T* data_ = nullptr;
    std::uint64_t bytes_ = 0;
  };
  static void* map_zeroed(std::uint64_t bytes, bool huge_pages);
  static void unmap(void* p, std::uint64_t bytes);
  static void zero_mapped(void* p, std::uint64_t bytes);
  void init_state();

  Params params_;
  const LogisticTables& lt_;
  Table<std::uint32_t> t0_, t1_, t2_, t3_, t4_;
  Table<std::int32_t> weights_;
  Table<std::uint16_t> sse_;
  std::uint16_t sse_identity_[kSseBuckets + 1] = {};

  // Bit-tree node of the current byte (1..255) and of the current nibble (1..15).
  std::uint32_t c0_ = 1;
  std::uint32_t nibble_ = 1;
  std::uint32_t history_ = 0;  // the last four bytes, most recent in the low byte
  std::uint32_t c1_base_ = 0, o2_line_ = 0, o3_line_ = 0, o4_line_ = 0;

  std::uint32_t* slots_[kMaxInputs] = {};
  std::int64_t st_[kMaxInputs] = {};
  int mix_x_ = 0;
  std::uint32_t p_mix_ = 32768;
  std::uint32_t sse_index_ = 0, sse_weight_ = 0;
};

// Calls fn(std::integral_constant<std::uint8_t, F>{}) with F == flags, so that the coding loop
// is compiled once per model configuration.
template <typename Fn>
decltype(auto) with_flags(std::uint8_t flags, Fn&& fn) {
  static_assert(kKnownFlags == 7, "with_flags lists every combination of the known flags");
  switch (flags & kKnownFlags) {
    case 0: return fn(std::integral_constant<std::uint8_t, 0>{});
    case 1: return fn(std::integral_constant<std::uint8_t, 1>{});
    case 2: return fn(std::integral_constant<std::uint8_t, 2>{});
    case 3: return fn(std::integral_constant<std::uint8_t, 3>{});
    case 4: return fn(std::integral_constant<std::uint8_t, 4>{});
    case 5: return fn(std::integral_constant<std::uint8_t, 5>{});
    case 6: return fn(std::integral_constant<std::uint8_t, 6>{});
    default: return fn(std::integral_constant<std::uint8_t, 7>{});
  }
}

// Teaches m the bytes of `prime` as if it had coded them. An encoder and a decoder that both do
// this before their first byte start from the same model (the log codec primes its streams from
// the dictionary frame).
void learn(Model& m, ByteSpan prime);

}  // namespace kolmo::o2
