// How the cm model's mixer and SSE stages learn at each level (round 5b), beside what a level
// models (cm_config.h). Like LevelConfig this is part of the format: changing a level's entry
// changes what its files decode to.
#pragma once

namespace kolmo::cm {

// Extra first-layer selectors (beside LevelConfig::mixer_selectors), one bit each.
enum ExtraSelector : unsigned {
  kSelectOrder2 = 1,      // the last two bytes (65,536 sets)
  kSelectOrder3Node = 2,  // the last three bytes and the bit-tree node, hashed to 16 bits
  kSelectShape = 4,       // the shape of the recent bytes (8 class runs, WordState) and the
                          // bit-tree node, hashed to 16 bits (round 6)
  kSelectMarkupNode = 8,  // round 8r: the two innermost open brackets and the depth, wiki emphasis,
                          // the markup state, the last byte's top 3 bits, inside a word or not,
                          // and the bit-tree node, hashed to 16 bits
  kSelectSsmNode = 16,    // round 10x, only with the SSM input (Params::ssm): its confidence
                          // (SsmInput::confidence(): its P(1) x the share of the mass that
                          // continues the token), inside a word or not, and the bit-tree node,
                          // hashed to 16 bits; selected last
};

// Extra final mixers (beside the level's one or two), one bit each, added in this order; all
// final mixers are averaged in the stretch domain (round 7b).
enum ExtraFinal : unsigned {
  kFinalShapeNode = 1,   // the shape (8 class runs) and the bit-tree node, hashed to 16 bits
  kFinalShortShape = 2,  // the last 3 shape symbols and the bit position (32,768 sets)
  kFinalMarkupNode = 4,  // round 8r: the context of kSelectMarkupNode (markup state x node)
};

struct LearningConfig {
  // SSE: both interpolation points of an APM move by the full rate on each bit (not only the
  // nearer one).
  bool apm_update_both = false;
  // A weight set updated n times learns at 1 + boost/16 * horizon / (n + horizon) times its rate
  // (first layer, and the final mixers): new and rarely selected sets learn fast, sets seen
  // often at the plain rate. 0: off.
  int set_boost = 0, set_horizon = 1;
  int final_boost = 0, final_horizon = 1;
  unsigned extra_selectors = 0;  // ExtraSelector bits
  // An SSE stage by the shape of the recent bytes (8 class runs) and the node, hashed to 16 bits,
  // weighted 1/4 after the chain (round 6).
  bool shape_sse = false;
  unsigned extra_finals = 0;  // ExtraFinal bits
  // The first layer's rate (0: LevelConfig::mixer_rate; the final mixers keep their own).
  int mixer_rate = 0;
  // Round 8r: the level's selectors left out, bit k: selector k of LevelConfig::mixer_selectors
  // (0 = node x what is known, 1 = last byte x bit position, ... in Model::select_weight_sets).
  unsigned dropped_selectors = 0;
  // Round 9m: the first layer's rate multiplier (1/16 units) of the two quarter-scale confidence
  // inputs per context (0: LevelConfig::confidence_rate).
  int confidence_rate = 0;
  // Round 9m: the node maps (LevelConfig::confidence_inputs) know the last byte by its top 2 bits
  // and whether a word is under way, instead of by its top 3 bits.
  bool node_map_by_word = false;
  // Round 9m: an SSE stage on the last two bytes, the node and the match state (hashed to 16
  // bits), weighted 1/4 after the chain.
  bool order2_match_sse = false;
  // Round 9m: a weight set's first use starts it halfway between its initial row and the first
  // selector's current row, and a final mixer's set at the first final mixer's current weights
  // (Mixer::set_warm_start).
  bool warm_start = false;
};

// Selector indices of LevelConfig::mixer_selectors that round 8r leaves out at level 9.
enum LevelSelector : unsigned {
  kSelectorLastByteBit = 1,  // the last byte x bit position
  kSelectorMatchBit = 6,     // the match length x expected bit x bit position
};

inline LearningConfig learning_config(int level) {
  // Round 9: level 7 learns as level 5, level 8 as level 9 (cm_config.cc, lighter_level_9).
  if (level == 7) level = 5;
  if (level == 8) level = 9;
  LearningConfig c;
  if (level >= 5) {
    c.apm_update_both = true;
    c.set_boost = 128;
    c.set_horizon = 128;
    c.final_boost = 64;
    c.final_horizon = 64;
    c.extra_selectors = kSelectOrder2;
  }
  if (level >= 9) {
    c.extra_selectors |= kSelectOrder3Node;
    // Round 6: the shape as an 11th selector and an SSE stage (enwik8 1 MB: -679 B and -233 B
    // alone; docs/cm.md, round 6).
    c.extra_selectors |= kSelectShape;
    c.shape_sse = true;
    // Round 7b: two more final mixers, by shape x node and by the short shape x bit position,
    // and the first layer at 12 (was 16; 20 was worse); enwik8 1 MB: 207,065 -> 206,443 ->
    // 206,288 B (docs/cm.md, round 7b).
    c.extra_finals = kFinalShapeNode | kFinalShortShape;
    c.mixer_rate = 12;
    // Round 8r: out the two selectors whose leave-one-out was a gain (last byte x bit position
    // -10 B, match x bit position -12 B on enwik8's first 300 KB; selector 0 and the seen-contexts
    // selector still know the match state); in the markup state x node, also as a 5th final
    // mixer (enwik8 1 MB: 204,653 -> 203,993 B for +1 % CPU; a 12th selector by the match's
    // expected byte x node bought 93 B more for +12 % CPU, and the first layer at rate 10 lost
    // 99 B). docs/cm.md, round 8r.
    c.dropped_selectors = 1u << kSelectorLastByteBit | 1u << kSelectorMatchBit;
    c.extra_selectors |= kSelectMarkupNode;
    c.extra_finals |= kFinalMarkupNode;
    // Round 9m: the confidence inputs at 96/16 of the rate (was 32), node maps by the last
    // byte's top 2 bits x inside a word, an SSE stage by order 2 x node x match state, and new
    // weight sets started from the trained ones (enwik8 1 MB: 203,993 -> 203,557 B, book1
    // 192,254 -> 191,919 B; docs/cm.md, round 9m).
    c.confidence_rate = 96;
    c.node_map_by_word = true;
    c.order2_match_sse = true;
    c.warm_start = true;
  }
  return c;
}

// The level's learning with or without the SSM input (Params::ssm). Round 10s: the level's own
// (see level_config(level, ssm)); before, level 9 with the SSM kept round 7's selectors and final
// mixers and left out round 9m's SSE stage, for memory. Round 10x: level 9 with the SSM lets the
// SSM's confidence choose weights: its selector replaces the order 3 x node one, the best of the
// nine replacements tried (all but selector 0; enwik8 300 KB: 64,186 -> 64,103 B; 1 MB and book1
// in docs/cm.md, round 10x).
inline LearningConfig learning_config(int level, bool ssm) {
  LearningConfig c = learning_config(level);
  if (ssm && level == 9) {
    c.extra_selectors = (c.extra_selectors & ~unsigned{kSelectOrder3Node}) | kSelectSsmNode;
  }
  return c;
}

}  // namespace kolmo::cm
