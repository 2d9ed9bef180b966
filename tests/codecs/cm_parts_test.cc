// The cm model's parts on their own: the integer logistic tables, the bit-history state machine,
// the block parameters, the per-level table sizes, the mixer (with its weight-set boost) and the
// APM's update.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "codecs/cm/cm_config.h"
#include "codecs/cm/cm_learning.h"
#include "codecs/cm/cm_logistic.h"
#include "codecs/cm/cm_memory.h"
#include "codecs/cm/cm_model.h"
#include "codecs/cm/cm_params.h"
#include "codecs/cm/cm_state_table.h"
#include "codecs/cm/cm_word_state.h"
#include "cm_test_util.h"

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

// Round 7c's discount: a disagreeing bit keeps an opposing count of 1 or 2 whole (a context
// seen twice either way stays "mixed, both seen twice"), and cuts a long run's count.
TEST(CmStateTable, DisagreeingBitKeepsSmallCountsAndCutsLongRuns) {
  const StateTable& st = state_table();
  for (int run = 1; run <= 40; ++run) {
    int s = 0;
    for (int k = 0; k < run; ++k) s = st.next[s][1];
    ASSERT_EQ(st.n1[s], run);
    ASSERT_EQ(st.n0[s], 0);
    const int after = st.next[s][0];
    EXPECT_EQ(st.n0[after], 1) << run;
    if (run <= 2) {
      EXPECT_EQ(st.n1[after], run) << run;
    }
    if (run >= 12) {
      EXPECT_LE(st.n1[after], run / 2 + 1) << run;
    }
    EXPECT_GE(st.n1[after], run <= 2 ? run : 2) << run;
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
    // Only known context kinds (the shift is 64-bit: kContextKinds may be 32).
    EXPECT_EQ(std::uint64_t{c.contexts} >> kContextKinds, 0u) << level;
    // The mixer's inputs are sized for kMaxLevelContexts contexts.
    EXPECT_LE(__builtin_popcountll(c.contexts), kMaxLevelContexts) << level;
    // The final mixer's "what is known" context (0..10) exists only with selection by order.
    EXPECT_TRUE(!c.final_by_order || c.select_by_order) << level;
    EXPECT_GT(c.main_rate, 0) << level;
  }
  // Stronger levels model a superset of the contexts of weaker ones from level 5 on, but for
  // those that level 9 leaves out (two since round 7a, five since round 10c: they cost bytes or
  // bought nothing there), which levels 7 and 8, its lighter forms since round 9, leave out too.
  const std::uint64_t level9_drops = std::uint64_t{1} << kColumn |
                                     std::uint64_t{1} << kShapeLong | round10c_dropped_contexts();
  for (int level = 6; level <= 9; ++level) {
    // (Level 8 keeps round 9's contexts: it has round 10c's drops but not its token pair.)
    const std::uint64_t later = level9_drops | round10c_added_contexts();
    const std::uint64_t below = level_config(level - 1).contexts & (level >= 7 ? ~later : ~0ull);
    EXPECT_EQ(level_config(level).contexts & below, below) << level;
  }
}

// Round 8r: only level 9 (and level 8, which learns as level 9 since round 9) leaves out
// selectors of its own; the lower levels keep all of theirs, so that their weight sets stay as in
// earlier rounds.
TEST(CmLearningConfig, LevelsBelow8KeepEverySelector) {
  EXPECT_EQ(learning_config(8).dropped_selectors, learning_config(9).dropped_selectors);
  for (int level = 1; level <= 7; ++level) {
    EXPECT_EQ(learning_config(level).dropped_selectors, 0u) << level;
  }
}

// Since round 10s every level learns the same with the SSM input as without it, but for level 9's
// round 10x selector (next test).
TEST(CmLearningConfig, SsmLearnsAsTheLevel) {
  for (int level = 1; level <= 8; ++level) {
    const LearningConfig l = learning_config(level, true);
    const LearningConfig plain = learning_config(level);
    EXPECT_EQ(l.dropped_selectors, plain.dropped_selectors) << level;
    EXPECT_EQ(l.extra_selectors, plain.extra_selectors) << level;
    EXPECT_EQ(l.extra_finals, plain.extra_finals) << level;
    EXPECT_EQ(l.mixer_rate, plain.mixer_rate) << level;
    EXPECT_EQ(l.order2_match_sse, plain.order2_match_sse) << level;
  }
}

