#include "codecs/cm/cm_config.h"

#include <initializer_list>


namespace kolmo::cm {
namespace {

constexpr std::uint64_t bits(std::initializer_list<ContextKind> kinds) {
  std::uint64_t m = 0;
  for (ContextKind k : kinds) m |= std::uint64_t{1} << k;
  return m;
}

// Levels 7 and 8 (round 9, 2026-11-28): level 9's contexts for less of its CPU: 2^24 hashed
// slots (16 per block byte) and no confidence inputs (they double level 9's time); level 7 also
// keeps level 5's mixer rates and selectors. Before, levels 7 and 8 were the same model (level 6
// + order 8 and a sparse context). enwik8 1 MB: level 7 209,842 -> 207,589 B, level 8 209,842
// -> 205,207 B, at about 1.4x and 2.2x level 5's CPU (level 9: 3.7x); with rounds 9c and 9m,
// which reach them through level 9's configuration, 207,174 and 204,506 B (docs/cm.md, round 9).
LevelConfig lighter_level_9(int level) {
  LevelConfig c = level_config(9);
  c.max_hash_bits = 24;
  c.slots_per_byte_log2 = 4;
  c.max_match_bits = 23;
  c.confidence_inputs = false;
  // Round 10c's context changes bought level 7 204 B on book1 (2 B on enwik8 1 MB) but cost
  // level 8, which has no confidence inputs, 65 B on enwik8 1 MB: level 8 keeps round 9's.
  if (level == 8) {
    c.contexts = (c.contexts | round10c_dropped_contexts()) & ~round10c_added_contexts();
  }
  if (level == 7) {
    c.mixer_selectors = 6;
    c.initial_weight = 4000;
    c.main_rate = 16;
    c.confidence_rate = 16;
  }
  return c;
}

}  // namespace

std::uint64_t round9c_contexts() {
  return bits({kWordStem, kWordNonSpace, kTagWord, kMatchOrder2, kLineDistance, kSparse13,
               kSegment, kSegmentPair});
}

std::uint64_t round10c_dropped_contexts() {
  return bits({kOrder1, kOrder2, kOrder16, kWordLast, kEmphasis});
}

std::uint64_t round10c_added_contexts() { return bits({kTokenPair}); }

// Round 10c: the order groups' unseen shares at level 9 (enwik8 300 KB: -47 B, book1 300 KB:
// -17 B alone), with or without the SSM input (since round 10s it gets the level's whole model).
ContextInputs context_inputs(int level, bool /*ssm*/) {
  ContextInputs c;
  c.unseen_groups = level >= 9;
  return c;
}

LevelConfig level_config(int level, bool /*ssm*/) { return level_config(level); }

LevelConfig level_config(int level) {
  if (level == 7 || level == 8) return lighter_level_9(level);
  LevelConfig c;
  const std::uint64_t fast = bits({kOrder1, kOrder2, kOrder3, kOrder4});
  const std::uint64_t text = bits({kWord, kIndirect1});
  const std::uint64_t rich = bits({kOrder5, kOrder6, kWordPair, kColumn, kIndirect2});
  const std::uint64_t most = bits({kWordSkip, kWordTriple, kSparseSkip1});
  const std::uint64_t wiki = bits({kWiki, kWordLast});
  if (level <= 1) {
    c.contexts = fast;
  } else if (level == 2) {
    c.contexts = fast | bits({kWord});
  } else if (level <= 4) {
    c.contexts = fast | text | bits({kOrder6});
    c.max_hash_bits = 23;
    c.max_match_bits = 22;
    c.match_min_len = 7;
    c.mixer_selectors = 2;
    c.apms = 2;
  } else {
    // Levels 5-9 share the mixer, the SSE chain and the run model; the higher levels add contexts
    // and table space.
    c.contexts = fast | text | rich | wiki;
    c.run_model = true;
    c.max_hash_bits = 24;
    c.max_match_bits = 22;
    c.match_min_len = 8;
    c.apms = 3;
    c.apm_rate = 6;
    // Small starting weights (0.06 per main input, was 0.3): weight sets of rarely selected
    // contexts start cautious instead of overconfident. -0.3 % at level 5 (enwik8 1 MB).
    c.initial_weight = 4000;
    c.mixer_selectors = 6;
    c.select_by_order = true;
    // Round 5a: the shape of the recent bytes (character classes, runs collapsed), alone and
    // with the byte above, and the wider column (enwik8 1 MB at level 5: 216,415 -> 213,108 B
    // for 1.1 s more CPU per MB; docs/cm.md, round 5a).
    c.contexts |= bits({kColumnWide, kShape, kShapeAbove});
    if (level >= 6) {
      c.contexts |= most;
      c.max_match_bits = 23;
    }
    if (level >= 9) {
      c.contexts |= bits({kOrder12, kOrder16, kSparseSkip2});
      c.max_hash_bits = 25;
      c.max_match_bits = 24;
      // Spending level 9's speed headroom: more inputs per context, two more SSE stages, two
      // more text contexts and two more mixer selectors.
      c.contexts |= bits({kLineStart, kWordNext});
      c.confidence_inputs = true;
      c.match_sse = true;
      // 8 selectors: + (match length x expected bit x bit position), (last byte x bit-tree node).
      c.mixer_selectors = 8;
      // Round 5a, more text contexts: the last punctuation, line starts, the shape with the
      // word, further back and with the columns; twice the hashed slots per byte for the 31
      // contexts (enwik8 1 MB: 213,363 -> 209,687 B with the level-5 ones; docs/cm.md, round 5a).
      c.contexts |= bits({kWordPunct, kLineWord, kShapeWord, kShapeLong, kColumnShape});
      c.slots_per_byte_log2 = 5;
      // Round 6: the shape with the last two bytes in word + first letters' place (which bought
      // nothing), and main inputs starting at 0.03 (enwik8 1 MB: -96 B and -70 B; at level 5
      // 0.03 was 5 B worse; docs/cm.md, round 6).
      c.contexts |= bits({kShapeOrder2});
      c.initial_weight = 2000;
      // Round 7a: out the three contexts whose leave-one-out was a gain at level 9 (order 8, the
      // byte above + last byte, the 16-run shape: -11, -24, -15 B on enwik8's first 300 KB); in the
      // match's expected byte, the line's first word and the open brackets (-55, -52, -93 B
      // alone), and wiki emphasis (-71 B on enwik8 1 MB). 32 contexts (round 8's maximum).
      // enwik8 1 MB: 207,065 -> 206,334 B (docs/cm.md, round 7a).
      // (Order 8 is no longer added at all: levels 7 and 8 became lighter level 9s in round 9.)
      c.contexts &= ~bits({kColumn, kShapeLong});
      c.contexts |= bits({kMatchByte, kLineFirstWord, kNest, kEmphasis});
      // Round 9c: eight more contexts (40, kMaxLevelContexts): the last word with the current
      // word's first letters, the word with the last non-space byte before it and with the open
      // XML tag, the match's expected byte with order 2, the column with order 2, bytes 1 and 3,
      // the wiki markup segment and the segment pair. enwik8 1 MB: 203,993 -> 203,469 B, book1
      // 192,254 -> 191,192 B, for +22 % CPU (docs/cm.md, round 9c).
      c.contexts |= round9c_contexts();
      // Round 10c: out the five contexts whose leave-one-out cost nothing (orders 1, 2 and 16, the
      // word with the byte before it and the last byte, the wiki emphasis: enwik8 300 KB -40 B,
      // book1 300 KB -51 B together), in the whitespace-delimited token pair (-6 B, -40 B more).
      // 36 contexts. docs/cm.md, round 10c.
      c.contexts &= ~round10c_dropped_contexts();
      c.contexts |= round10c_added_contexts();
    }
    // Round 4, the mixer: rounded weight updates; the second layer at half the rate, its weights
    // chosen by node x what is known, and a second final mixer by node x match state averaged
    // with it (enwik8 1 MB at level 5: 217,000 -> 216,415 B; level 9 with the rates below:
    // 214,602 -> 213,363 B; docs/cm.md, round 4).
    c.round_mixer_updates = true;
    c.final_rate = 8;
    c.final_by_order = true;
    c.second_final_by_match = true;
    if (level >= 9) {
      // With 1 MB and more, the main inputs learn better at 10/16 of the rate (small files do not:
      // alice29 at level 5 +57 B), and the quarter-scale confidence inputs at twice the rate.
      c.main_rate = 10;
      c.confidence_rate = 32;
    }
  }
  return c;
}

}  // namespace kolmo::cm
