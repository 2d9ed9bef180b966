#include "codecs/cm/cm_components.h"

#include <algorithm>
#include <cstring>

namespace kolmo::cm {

namespace {
constexpr std::int32_t kMaxWeight = std::int32_t{1} << 22;  // +-64.0
}

void Mixer::init(const std::vector<std::int32_t>& initial, const std::vector<int>& set_sizes,
                 int final_contexts, int rate) {
  inputs_ = static_cast<int>(initial.size());
  stride_ = (inputs_ + 7) & ~7;
  sets_ = static_cast<int>(set_sizes.size());
  rate_ = rate;
  std::uint32_t total = 0;
  for (int s = 0; s < sets_; ++s) {
    offsets_[static_cast<std::size_t>(s)] = total;
    total += static_cast<std::uint32_t>(set_sizes[static_cast<std::size_t>(s)]);
  }
  // Every weight set starts as the same row (copied whole: set-up cost matters for small blocks).
  std::vector<std::int32_t> row(static_cast<std::size_t>(stride_), 0);
  std::copy(initial.begin(), initial.end(), row.begin());
  weights_.reset(new std::int32_t[static_cast<std::size_t>(total) * row.size()]);
  for (std::size_t set = 0; set < total; ++set) {
    std::memcpy(&weights_[set * row.size()], row.data(), row.size() * sizeof(std::int32_t));
  }
  for (int s = 0; s < sets_; ++s) chosen_[static_cast<std::size_t>(s)] = &weights_[0];
  final_weights_.assign(static_cast<std::size_t>(final_contexts) * kMaxSets, 65536 / sets_);
  final_chosen_ = &final_weights_[0];
}

int Mixer::mix() {
  const LogisticTables& lt = logistic_tables();
  for (int s = 0; s < sets_; ++s) {
    set_st_[s] = dot(chosen_[static_cast<std::size_t>(s)], x_, inputs_);
    set_p_[s] = squash(lt, set_st_[s]);
  }
  if (sets_ == 1) {
    p_ = set_p_[0];
    return set_st_[0];
  }
  const int st = dot(final_chosen_, set_st_, sets_);
  p_ = squash(lt, st);
  return st;
}

void Mixer::train(std::int32_t* w, const int* x, int n, int err, int rate) {
  // err: 16-bit probability error. x * err * rate stays below 2^11 * 2^16 * 2^7 = 2^34: 64-bit. A rate of
  // 16 moves a weight by x * err / 2^16, i.e. one unit of stretch times one of probability.
  for (int i = 0; i < n; ++i) {
    std::int64_t next = w[i] + ((static_cast<std::int64_t>(x[i]) * err * rate) >> 20);
    if (next > kMaxWeight) next = kMaxWeight;
    if (next < -kMaxWeight) next = -kMaxWeight;
    w[i] = static_cast<std::int32_t>(next);
  }
}

void Mixer::update(int bit) {
  const int target = bit != 0 ? 65536 : 0;
  for (int s = 0; s < sets_; ++s) {
    const int err = target - static_cast<int>(set_p_[s]);
    train(chosen_[static_cast<std::size_t>(s)], x_, inputs_, err, rate_);
  }
  if (sets_ > 1) train(final_chosen_, set_st_, sets_, target - static_cast<int>(p_), rate_);
  n_ = 0;
}

}  // namespace kolmo::cm