// Round 10x: level 9 with the SSM input selects weights by the SSM's confidence in place of the
// order 3 x node selector (the same number of selectors, of weight sets and of final mixers); the
// plain level and every other level never use that selector.
TEST(CmLearningConfig, Level9WithSsmSelectsBySsmConfidenceInsteadOfOrder3) {
  const LearningConfig plain = learning_config(9);
  const LearningConfig ssm = learning_config(9, true);
  EXPECT_NE(plain.extra_selectors & kSelectOrder3Node, 0u);
  EXPECT_EQ(plain.extra_selectors & kSelectSsmNode, 0u);
  EXPECT_EQ(ssm.extra_selectors & kSelectOrder3Node, 0u);
  EXPECT_NE(ssm.extra_selectors & kSelectSsmNode, 0u);
  EXPECT_EQ(__builtin_popcount(ssm.extra_selectors), __builtin_popcount(plain.extra_selectors));
  EXPECT_EQ(ssm.dropped_selectors, plain.dropped_selectors);
  EXPECT_EQ(ssm.extra_finals, plain.extra_finals);
  EXPECT_EQ(ssm.mixer_rate, plain.mixer_rate);
  EXPECT_EQ(ssm.order2_match_sse, plain.order2_match_sse);
  // The mixer's memory is the plain level's: one 65,536-set selector for another.
  for (const std::uint64_t block : {std::uint64_t{1000}, std::uint64_t{1} << 20}) {
    Params with_ssm = params_for(9, block);
    with_ssm.ssm = true;
    const Params without = params_for(9, block);
    EXPECT_GE(model_memory_bytes(with_ssm), model_memory_bytes(without)) << block;
  }
  for (int level = 1; level <= 9; ++level) {
    EXPECT_EQ(learning_config(level).extra_selectors & kSelectSsmNode, 0u) << level;
    if (level != 9) {
      EXPECT_EQ(learning_config(level, true).extra_selectors & kSelectSsmNode, 0u) << level;
    }
  }
}

TEST(CmLearningConfig, EveryLevelFitsTheMixersLimits) {
  for (int level = 1; level <= 9; ++level) {
    const LearningConfig l = learning_config(level);
    const int extra = __builtin_popcount(l.extra_selectors);
    const int dropped = __builtin_popcount(l.dropped_selectors);
    EXPECT_LE(level_config(level).mixer_selectors - dropped + extra, Mixer::kMaxSets) << level;
    EXPECT_EQ(l.extra_selectors & ~unsigned{kSelectOrder2 | kSelectOrder3Node | kSelectShape |
                                            kSelectMarkupNode},
              0u)
        << level;
    // Round 8r: only the level's own selectors can be left out, and at least one stays.
    EXPECT_EQ(l.dropped_selectors >> level_config(level).mixer_selectors, 0u) << level;
    EXPECT_LT(dropped, level_config(level).mixer_selectors) << level;
    for (int boost : {l.set_boost, l.final_boost}) {
      EXPECT_GE(boost, 0) << level;
      EXPECT_LT(boost, 512) << level;  // Mixer::set_adaptation's bound
    }
    EXPECT_GE(l.set_horizon, 1) << level;
    EXPECT_GE(l.final_horizon, 1) << level;
    // Round 7b: the level's final mixers plus the extra ones fit Mixer::kMaxFinals.
    const int finals = 1 + (level_config(level).second_final_by_match ? 1 : 0) +
                       __builtin_popcount(l.extra_finals);
    EXPECT_LE(finals, Mixer::kMaxFinals) << level;
    EXPECT_GE(l.mixer_rate, 0) << level;
    EXPECT_EQ(l.extra_finals & ~unsigned{kFinalShapeNode | kFinalShortShape | kFinalMarkupNode},
              0u)
        << level;
  }
}

// Trains a one-set mixer of two inputs (0 and 500) on a run of ones; returns its last stretch.
int stretch_after_ones(const std::vector<int>& input_rates, bool round_updates) {
  Mixer m;
  m.init({0, 65536 / 4}, {1}, 256, 16, input_rates, 0, 0, round_updates);
  int st = 0;
  for (int i = 0; i < 200; ++i) {
    m.add(0);
    m.add(500);
    m.select(0, 0);
    m.select_final(0);
    st = m.mix();
    m.update(1);
  }
  return st;
}

TEST(CmMixer, PerInputRatesScaleEachInputsUpdates) {
  // Rate multiplier 0: the 500-input's weight (1/4) never moves, so the output stays 125.
  EXPECT_EQ(stretch_after_ones({16, 0}, false), 125);
  EXPECT_EQ(stretch_after_ones({16, 0}, true), 125);
  const int normal = stretch_after_ones({16, 16}, false);
  const int fast = stretch_after_ones({16, 64}, false);
  EXPECT_GT(normal, 125);
  EXPECT_GT(fast, normal);
}

// Two weight sets and both final mixers (with the final boost when `final_boost`); since round
// 7b also a third final mixer of `third` sets (0: none), added with add_final(), whose context
// cycles through them. A run of ones must raise the probability, and the same inputs give the
// same outputs twice.
std::vector<std::uint32_t> final_mixers_probabilities(int third, bool final_boost) {
  Mixer m;
  m.init({4000, 4000, 0}, {8, 8}, 256, 16, {10, 10, 16}, 8, 256 * 8, true);
  if (final_boost) m.set_final_adaptation(64, 64);
  int index = -1;
  if (third > 0) index = m.add_final(third);
  std::vector<std::uint32_t> ps;
  for (int i = 0; i < 3000; ++i) {
    m.add(300);
    m.add(-100 + i % 7);
    m.add(256);
    m.select(0, static_cast<std::uint32_t>(i % 8));
    m.select(1, static_cast<std::uint32_t>(i % 3));
    m.select_final(1);
    m.select_final2(static_cast<std::uint32_t>(256 * (i % 8) + 1));
    if (index >= 0) m.select_final_at(index, static_cast<std::uint32_t>(i % third));
    (void)m.mix();
    ps.push_back(m.last_p());
    m.update(1);
  }
  return ps;
}

std::vector<std::uint32_t> two_layer_probabilities() { return final_mixers_probabilities(0, false); }

