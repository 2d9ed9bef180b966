#include "codecs/cm/cm_state_table.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace kolmo::cm {
namespace {

// The largest count allowed next to a smaller count of m: long runs are kept precisely only while
// the other bit was (almost) never seen; mixed histories keep coarse counts.
constexpr std::array<int, 7> kMaxCountBesideMin = {60, 30, 18, 11, 8, 7, 6};

bool allowed(int n0, int n1) {
  const int lo = std::min(n0, n1);
  const int hi = std::max(n0, n1);
  return lo < static_cast<int>(kMaxCountBesideMin.size()) &&
         hi <= kMaxCountBesideMin[static_cast<std::size_t>(lo)];
}

// The count that disagrees with a new bit: kept up to 2, less one up to 6, about a third beyond.
// (Round 7c, enwik8 1 MB, against rounds 1-6's `n <= 1 ? n : n <= 4 ? n - 1 : n / 4 + 2`: milder
// discounts paid at both levels: keeping 2 and n - 1 up to 6 with n / 4 + 3 beyond bought 154 B
// at level 9 and 169 B at level 5; beyond 6, n / 3 + 3 saved 67 B more at level 5, n / 2 + 2
// only 53 B more. An older test on text found halving beyond 2 about 0.2 % worse.)
int discount(int n) { return n <= 2 ? n : (n <= 6 ? n - 1 : n / 3 + 3); }

StateTable build() {
  std::vector<std::pair<int, int>> pairs;  // (n0, n1)
  for (int total = 0; total <= 2 * kMaxCountBesideMin[0]; ++total) {
    for (int n1 = 0; n1 <= total; ++n1) {
      if (allowed(total - n1, n1)) pairs.emplace_back(total - n1, n1);
    }
  }
  StateTable t{};
  t.count = static_cast<int>(pairs.size());  // 245 with the bounds above (at most 256 fit a byte)
  auto index_of = [&](int n0, int n1) {
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      if (pairs[i].first == n0 && pairs[i].second == n1) return static_cast<int>(i);
    }
    return 0;  // unreachable: transitions are made allowed first
  };
  for (int s = 0; s < 256; ++s) {
    if (s >= t.count) {
      t.next[s][0] = t.next[s][1] = static_cast<std::uint8_t>(s);
      continue;
    }
    const auto [n0, n1] = pairs[static_cast<std::size_t>(s)];
    t.n0[s] = static_cast<std::uint8_t>(n0);
    t.n1[s] = static_cast<std::uint8_t>(n1);
    for (int bit = 0; bit < 2; ++bit) {
      int agree = (bit != 0 ? n1 : n0) + 1;
      int other = discount(bit != 0 ? n0 : n1);
      // Out of bounds: first forget the minority count, then cap the run.
      while (!allowed(bit != 0 ? other : agree, bit != 0 ? agree : other)) {
        if (other > 0 && other <= agree) {
          --other;
        } else {
          --agree;
        }
      }
      t.next[s][bit] = static_cast<std::uint8_t>(bit != 0 ? index_of(other, agree)
                                                            : index_of(agree, other));
    }
  }
  return t;
}

}  // namespace

const StateTable& state_table() {
  static const StateTable table = build();
  return table;
}

}  // namespace kolmo::cm
