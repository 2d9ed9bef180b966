#include "codecs/cm/cm_components.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <new>

#include "codecs/cm/cm_mixer_simd.h"

namespace kolmo::cm {

namespace {
constexpr std::int32_t kMaxWeight = std::int32_t{1} << 22;  // +-64.0
// The test switch of set_simd_enabled(); read by init(). (Set only while no mixer is built on
// another thread: tests, single-threaded.)
bool simd_enabled = true;
}  // namespace

void Mixer::set_simd_enabled(bool enabled) { simd_enabled = enabled; }
bool Mixer::simd_available() { return simd::avx2_available(); }

void Mixer::init(const std::vector<std::int32_t>& initial, const std::vector<int>& set_sizes,
                 int final_contexts, int rate, const std::vector<int>& input_rates,
                 int final_rate, int final_contexts2, bool round_updates) {
  inputs_ = static_cast<int>(initial.size());
  stride_ = (inputs_ + 7) & ~7;
  sets_ = static_cast<int>(set_sizes.size());
  rate_ = rate;
  final_rate_ = final_rate != 0 ? final_rate : rate;
  round_ = round_updates;
  simd_ = simd_enabled && simd::avx2_available();
  input_rates_.assign(static_cast<std::size_t>(stride_), rate * 16);
  for (std::size_t i = 0; i < input_rates.size() && i < input_rates_.size(); ++i) {
    input_rates_[i] = rate * input_rates[i];
  }
  // The SIMD update keeps x * rate in 32 bits: exact for stretch inputs (|x| < 2^15) while every
  // rate is below 2^16 (levels use below 2^11).
  for (const std::int32_t r : input_rates_) simd_ = simd_ && r < (1 << 16) && r > -(1 << 16);
  std::uint32_t total = 0;
  for (int s = 0; s < sets_; ++s) {
    offsets_[static_cast<std::size_t>(s)] = total;
    total += static_cast<std::uint32_t>(set_sizes[static_cast<std::size_t>(s)]);
  }
  // Every weight set starts as the same row (copied whole: set-up cost matters for small blocks).
  std::vector<std::int32_t> row(static_cast<std::size_t>(stride_), 0);
  std::copy(initial.begin(), initial.end(), row.begin());
  total_sets_ = total;
  // Read at random (one row per selector per bit) and filled whole below: huge pages.
  if (!weight_memory_.allocate(std::uint64_t{total} * row.size() * sizeof(std::int32_t),
                               ZeroedTable::kHugeFromFilled)) {
    throw std::bad_alloc();
  }
  weights_ = weight_memory_.as<std::int32_t>();
  for (std::size_t set = 0; set < total; ++set) {
    std::memcpy(&weights_[set * row.size()], row.data(), row.size() * sizeof(std::int32_t));
  }
  for (int s = 0; s < sets_; ++s) chosen_[static_cast<std::size_t>(s)] = &weights_[0];
  finals_count_ = 0;
  (void)add_final(final_contexts);
  if (final_contexts2 > 0) (void)add_final(final_contexts2);
}

int Mixer::add_final(int contexts) {
  if (finals_count_ == kMaxFinals || contexts <= 0) return -1;
  Final& f = finals_[static_cast<std::size_t>(finals_count_)];
  f.weights.assign(static_cast<std::size_t>(contexts) * kMaxSets, 65536 / sets_);
  f.chosen = &f.weights[0];
  f.set = 0;
  f.boost.boost = final_boost_;
  f.boost.horizon = final_horizon_;
  if (final_boost_ != 0) f.boost.counts.assign(static_cast<std::size_t>(contexts), 0);
  return finals_count_++;
}

void Mixer::set_adaptation(int boost, int horizon) {
  boost_.boost = boost;
  boost_.horizon = horizon > 0 ? horizon : 1;
  boost_.counts.assign(total_sets_, 0);
}

void Mixer::set_final_adaptation(int boost, int horizon) {
  final_boost_ = boost;
  final_horizon_ = horizon > 0 ? horizon : 1;
  for (int k = 0; k < finals_count_; ++k) {
    Boost& b = finals_[static_cast<std::size_t>(k)].boost;
    b.boost = final_boost_;
    b.horizon = final_horizon_;
    b.counts.assign(finals_[static_cast<std::size_t>(k)].weights.size() / kMaxSets, 0);
  }
}

// err x (16 + boost * horizon / (n + horizon)) / 16 for a set updated n times, and counts the
// update. |err| <= 2^16 and the factor < 2^10 / 16: the product fits 32 bits; the division
// truncates towards zero, the same on every compiler.
int Mixer::Boost::scale(int err, std::uint32_t set) {
  if (counts.empty()) return err;
  std::uint16_t& n = counts[set];
  const int m16 = 16 + boost * horizon / (static_cast<int>(n) + horizon);
  if (n < 65535) ++n;
  return err * m16 / 16;
}

// Round 9m: each never-updated set chosen by selectors 1.. moves halfway to selector 0's row
// (selected first, dense, well trained), each weight rounded towards zero. Before the dot
// products, so that the set's first prediction already uses it.
void Mixer::warm_start_sets() {
  if (boost_.counts.empty()) return;
  const std::int32_t* source = chosen_[0];
  for (int s = 1; s < sets_; ++s) {
    if (boost_.counts[chosen_set_[static_cast<std::size_t>(s)]] != 0) continue;
    std::int32_t* w = chosen_[static_cast<std::size_t>(s)];
    for (int i = 0; i < inputs_; ++i) w[i] = (w[i] + source[i]) / 2;
  }
}

// Round 9m: a final mixer's never-updated set takes the first final mixer's current weights.
void Mixer::warm_start_final(int k) {
  Final& f = finals_[static_cast<std::size_t>(k)];
  if (f.boost.counts.empty() || f.boost.counts[f.set] != 0) return;
  std::memcpy(f.chosen, finals_[0].chosen, static_cast<std::size_t>(sets_) * sizeof(std::int32_t));
}

// The first layer: each selected set's dot product (AVX2 or scalar, the same sums).
void Mixer::mix_sets() {
  const LogisticTables& lt = logistic_tables();
  if (warm_start_) warm_start_sets();
  for (int s = 0; s < sets_; ++s) {
    const std::int32_t* w = chosen_[static_cast<std::size_t>(s)];
    set_st_[s] = simd_ ? clamp_stretch(static_cast<int>(simd::dot_avx2(w, x_, inputs_) >> 16))
                       : dot(w, x_, inputs_);
    set_p_[s] = squash(lt, set_st_[s]);
  }
}

int Mixer::mix() {
  const LogisticTables& lt = logistic_tables();
  mix_sets();
  if (sets_ == 1) {
    p_ = set_p_[0];
    return set_st_[0];
  }
  // The final mixers' stretches, averaged (the sum truncated towards zero, as with two: (a + b) / 2).
  int sum = 0;
  for (int k = 0; k < finals_count_; ++k) {
    if (warm_start_ && k > 0) warm_start_final(k);
    Final& f = finals_[static_cast<std::size_t>(k)];
    f.st = dot(f.chosen, set_st_, sets_);
    f.p = squash(lt, f.st);
    sum += f.st;
  }
  if (finals_count_ == 1) {
    p_ = finals_[0].p;
    return finals_[0].st;
  }
  const int st = sum / finals_count_;
  p_ = squash(lt, st);
  return st;
}

void Mixer::train(std::int32_t* w, const int* x, int n, int err, int rate, int half) {
  // err: probability error in 1/65536 (up to 2^5 times that with the weight-set boost): x * err *
  // rate stays below 2^11 * 2^21 * 2^7 = 2^39: 64-bit. A rate of 16 moves a weight by
  // x * err / 2^16, i.e. one unit of stretch times one of probability.
  // half: 2^19 rounds the step to nearest (levels 5-9), 0 floors it.
  for (int i = 0; i < n; ++i) {
    std::int64_t next = w[i] + ((static_cast<std::int64_t>(x[i]) * err * rate + half) >> 20);
    if (next > kMaxWeight) next = kMaxWeight;
    if (next < -kMaxWeight) next = -kMaxWeight;
    w[i] = static_cast<std::int32_t>(next);
  }
}

// The first layer's update: train() with each input's own rate (rate x multiplier / 16, below
// 2^5 x 2^6: with a boosted err the product stays below 2^43) and, if asked, rounded to nearest
// instead of floored (the floor drifts every weight towards minus infinity; rounding bought
// 0.15 % at level 9).
void Mixer::train_scaled(std::int32_t* w, int err) const {
  const std::int64_t half = round_ ? (std::int64_t{1} << 23) : 0;
  for (int i = 0; i < inputs_; ++i) {
    const std::int64_t step = static_cast<std::int64_t>(x_[i]) * err *
                              input_rates_[static_cast<std::size_t>(i)];
    std::int64_t next = w[i] + ((step + half) >> 24);
    if (next > kMaxWeight) next = kMaxWeight;
    if (next < -kMaxWeight) next = -kMaxWeight;
    w[i] = static_cast<std::int32_t>(next);
  }
}

// The first layer's update. The SIMD path multiplies x by its rate once for all sets: the
// product fits 32 bits (stretch inputs, rates below 2^16: see init()), and (x * rate) * err in
// 64 bits is then the scalar path's step.
void Mixer::train_sets(int target) {
  if (simd_) {
    for (int i = 0; i < inputs_; ++i) {
      scaled_x_[i] = x_[i] * input_rates_[static_cast<std::size_t>(i)];
    }
  }
  const std::int64_t half = round_ ? (std::int64_t{1} << 23) : 0;
  for (int s = 0; s < sets_; ++s) {
    std::int32_t* w = chosen_[static_cast<std::size_t>(s)];
    const int err = boost_.scale(target - static_cast<int>(set_p_[s]),
                                 chosen_set_[static_cast<std::size_t>(s)]);
    if (simd_) {
      simd::train_avx2(w, scaled_x_, inputs_, err, half, kMaxWeight);
    } else {
      train_scaled(w, err);
    }
  }
}

void Mixer::update(int bit) {
  const int target = bit != 0 ? 65536 : 0;
  train_sets(target);
  if (sets_ == 1) {
    n_ = 0;
    return;
  }
  // Each final mixer learns from its own error, not from their average's.
  const int half = round_ ? 1 << 19 : 0;
  for (int k = 0; k < finals_count_; ++k) {
    Final& f = finals_[static_cast<std::size_t>(k)];
    train(f.chosen, set_st_, sets_, f.boost.scale(target - static_cast<int>(f.p), f.set),
          final_rate_, half);
  }
  n_ = 0;
}

}  // namespace kolmo::cm