TEST(CmMixer, SecondFinalMixerLearnsAndIsDeterministic) {
  const std::vector<std::uint32_t> a = two_layer_probabilities();
  EXPECT_EQ(a, two_layer_probabilities());
  EXPECT_GT(a.back(), a.front() + 5000);
}

TEST(CmMixer, ThirdFinalMixerLearnsAndIsDeterministic) {
  const std::vector<std::uint32_t> three = final_mixers_probabilities(64, true);
  EXPECT_EQ(three, final_mixers_probabilities(64, true));
  EXPECT_GT(three.back(), three.front() + 5000);
  // The third mixer takes part: its fresh sets (a new one every bit for 64 bits) change the
  // average from the two-mixer model's.
  EXPECT_NE(three, final_mixers_probabilities(0, true));
}

TEST(CmMixer, AddFinalReturnsConsecutiveIndices) {
  Mixer m;
  m.init({4000, 0}, {4, 4}, 16, 16, {}, 8, 0, true);
  for (int k = 1; k < Mixer::kMaxFinals; ++k) EXPECT_EQ(m.add_final(8), k);
  EXPECT_EQ(m.add_final(8), -1);  // Mixer::kMaxFinals already
}

// The text state of levels 5-9 (round 5a) after the bytes of text; the word hashes the model
// would pass are fixed arguments here, so each context shows only what the state adds.
// A text state (WordState, TextDetail, TokenState) after the bytes of text.
template <class State>
State state_after(const std::string& text) {
  State s;
  for (char ch : text) s.update(static_cast<std::uint8_t>(ch));
  return s;
}

WordState text_state(const std::string& text) { return state_after<WordState>(text); }

constexpr std::uint32_t kWordA = 0x1234567, kWordB = 0x7654321;

TEST(CmWordState, PunctuationContextCountsWordsSinceTheLastMark) {
  EXPECT_NE(text_state("a. b c").punctuation_context(kWordA, 'c'),
            text_state("a, b c").punctuation_context(kWordA, 'c'));
  EXPECT_NE(text_state("a. b c").punctuation_context(kWordA, 'c'),
            text_state("a. c").punctuation_context(kWordA, 'c'));
  // Digits and spaces are not punctuation; words before the mark do not count.
  EXPECT_EQ(text_state("x y. b 12 c").punctuation_context(kWordA, 'c'),
            text_state("a. b c").punctuation_context(kWordA, 'c'));
  // The count saturates instead of wrapping.
  EXPECT_EQ(text_state(". a b c d e f g h i j").punctuation_context(kWordA, 'j'),
            text_state(". a b c d e f g h").punctuation_context(kWordA, 'j'));
}

TEST(CmWordState, ShapeCollapsesRunsOfOneClass) {
  EXPECT_EQ(text_state("ab  cd").shape_context('d'), text_state("x y").shape_context('d'));
  EXPECT_NE(text_state("ab.cd").shape_context('d'), text_state("ab cd").shape_context('d'));
  EXPECT_NE(text_state("ab 12").shape_context('d'), text_state("ab cd").shape_context('d'));
  EXPECT_NE(text_state("[[a]]").shape_context(']'), text_state("{{a}}").shape_context(']'));
  // Bytes >= 128 (UTF-8, dictionary codes) are letters, as in the model's word.
  EXPECT_EQ(text_state("x \xc3\xa9").shape_context('e'), text_state("x e").shape_context('e'));
}

// Round 6: the selector's short shape (the last 3 symbols, 12 bits) and the shape with the last
// two bytes.
TEST(CmWordState, ShortShapeKeepsTheLastThreeSymbols) {
  EXPECT_EQ(text_state("x ab  cd").short_shape(), text_state("q, x y").short_shape());
  EXPECT_NE(text_state("ab.cd").short_shape(), text_state("ab cd").short_shape());
  // The fourth symbol back is forgotten.
  EXPECT_EQ(text_state(".a b").short_shape(), text_state(",a b").short_shape());
  for (const char* t : {"", "a", "[[a|b]] {{c}}", "1, 2. 3; 4"}) {
    EXPECT_LT(text_state(t).short_shape(), 4096u) << t;
  }
}

TEST(CmWordState, ShapeOrder2SeesTheShapeAndTheLastTwoBytes) {
  EXPECT_NE(text_state("ab cd").shape_order2_context('c' << 8 | 'd'),
            text_state("ab cd").shape_order2_context('x' << 8 | 'd'));
  EXPECT_NE(text_state("ab.cd").shape_order2_context('c' << 8 | 'd'),
            text_state("ab cd").shape_order2_context('c' << 8 | 'd'));
  EXPECT_EQ(text_state("ab  cd").shape_order2_context('c' << 8 | 'd'),
            text_state("x y").shape_order2_context('c' << 8 | 'd'));
}

