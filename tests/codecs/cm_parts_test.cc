// The cm model's parts on their own: the integer logistic tables, the bit-history state machine,
// the block parameters and the per-level table sizes.
#include <gtest/gtest.h>

#include "codecs/cm/cm_config.h"
#include "codecs/cm/cm_logistic.h"
#include "codecs/cm/cm_model.h"
#include "codecs/cm/cm_params.h"
#include "codecs/cm/cm_state_table.h"

namespace kolmo::cm {
namespace {

TEST(CmLogistic, SquashIsMonotoneAndSymmetric) {
  const LogisticTables& t = logistic_tables();
  EXPECT_EQ(squash(t, 0), 32768u);
  for (int x = -kStretchMax; x < kStretchMax; ++x) {
    EXPECT_LE(squash(t, x), squash(t, x + 1)) << x;
    EXPECT_EQ(squash(t, x) + squash(t, -x), 65536u) << x;
  }
  EXPECT_GE(squash(t, -kStretchMax), 1u);
  EXPECT_LE(squash(t, kStretchMax), 65535u);
  EXPECT_EQ(squash(t, 100000), squash(t, kStretchMax));  // clamped, not out of bounds
}

TEST(CmLogistic, StretchInvertsSquash) {
  const LogisticTables& t = logistic_tables();
  for (int x = -1500; x <= 1500; x += 7) {
    // stretch() reads p16 in 4096 buckets of 16: fine near p = 1/2, coarser towards the tails,
    // where one bucket spans up to about 20 stretch units at |x| = 1500.
    EXPECT_NEAR(stretch(t, squash(t, x)), x, 24) << x;
  }
}

TEST(CmStateTable, TransitionsCountBitsAndStayInRange) {
  const StateTable& st = state_table();
  ASSERT_GT(st.count, 100);
  ASSERT_LE(st.count, 256);
  EXPECT_EQ(st.n0[0] + st.n1[0], 0);  // state 0 is "never seen": zeroed memory
  const int one = st.next[0][1], zero = st.next[0][0];
  EXPECT_EQ(st.n1[one], 1);
  EXPECT_EQ(st.n0[one], 0);
  EXPECT_EQ(st.n0[zero], 1);
  for (int s = 0; s < st.count; ++s) {
    for (int bit = 0; bit < 2; ++bit) {
      const int next = st.next[s][bit];
      ASSERT_LT(next, st.count);
      // The observed bit's count never falls (except when capped at its maximum) and the
      // other count never grows.
      const int agree = bit ? st.n1[s] : st.n0[s];
      const int agree_next = bit ? st.n1[next] : st.n0[next];
      const int other = bit ? st.n0[s] : st.n1[s];
      const int other_next = bit ? st.n0[next] : st.n1[next];
      EXPECT_LE(other_next, other) << s << " " << bit;
      EXPECT_GE(agree_next + other, agree) << s << " " << bit;
    }
  }
  // States are numbered by total count: the hash table uses the number as its priority.
  for (int s = 1; s < st.count; ++s) {
    EXPECT_LE(st.n0[s - 1] + st.n1[s - 1], st.n0[s] + st.n1[s]) << s;
  }
}

TEST(CmParams, SerializeParseRoundTripAndSizesFollowTheBlock) {
  for (int level = 1; level <= 9; ++level) {
    for (std::uint64_t size : {std::uint64_t{1}, std::uint64_t{5000}, std::uint64_t{1} << 20,
                               std::uint64_t{64} << 20}) {
      const Params p = params_for(level, size);
      Expected<Params> back = parse_params(serialize_params(p));
      ASSERT_TRUE(back.ok()) << back.status().to_string();
      EXPECT_EQ(back->level, level);
      EXPECT_EQ(back->hash_bits, p.hash_bits);
      EXPECT_EQ(back->match_bits, p.match_bits);
      EXPECT_FALSE(back->text_transform);
      EXPECT_LE(p.hash_bits, level_config(level).max_hash_bits);
      EXPECT_LE(model_memory_bytes(p), std::uint64_t{2} << 30);
    }
    // Small blocks get small tables.
    EXPECT_LT(model_memory_bytes(params_for(level, 1000)),
              model_memory_bytes(params_for(level, std::uint64_t{64} << 20)));
  }
}

TEST(CmLevelConfig, EveryLevelFitsTheMixerAndSseLimits) {
  for (int level = 1; level <= 9; ++level) {
    const LevelConfig c = level_config(level);
    EXPECT_GE(c.mixer_selectors, 1) << level;
    EXPECT_LE(c.mixer_selectors, Mixer::kMaxSets) << level;
    EXPECT_GE(c.apms, 1) << level;
    EXPECT_LE(c.apms, 3) << level;
    EXPECT_GT(c.initial_weight, 0) << level;
    EXPECT_EQ(c.contexts >> kContextKinds, 0u) << level;  // only known context kinds
  }
  // Stronger levels model a superset of the contexts of weaker ones from level 5 on.
  for (int level = 6; level <= 9; ++level) {
    const std::uint32_t below = level_config(level - 1).contexts;
    EXPECT_EQ(level_config(level).contexts & below, below) << level;
  }
}

}  // namespace
}  // namespace kolmo::cm
