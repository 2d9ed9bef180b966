// What each cm level models. The level is stored in the block parameters and this table is part
// of the format: changing a level's entry changes what its files decode to, so a change here
// needs a new kParamsVersion (cm_params.h).
#pragma once

#include <cstdint>

namespace kolmo::cm {

// Byte-aligned contexts of the model. Orders 1 and 2 use direct tables; the rest are hashed.
enum ContextKind : std::uint8_t {
  kOrder1,
  kOrder2,
  kOrder3,
  kOrder4,
  kOrder5,
  kOrder6,
  kOrder8,  // modelled at no level since round 9 (kept: the kinds after it keep their numbers)
  kWord,         // the letters of the current word (after a word: the last word and separator)
  kWordPair,     // the current word and the one before it
  kSparseSkip1,  // bytes 2 and 3 back (skips the last byte)
  kSparseSkip2,  // bytes 3 and 4 back
  kWordSkip,     // the current word and the one two words back
  kWordTriple,   // the current word and the two before it
  kColumn,       // the byte above in the previous line (same column) and the last byte
  kIndirect1,    // the last byte and the two bytes that followed its previous occurrences
  kIndirect2,    // the same for the last two bytes
  kWiki,         // markup state ([[ ]], {{ }}, < >, & ;) with the word, else the last 2 bytes
  kOrder12,      // the last 12 bytes
  kOrder16,      // the last 16 bytes
  kWordLast,     // the current word, the byte before its first letter and the last byte
  kWordLetters,  // the current word and the first letters of the three words before it (no
                 // level since round 6: at level 9 it bought nothing)
  kLineStart,    // the first two bytes of the current line, the column (capped) and the last byte
  kWordNext,     // the current word and the word that followed the last word's previous occurrence
  // Round 5a: text contexts (cm_word_state.h; docs/cm.md, round 5a); levels 5-9 from kColumnWide,
  // kShape, kShapeAbove, level 9 the rest.
  kWordPunct,    // the current word (else the last byte), the last punctuation, words since it
  kColumnWide,   // the bytes above-left, above and above-right, and the line's first byte
  kLineWord,     // the current word (else the last byte), the line's first byte, its words (0-3)
  kShape,        // the character classes of the recent bytes (8 runs) and the last byte
  kShapeWord,    // the current word (else the last word) and the last 4 class runs
  kShapeLong,    // the last 16 class runs and the last byte
  kShapeAbove,   // the byte above and the last 4 class runs
  kColumnShape,  // the bytes above-left, above, above-right, the line's first byte, 8 class runs
  kShapeOrder2,  // round 6, level 9: the last 8 class runs and the last 2 bytes
  // Round 7a, level 9 (docs/cm.md, round 7a):
  kMatchByte,      // the match model's expected byte (none: 0), its length class and the last byte
  kLineFirstWord,  // the first word of the line with the current word (else the last byte)
  kNest,           // the open brackets ( [ { < (innermost 8) with the word (else the last byte)
  kEmphasis,       // inside ''italic'' / '''bold''' and == heading == lines, with the word (else
                   // the last byte)
  // Round 9c, level 9 (TextDetail in cm_word_state.h; docs/cm.md, round 9c):
  kWordStem,      // the last word and the current word's first 4 letters (between words: the
                  // last byte)
  kWordNonSpace,  // the current word (else the last byte), the last non-space byte before it
  kTagWord,       // the innermost open XML tag with the word (else the last byte)
  kMatchOrder2,   // the match model's expected byte (none: 0) and the last two bytes
  kLineDistance,  // the column (bucketed: cm_model.cc column_bucket()) and the last two bytes
  kSparse13,      // the last byte and the one 3 back
  kSegment,       // the bytes since the last [ { < or |
  kSegmentPair,   // the segment before the current one and the current one
  // Round 10c, level 9 (TokenState in cm_word_state.h; docs/cm.md, round 10c):
  kTokenPair,  // the whitespace-delimited token so far (with punctuation) and the one before it
  kContextKinds,
};

struct LevelConfig {
  std::uint64_t contexts = 0;  // bit k set: ContextKind k is modelled
  int max_hash_bits = 22;
  int slots_per_byte_log2 = 4;  // hashed slots: 2^this per block byte, up to 2^max_hash_bits
  int max_match_bits = 20;
  int match_min_len = 6;        // bytes of context a match model candidate must share (<= 8)
  int mixer_selectors = 1;      // weight-set selectors (1..8, see Model::predict); more than one
                                // adds a second mixer layer
  int apms = 1;                 // SSE stages (1..3)
  int apm_rate = 7;             // SSE points move 1/2^apm_rate of the way to each bit
  int mixer_rate = 16;
  int initial_weight = 19660;   // 16.16 starting weight of each model's main mixer input
  bool run_model = false;       // per context: the byte that followed it last, and how often
  bool confidence_inputs = false;  // per context two more mixer inputs: the stretch again when the
                                   // bit history is deterministic, and p - 1/2 (linear)
  bool select_by_order = false;    // the first selector: match, else the longest order seen
                                   // (not the number of contexts seen)
  bool match_sse = false;          // two more SSE stages: order 3 (hashed) and the match state
  // Mixer learning (round 4): each main input's rate and the confidence inputs' rate in 1/16 of
  // mixer_rate (16 = 1x; the other inputs learn at 1x); the second layer's own rate; rounded
  // weight updates (the floor of a shift drifts every weight towards minus infinity).
  int main_rate = 16;
  int confidence_rate = 16;
  int final_rate = 0;                 // 0: mixer_rate
  bool round_mixer_updates = false;
  bool final_by_order = false;        // second layer's weights by node x what is known (else node)
  bool second_final_by_match = false; // a second final mixer (node x match state), averaged in
                                      // the stretch domain with the first
};

LevelConfig level_config(int level);
// The level's contexts with or without the SSM input (Params::ssm): the same since round 10s, whose
// token model (statesmix's n-gram biases without its Mamba) fits beside level 9's whole model in
// the 2 GiB decoder default, and the encoder leaves it out of any block where it would not. (Round
// 8's 32 contexts were kept with the SSM before.)
LevelConfig level_config(int level, bool ssm);
// Round 9c's level-9 contexts (kWordStem .. kSegmentPair).
std::uint64_t round9c_contexts();

// Round 10c: mixer inputs about the contexts beyond each context's own (docs/cm.md, round 10c).
// The same with or without the SSM input (the ssm argument is kept for the callers' symmetry
// with level_config).
struct ContextInputs {
  // Per order group (orders 1-4, orders 5-16, the other contexts): the share of its contexts
  // whose node was never seen, as a bias-like input (level 9).
  bool unseen_groups = false;
  static constexpr int kUnseenGroups = 3;
  int count() const { return unseen_groups ? kUnseenGroups : 0; }  // mixer inputs added
};
ContextInputs context_inputs(int level, bool ssm);
// Round 10c's changes to level 9's contexts (level 7 shares them; level 8 keeps the contexts it
// had): five contexts out whose leave-one-out cost nothing, the token pair in.
std::uint64_t round10c_dropped_contexts();
std::uint64_t round10c_added_contexts();

inline bool has_context(const LevelConfig& c, ContextKind k) { return (c.contexts >> k & 1) != 0; }

static_assert(kContextKinds <= 64, "LevelConfig::contexts has 64 bits");

// The most contexts one level may model (the mixer's input count is sized for it): level 8's 40
// (level 9 models 36 since round 10c).
constexpr int kMaxLevelContexts = 40;
// The most contexts a level may model with side contexts (cm_side_contexts.h): round 9c raised
// kMaxLevelContexts for level 9's own contexts; the side-information way keeps the room it had,
// so that the levels it chooses (the log codec's side_level()) stay as they were.
constexpr int kMaxSideModelContexts = 32;

}  // namespace kolmo::cm