// Mixer::kMaxSets weight-set selectors (level 9 uses all of them since round 6) with both final
// mixers: the same inputs give the same outputs, and a run of ones raises the probability.
std::vector<std::uint32_t> all_sets_probabilities() {
  Mixer m;
  const std::vector<int> sizes(Mixer::kMaxSets, 16);
  m.init({4000, 4000, 0}, sizes, 256, 16, {10, 10, 16}, 8, 256 * 8, true);
  m.set_adaptation(128, 128);
  m.set_final_adaptation(64, 64);
  std::vector<std::uint32_t> ps;
  for (int i = 0; i < 2000; ++i) {
    m.add(200);
    m.add(-50 + i % 5);
    m.add(256);
    for (int s = 0; s < Mixer::kMaxSets; ++s) {
      m.select(s, static_cast<std::uint32_t>((i + s) % 16));
    }
    m.select_final(static_cast<std::uint32_t>(i % 4));
    m.select_final2(static_cast<std::uint32_t>(256 * (i % 8) + 1));
    (void)m.mix();
    ps.push_back(m.last_p());
    m.update(1);
  }
  return ps;
}

TEST(CmMixer, EveryWeightSetSelectorLearnsDeterministically) {
  const std::vector<std::uint32_t> a = all_sets_probabilities();
  EXPECT_EQ(a, all_sets_probabilities());
  EXPECT_GT(a.back(), a.front() + 5000);
}

TEST(CmWordState, LongShapeSeesFurtherBack) {
  // 8 symbols back the short shape forgets the difference; the long one still sees it.
  const std::string tail = "a b.c,d e f g h";
  EXPECT_EQ(text_state("[" + tail).shape_context('h'), text_state("{" + tail).shape_context('h'));
  EXPECT_NE(text_state("[" + tail).long_shape_context('h'),
            text_state("{" + tail).long_shape_context('h'));
}

TEST(CmWordState, ShapeWordSeparatesWordsAndGaps) {
  EXPECT_NE(text_state("of the").shape_word_context(kWordA, kWordB),
            text_state("of, the").shape_word_context(kWordA, kWordB));
  EXPECT_EQ(text_state("of the").shape_word_context(kWordA, kWordB),
            text_state("in  the").shape_word_context(kWordA, kWordB));
  // Between words the previous word counts, in a word it does not.
  EXPECT_NE(text_state("of ").shape_word_context(0, kWordA),
            text_state("of ").shape_word_context(0, kWordB));
  EXPECT_EQ(text_state("of t").shape_word_context(kWordA, kWordA),
            text_state("of t").shape_word_context(kWordA, kWordB));
}

TEST(CmWordState, WordsInLineRestartAtNewline) {
  EXPECT_EQ(text_state("").words_in_line(), 0u);
  EXPECT_EQ(text_state("a b").words_in_line(), 2u);
  EXPECT_EQ(text_state("a b c d e").words_in_line(), 3u);  // saturates
  EXPECT_EQ(text_state("a b c\n").words_in_line(), 0u);
  EXPECT_EQ(text_state("a b c\n* x").words_in_line(), 1u);
}

// ---- Round 9c: TextDetail, the lexical state of level 9's added contexts ----

TextDetail detail_state(const std::string& text) { return state_after<TextDetail>(text); }

TEST(CmTextDetail, WordHashesIgnoreCaseAndRememberTheLastWord) {
  EXPECT_EQ(detail_state("The cat").word(), detail_state("the CAT").word());
  EXPECT_EQ(detail_state("x cat ").word(), 0u);
  EXPECT_EQ(detail_state("one two, ").previous_word(), detail_state("two").word());
  EXPECT_EQ(detail_state("one two").previous_word(), detail_state("one").word());
}

TEST(CmTextDetail, PrefixKeepsTheFirstLettersOnly) {
  EXPECT_EQ(detail_state("x inter").word_prefix(), detail_state("y internal").word_prefix());
  EXPECT_NE(detail_state("x int").word_prefix(), detail_state("x inte").word_prefix());
  EXPECT_NE(detail_state("x inte").word_prefix(), detail_state("x into").word_prefix());
  EXPECT_EQ(detail_state("x ").word_prefix(), 0u);
}

TEST(CmTextDetail, NonSpaceBeforeWordSkipsSpaces) {
  EXPECT_EQ(detail_state("x,  word").nonspace_before_word(), static_cast<std::uint32_t>(','));
  EXPECT_EQ(detail_state("[[word").nonspace_before_word(), static_cast<std::uint32_t>('['));
  EXPECT_EQ(detail_state("a word").nonspace_before_word(), static_cast<std::uint32_t>('a'));
}

TEST(CmTextDetail, OpenTagFollowsXmlNesting) {
  EXPECT_EQ(detail_state("plain").open_tag(), 0u);
  const std::uint32_t page = detail_state("<page>").open_tag();
  EXPECT_NE(page, 0u);
  EXPECT_EQ(detail_state("<page><title>a</title>").open_tag(), page);
  EXPECT_NE(detail_state("<page><title>a").open_tag(), page);
  EXPECT_EQ(detail_state("<page><text xml:space=\"preserve\">a b").open_tag(),
            detail_state("<text>").open_tag());
  EXPECT_EQ(detail_state("<page><minor />").open_tag(), page);  // self-closing
  EXPECT_EQ(detail_state("<page><br/>").open_tag(), page);
  EXPECT_EQ(detail_state("<page><!-- c -->").open_tag(), page);
  EXPECT_EQ(detail_state("<page></page>").tag_depth(), 0u);
  EXPECT_EQ(detail_state("</x></y>").tag_depth(), 0u);  // unbalanced closes stop at 0
}

TEST(CmTextDetail, SegmentsStartAtMarkupOpeners) {
  // The same bytes since the last opener: the same segment, whatever came before it.
  EXPECT_EQ(detail_state("abc [[Paris").segment(), detail_state("xyz[[Paris").segment());
  EXPECT_NE(detail_state("a [[Paris").segment(), detail_state("a {{Paris").segment());
  EXPECT_NE(detail_state("a [[Paris").segment(), detail_state("a [[Pari").segment());
  // After '|' the link's target is the previous segment.
  EXPECT_EQ(detail_state("[[Paris|city").previous_segment(), detail_state("x [Paris").segment());
  EXPECT_EQ(detail_state("[[Paris|city").segment(), detail_state("{{a|city").segment());
  // New lines and '(' start none (round 9c: book1 lost with them).
  EXPECT_EQ(detail_state("[x\ny").segment(), detail_state("a[x\ny").segment());
  EXPECT_NE(detail_state("[x\ny").segment(), detail_state("[x\nz").segment());
}

// Round 9c: level 9 models 8 more contexts than round 8 (round 10c: 36 in all); since round 10s
// the same with the SSM input (its token model no longer needs the room of statesmix's Mamba).
TEST(CmLevelConfig, Level9AddsRound9cContextsAlsoWithSsm) {
  const LevelConfig nine = level_config(9);
  EXPECT_EQ(nine.contexts & round9c_contexts(), round9c_contexts());
  EXPECT_EQ(__builtin_popcountll(nine.contexts), 36);  // round 10c: 5 out, 1 in
  EXPECT_EQ(__builtin_popcountll(level_config(8).contexts), kMaxLevelContexts);
  const std::uint64_t before_round10c =
      (nine.contexts | round10c_dropped_contexts()) & ~round10c_added_contexts();
  for (int level = 1; level <= 6; ++level) {
    EXPECT_EQ(level_config(level).contexts & round9c_contexts(), 0u) << level;
  }
  for (int level = 1; level <= 9; ++level) {
    EXPECT_EQ(level_config(level, true).contexts, level_config(level).contexts) << level;
  }
  // Levels 7 and 8 are lighter level 9s (round 9): level 7 has level 9's contexts, level 8 those
  // from before round 10c.
  EXPECT_EQ(level_config(7).contexts, nine.contexts);
  EXPECT_EQ(level_config(8).contexts, before_round10c);
  // The side-information way keeps the room it had (the log codec's levels do not change).
  EXPECT_LE(kMaxSideModelContexts, kMaxLevelContexts);
  EXPECT_FALSE(side_contexts_fit(9, 1));
}

// Round 10c: level 9 (and the lighter level 7, which shares its contexts) drops five contexts
// and adds the token pair, with or without the SSM input (round 10s); level 8 and levels 1-6 keep
// what they had, and only level 9 has the unseen-group inputs.
TEST(CmLevelConfig, Round10cChangesLevels7And9ButNotLevel8) {
  const std::uint64_t dropped = round10c_dropped_contexts();
  const std::uint64_t added = round10c_added_contexts();
  EXPECT_EQ(dropped & added, 0u);
  for (int level : {7, 9}) {
    const LevelConfig c = level_config(level);
    EXPECT_EQ(c.contexts & dropped, 0u) << level;
    EXPECT_EQ(c.contexts & added, added) << level;
    EXPECT_EQ(level_config(level, true).contexts, c.contexts) << level;
  }
  for (int level = 1; level <= 6; ++level) {
    EXPECT_EQ(level_config(level).contexts & added, 0u) << level;
    EXPECT_FALSE(context_inputs(level, false).unseen_groups) << level;
  }
  EXPECT_TRUE(context_inputs(9, false).unseen_groups);
  EXPECT_EQ(context_inputs(9, false).count(), ContextInputs::kUnseenGroups);
  EXPECT_TRUE(context_inputs(9, true).unseen_groups);
  EXPECT_FALSE(context_inputs(8, false).unseen_groups);
  // Level 8 (no confidence inputs) lost with them and keeps round 9's contexts.
  EXPECT_EQ(level_config(8).contexts & dropped, dropped);
  EXPECT_EQ(level_config(8).contexts & added, 0u);
}

TokenState token_state(const std::string& text) { return state_after<TokenState>(text); }

// Tokens are whitespace-delimited and keep punctuation, digits and case (the model's word does
// not); the previous token is the last completed one.
TEST(CmTokenState, TokensKeepPunctuationAndEndAtWhitespace) {
  EXPECT_EQ(token_state("x [[Paris]],").token(), token_state("y\t[[Paris]],").token());
  EXPECT_NE(token_state("x [[Paris]],").token(), token_state("x [[Paris]]").token());
  EXPECT_NE(token_state("x Paris").token(), token_state("x paris").token());
  EXPECT_NE(token_state("x foo_bar").token(), token_state("x foobar").token());
  EXPECT_EQ(token_state("12:30 ").token(), 0u);
  EXPECT_EQ(token_state("a 12:30\n").previous_token(), token_state("b 12:30").token());
  EXPECT_EQ(token_state("one  two").previous_token(), token_state("one").token());
}

// Round 10c's level 9 codes tokens of every kind (punctuation inside words, digits, long
// tokens, runs of whitespace) and replays the unseen-group inputs exactly.
TEST(CmModel, Level9RoundTripsTokensAndNewContexts) {
  std::string text;
  for (int i = 0; i < 40; ++i) {
    text += "item_" + std::to_string(i % 7) + ":  [[Paris]], (see " + std::to_string(i * 37) +
            ")\t\n" + std::string(static_cast<std::size_t>(i % 5), ' ');
    if (i % 9 == 0) text += std::string(300, 'x') + "\n";  // a token longer than any before
  }
  const Bytes data(text.begin(), text.end());
  const EncodedBlock block = cm_test::encode(data, 9);
  Bytes out(data.size());
  ASSERT_TRUE(cm_test::decode(block, out).ok());
  EXPECT_EQ(out, data);
  EXPECT_LT(block.payload.size(), data.size() / 2);
}

// Level 9's model stays within 1.3 GiB for the largest block (the mixer rows and node maps grew
// with round 9c's contexts), and is the same model with the SSM input (round 10s).
TEST(CmLevelConfig, Level9MemoryStaysWithinItsBudget) {
  const Params p = params_for(9, std::uint64_t{64} << 20);
  EXPECT_LE(model_memory_bytes(p), (std::uint64_t{13} << 30) / 10);
  Params ssm = params_for(9, std::uint64_t{4} << 20);
  ssm.ssm = true;
  Params plain = ssm;
  plain.ssm = false;
  // Only the SSM's two mixer inputs and its SSE stage are added (round 10x's selector replaces one
  // of the same size). Since round 10c's unseen-group inputs the two inputs widen every weight row
  // by one 8-input step (rows are padded to 8): 11.8 MB for a 4 MiB block (main at b23c8d3
  // already failed the 8 MiB bound here).
  EXPECT_GT(model_memory_bytes(ssm), model_memory_bytes(plain));
  EXPECT_LT(model_memory_bytes(ssm) - model_memory_bytes(plain), std::uint64_t{16} << 20);
}

// An APM trained on ones with its input halfway between two interpolation points (stretch 0
// and 128 are points 16 and 17): returns the two points' values afterwards.
std::pair<std::uint32_t, std::uint32_t> apm_points_after_ones(bool update_both) {
  Apm a;
  EXPECT_TRUE(a.init(1, 6));
  a.set_update_both(update_both);
  for (int i = 0; i < 50; ++i) {
    (void)a.p(64, 0);
    a.update(1);
  }
  return {a.p(0, 0), a.p(128, 0)};
}

TEST(CmApm, UpdateBothMovesBothInterpolationPoints) {
  const LogisticTables& t = logistic_tables();
  const std::uint32_t identity0 = squash(t, 0), identity1 = squash(t, 128);
  // Nearer point only: at exactly halfway the upper point is the nearer one; the lower stays.
  const auto nearer = apm_points_after_ones(false);
  EXPECT_EQ(nearer.first, identity0);
  EXPECT_GT(nearer.second, identity1 + 10000);
  const auto both = apm_points_after_ones(true);
  EXPECT_GT(both.first, identity0 + 10000);
  EXPECT_GT(both.second, identity1 + 10000);
  // And a zero moves them back down.
  Apm a;
  ASSERT_TRUE(a.init(1, 6));
  a.set_update_both(true);
  (void)a.p(64, 0);
  a.update(0);
  EXPECT_LT(a.p(0, 0), identity0);
  EXPECT_LT(a.p(128, 0), identity1);
}

// A one-selector mixer with 16 weight sets, trained on ones in set 0 for `warm` bits, then
// for 20 bits in set `fresh`: returns the stretch of set `fresh` after those 20 bits.
int stretch_of_new_set(int boost, int horizon, int warm, std::uint32_t fresh) {
  Mixer m;
  m.init({4000, 0}, {16}, 256, 16, {16, 16}, 0, 0, true);
  if (boost != 0) m.set_adaptation(boost, horizon);
  int st = 0;
  for (int i = 0; i < warm + 20; ++i) {
    m.add(400);
    m.add(256);
    m.select(0, i < warm ? 0 : fresh);
    m.select_final(0);
    st = m.mix();
    m.update(1);
  }
  return st;
}

TEST(CmMixer, SetAdaptationSpeedsUpNewWeightSets) {
  const int plain = stretch_of_new_set(0, 1, 0, 0);
  const int boosted = stretch_of_new_set(128, 128, 0, 0);
  EXPECT_GT(plain, 0);
  EXPECT_GT(boosted, plain + 100);
  // Counts are per set: a fresh set after 3000 bits in another set learns exactly as a fresh
  // set of a new mixer (boosted), and a set with 3000 updates behind it learns more slowly.
  EXPECT_EQ(stretch_of_new_set(128, 128, 3000, 5), boosted);
  EXPECT_LT(stretch_of_new_set(128, 128, 3000, 0) - stretch_of_new_set(128, 128, 2980, 0),
            stretch_of_new_set(128, 128, 20, 0) - stretch_of_new_set(128, 128, 0, 0));
  EXPECT_EQ(stretch_of_new_set(128, 128, 3000, 5), stretch_of_new_set(128, 128, 3000, 5));
}

// Two weight sets and one final mixer, trained on 30 ones: the final probability.
std::uint32_t final_p_after_ones(int final_boost) {
  Mixer m;
  m.init({4000, 0}, {1, 1}, 256, 16, {16, 16}, 8, 0, true);
  if (final_boost != 0) m.set_final_adaptation(final_boost, 64);
  for (int i = 0; i < 30; ++i) {
    m.add(400);
    m.add(256);
    m.select(0, 0);
    m.select(1, 0);
    m.select_final(3);
    (void)m.mix();
    m.update(1);
  }
  return m.last_p();
}

TEST(CmMixer, FinalAdaptationSpeedsUpTheFinalMixers) {
  EXPECT_GT(final_p_after_ones(64), final_p_after_ones(0) + 100);
  EXPECT_EQ(final_p_after_ones(64), final_p_after_ones(64));
}

// Round 9m: two selectors (one set, and 16 sets) and one final mixer, trained on ones for 400
// bits with the second selector in set 0; then the second selector picks set `fresh`. Returns
// the final probability of that first prediction.
std::uint32_t first_p_of_fresh_set(bool warm_start, std::uint32_t fresh) {
  Mixer m;
  m.init({4000, 0}, {1, 16}, 256, 16, {16, 16}, 8, 0, true);
  m.set_adaptation(128, 128);
  m.set_final_adaptation(64, 64);
  m.set_warm_start(warm_start);
  for (int i = 0; i <= 400; ++i) {
    m.add(400);
    m.add(256);
    m.select(0, 0);
    m.select(1, i < 400 ? 0 : fresh);
    m.select_final(0);
    (void)m.mix();
    if (i == 400) return m.last_p();
    m.update(1);
  }
  return 0;
}

TEST(CmMixer, WarmStartStartsNewSetsFromTheTrainedSelector) {
  const std::uint32_t cold = first_p_of_fresh_set(false, 7);
  const std::uint32_t warm = first_p_of_fresh_set(true, 7);
  // The fresh set starts halfway to the first selector's row, which has learnt the ones.
  EXPECT_GT(warm, cold + 100);
  EXPECT_EQ(warm, first_p_of_fresh_set(true, 7));
  // A set already trained is left as it is: set 0 predicts the same either way.
  EXPECT_EQ(first_p_of_fresh_set(true, 0), first_p_of_fresh_set(false, 0));
}

// Round 9m: a second final mixer of 64 sets, trained on ones in set 0; then set `fresh`.
std::uint32_t first_p_of_fresh_final(bool warm_start, std::uint32_t fresh) {
  Mixer m;
  m.init({4000, 0}, {1, 1}, 256, 16, {16, 16}, 8, 0, true);
  m.set_adaptation(128, 128);
  m.set_final_adaptation(64, 64);
  const int index = m.add_final(64);
  m.set_warm_start(warm_start);
  for (int i = 0; i <= 400; ++i) {
    m.add(400);
    m.add(256);
    m.select(0, 0);
    m.select(1, 0);
    m.select_final(0);
    m.select_final_at(index, i < 400 ? 0 : fresh);
    (void)m.mix();
    if (i == 400) return m.last_p();
    m.update(1);
  }
  return 0;
}

TEST(CmMixer, WarmStartGivesNewFinalSetsTheFirstFinalMixersWeights) {
  EXPECT_NE(first_p_of_fresh_final(true, 9), first_p_of_fresh_final(false, 9));
  EXPECT_EQ(first_p_of_fresh_final(true, 9), first_p_of_fresh_final(true, 9));
  EXPECT_EQ(first_p_of_fresh_final(true, 0), first_p_of_fresh_final(false, 0));
}

// Round 9m's learning is level 9's (and level 8's, which learns as level 9 since round 9): the
// lower levels keep their outputs bit for bit.
TEST(CmLearningConfig, Round9mLearningOnlyAtLevels8And9) {
  EXPECT_EQ(learning_config(8).warm_start, learning_config(9).warm_start);
  for (int level = 1; level <= 7; ++level) {
    const LearningConfig l = learning_config(level);
    EXPECT_EQ(l.confidence_rate, 0) << level;
    EXPECT_FALSE(l.node_map_by_word) << level;
    EXPECT_FALSE(l.order2_match_sse) << level;
    EXPECT_FALSE(l.warm_start) << level;
  }
  const LearningConfig nine = learning_config(9);
  EXPECT_GT(nine.confidence_rate, 0);
  EXPECT_LT(nine.confidence_rate * 16, 1 << 11);  // rate x multiplier stays below 2^11 (Mixer)
  EXPECT_TRUE(nine.order2_match_sse);
}

// Round 7a's level-9 state: the open-bracket stack (deeper than its 8 levels, closed more often
// than opened, brackets of mixed kinds), wiki emphasis (quote runs of every length, headings),
// the line's first word and the match's expected byte (long repeats that break off); round 8r's
// selector and final mixer by the markup state x node read the same state. Encoder and decoder
// must replay them exactly.
TEST(CmModel, Level9RoundTripsUnbalancedBracketsAndBrokenRepeats) {
  std::string text;
  for (int i = 0; i < 12; ++i) text += "((([[{{<a";
  text += " deep\n";
  for (int i = 0; i < 40; ++i) text += ")]}>";
  text += "\nfirst words of lines (and [links] {{templates}}) <tag> ";
  text += "''italic'' '''bold''' '''''both''''' '''' ''''''' unclosed ''\n== Heading ==\n";
  for (int i = 0; i < 30; ++i) {
    text += "| row " + std::to_string(i) + " of a table that repeats [[with a link]] ";
    text += i % 3 == 0 ? "and breaks off here\n" : "and goes on like before\n";
  }
  const Bytes data(text.begin(), text.end());
  const EncodedBlock block = cm_test::encode(data, 9);
  Bytes out(data.size());
  ASSERT_TRUE(cm_test::decode(block, out).ok());
  EXPECT_EQ(out, data);
  EXPECT_LT(block.payload.size(), data.size() / 2);
}

// ---- Round 8s: the SIMD mixer and huge-page tables (speed only: no output may change) ----

// Restores the mixer's SIMD switch when a test ends, whatever it asserted.
struct SimdSwitch {
  explicit SimdSwitch(bool enabled) { Mixer::set_simd_enabled(enabled); }
  ~SimdSwitch() { Mixer::set_simd_enabled(true); }
};

// A mixer of level-9-like shape (132 inputs: not a multiple of 8, so the SIMD loops' tails run;
// three selectors with the weight-set boost, two final mixers) fed pseudo-random stretches and
// bits; returns every stretch and probability it gave.
std::vector<std::int64_t> mixer_trace(bool simd) {
  const SimdSwitch simd_switch(simd);
  constexpr int kInputs = 132;
  std::vector<std::int32_t> initial(kInputs);
  std::vector<int> rates(kInputs);
  for (int i = 0; i < kInputs; ++i) {
    initial[static_cast<std::size_t>(i)] = (i % 5) * 9000 - 18000;
    rates[static_cast<std::size_t>(i)] = 4 + (i % 7) * 10;
  }
  Mixer m;
  m.init(initial, {64, 64, 16}, 256, 24, rates, 8, 256 * 8, true);
  m.set_adaptation(128, 128);
  m.set_final_adaptation(64, 64);
  std::uint32_t lcg = 12345;
  auto next = [&lcg]() {
    lcg = lcg * 1664525u + 1013904223u;
    return lcg >> 8;
  };
  std::vector<std::int64_t> trace;
  for (int bit = 0; bit < 4000; ++bit) {
    for (int i = 0; i < kInputs; ++i) m.add(static_cast<int>(next() % 4095) - 2047);
    m.select(0, next() % 64);
    m.select(1, next() % 64);
    m.select(2, next() % 16);
    m.select_final(next() % 256);
    m.select_final2(next() % (256 * 8));
    trace.push_back(m.mix());
    trace.push_back(m.last_p());
    m.update(static_cast<int>(next() & 1));
  }
  return trace;
}

TEST(CmMixer, SimdAndScalarPathsGiveIdenticalOutputs) {
  if (!Mixer::simd_available()) GTEST_SKIP() << "this CPU has no AVX2: only the scalar path runs";
  const std::vector<std::int64_t> simd = mixer_trace(true);
  const std::vector<std::int64_t> scalar = mixer_trace(false);
  ASSERT_EQ(simd.size(), scalar.size());
  EXPECT_EQ(simd, scalar);
  // The inputs are noise: the weights must still have moved (the trace is not constant).
  EXPECT_NE(simd[simd.size() - 1], simd[1]);
}

TEST(CmModel, SimdAndScalarMixersCodeIdenticalBlocks) {
  if (!Mixer::simd_available()) GTEST_SKIP() << "this CPU has no AVX2: only the scalar path runs";
  Bytes data = cm_test::generate_text(12000, 7);  // small: the scalar level 9 is slow under ASan
  const Bytes noise = cm_test::random_bytes(1500, 11);
  data.insert(data.end(), noise.begin(), noise.end());
  for (const int level : {1, 5, 9}) {
    EncodedBlock simd_block, scalar_block;
    {
      const SimdSwitch simd_switch(true);
      simd_block = cm_test::encode(data, level);
    }
    {
      const SimdSwitch simd_switch(false);
      scalar_block = cm_test::encode(data, level);
      Bytes out(data.size());  // the scalar decoder replays the SIMD encoder's block
      ASSERT_TRUE(cm_test::decode(simd_block, out).ok()) << level;
      EXPECT_EQ(out, data) << level;
    }
    EXPECT_EQ(simd_block.payload, scalar_block.payload) << "level " << level;
  }
}

TEST(CmMemory, HugePageTablesAreAlignedZeroedAndWritable) {
  ZeroedTable table;
  constexpr std::uint64_t kBytes = (std::uint64_t{3} << 20) + 100;  // not a page multiple
  ASSERT_TRUE(table.allocate(kBytes, ZeroedTable::kHugeFromFilled));
  auto* bytes = table.as<std::uint8_t>();
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(bytes) % (std::uintptr_t{2} << 20), 0u);
  EXPECT_EQ(bytes[0], 0);
  EXPECT_EQ(bytes[kBytes - 1], 0);
  bytes[0] = 1;
  bytes[kBytes - 1] = 2;
  EXPECT_EQ(bytes[0] + bytes[kBytes - 1], 3);
  // A second allocation releases the first and starts zeroed again.
  ASSERT_TRUE(table.allocate(4096));
  EXPECT_EQ(table.as<std::uint8_t>()[0], 0);
}

}  // namespace
}  // namespace kolmo::cm
