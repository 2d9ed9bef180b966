#include "codecs/cm/cm_model.h"

#include <new>
#include <string>

namespace kolmo::cm {
namespace {

constexpr std::uint64_t kOrder1Bytes = 256ull * 17 * 16;
constexpr std::uint64_t kOrder2Bytes = 65536ull * 17 * 16;
constexpr std::uint32_t kMatchMaxLen = 65535;
constexpr std::uint32_t kMatchVerify = 255;  // bytes compared backwards when a match starts
constexpr int kBias = 256;
constexpr int kApm1Contexts = 65536, kApm2Contexts = 65536, kApm3Contexts = 65536;
constexpr int kApm4Contexts = 64 * 256;
constexpr int kShapeApmContexts = 65536;
constexpr int kOrder2MatchApmContexts = 65536;
// Level 9's node maps: per context, one entry per (last byte's class, bit-tree node, state).
constexpr std::size_t kNodeMapEntries = 8 * 256 * 256;

// A 64-bit finaliser (multiply-xorshift); the top 32 bits are well mixed.
std::uint32_t hash_to_32(std::uint64_t v) {
  v ^= v >> 31;
  v *= 0x7FB5D329728EA185ull;
  v ^= v >> 27;
  v *= 0x81DADEF4BC2DD44Dull;
  v ^= v >> 33;
  return static_cast<std::uint32_t>(v >> 32);
}

// Every model's main input starts at the level's initial weight (a cautious average until the
// weights have learnt); the secondary inputs start at 0.
std::vector<std::int32_t> initial_weights(const LevelConfig& c, int contexts,
                                          const ContextInputs& x = {}) {
  const std::int32_t kMain = c.initial_weight;
  std::vector<std::int32_t> w = {kMain};  // order 0
  for (int i = 0; i < contexts; ++i) {
    w.push_back(kMain);
    if (c.confidence_inputs) {
      w.push_back(0);
      w.push_back(0);
    }
  }
  if (c.run_model) {
    for (int i = 0; i < contexts; ++i) w.push_back(0);
  }
  for (int i = 0; i < x.count(); ++i) w.push_back(0);  // round 10c (ContextInputs)
  w.push_back(kMain);  // match model
  w.push_back(0);      // match model, linear in its length
  w.push_back(0);      // bias
  return w;
}

// The most inputs any configuration can have: order 0, four per context, match (2), bias, the
// unseen groups (round 10c). (Plus the SSM and LSTM inputs'.)
static_assert(1 + 4 * kMaxLevelContexts + 3 + ContextInputs::kUnseenGroups + SsmInput::kInputs +
                      LstmInput::kInputs <=
                  Mixer::kMaxInputs,
              "Mixer::kMaxInputs is too small");

// Per input, its class's learning-rate multiplier, in the order of initial_weights().
std::vector<int> input_rates(const LevelConfig& c, const LearningConfig& l, int contexts,
                             const ContextInputs& x = {}) {
  std::vector<int> r = {c.main_rate};
  // Round 9m: level 9's confidence inputs at 96/16 (was 32/16; enwik8 300 KB: 64 -90 B,
  // 96 -104 B, 128 -82 B).
  const int confidence_rate = l.confidence_rate != 0 ? l.confidence_rate : c.confidence_rate;
  for (int i = 0; i < contexts; ++i) {
    r.push_back(c.main_rate);
    if (c.confidence_inputs) {
      r.push_back(confidence_rate);
      r.push_back(confidence_rate);
    }
  }
  // run model, the unseen groups (round 10c), match (2), bias
  const int others = (c.run_model ? contexts : 0) + x.count() + 3;
  for (int i = 0; i < others; ++i) r.push_back(16);
  return r;
}

// Weight sets of the final mixers: bit-tree node (x what is known); node x match state (0..7).
int final_contexts(const LevelConfig& c) { return c.final_by_order ? 256 * 11 : 256; }
int second_final_contexts(const LevelConfig& c) { return c.second_final_by_match ? 256 * 8 : 0; }

// The extra final mixers' sets (LearningConfig::extra_finals), in the order they are added.
std::vector<int> extra_final_sizes(const LearningConfig& l) {
  std::vector<int> sizes;
  if ((l.extra_finals & kFinalShapeNode) != 0) sizes.push_back(65536);
  if ((l.extra_finals & kFinalShortShape) != 0) sizes.push_back(4096 * 8);
  if ((l.extra_finals & kFinalMarkupNode) != 0) sizes.push_back(65536);
  return sizes;
}

int input_count(const LevelConfig& c, int contexts) {
  return static_cast<int>(initial_weights(c, contexts).size());
}

std::vector<int> selector_sizes(const LevelConfig& c, const LearningConfig& l, int contexts) {
  // bit-tree node x what is known (match, else the longest order seen or the contexts seen)
  std::vector<int> level = {256 * (c.select_by_order ? 11 : 8)};
  if (c.mixer_selectors >= 2) level.push_back(256 * 8);  // last byte x bit position
  if (c.mixer_selectors >= 3) level.push_back((contexts + 1) * 8 * 4);  // seen contexts x bit x match
  if (c.mixer_selectors >= 4) level.push_back(256 * 8);  // the byte before last x bit position
  if (c.mixer_selectors >= 5) level.push_back(4096 * 8);  // the last 3 class runs x bit position
  if (c.mixer_selectors >= 6) level.push_back(36 * 8);   // markup state x bit
  if (c.mixer_selectors >= 7) level.push_back(64 * 8);   // match length x expected bit x bit
  if (c.mixer_selectors >= 8) level.push_back(65536);    // last byte x bit-tree node
  std::vector<int> sizes;
  for (std::size_t k = 0; k < level.size(); ++k) {
    if ((l.dropped_selectors >> k & 1) == 0) sizes.push_back(level[k]);
  }
  if ((l.extra_selectors & kSelectOrder2) != 0) sizes.push_back(65536);  // last two bytes
  if ((l.extra_selectors & kSelectOrder3Node) != 0) sizes.push_back(65536);  // order 3 x node
  if ((l.extra_selectors & kSelectShape) != 0) sizes.push_back(65536);  // shape x node
  if ((l.extra_selectors & kSelectMarkupNode) != 0) sizes.push_back(65536);  // markup x node
  if ((l.extra_selectors & kSelectSsmNode) != 0) sizes.push_back(65536);  // SSM x node (ssm)
  return sizes;
}

std::uint64_t mixer_bytes(const LevelConfig& c, const LearningConfig& l, int contexts,
                          int extra_inputs) {
  std::uint64_t sets = 0;
  for (int s : selector_sizes(c, l, contexts)) sets += static_cast<std::uint64_t>(s);
  const std::uint64_t stride =
      static_cast<std::uint64_t>((input_count(c, contexts) + extra_inputs + 7) & ~7);
  int finals = final_contexts(c) + second_final_contexts(c);
  for (int s : extra_final_sizes(l)) finals += s;
  std::uint64_t bytes =
      sets * stride * 4 + static_cast<std::uint64_t>(finals) * Mixer::kMaxSets * 4;
  if (l.set_boost != 0) bytes += sets * 2;  // a 16-bit update count per weight set
  if (l.final_boost != 0) bytes += static_cast<std::uint64_t>(finals) * 2;
  return bytes;
}

// Orders 1-6, 8, 12, 16 ranked 1..9; other contexts 0.
int order_rank(ContextKind k) {
  if (k <= kOrder6) return static_cast<int>(k) + 1;
  if (k == kOrder8) return 7;
  if (k == kOrder12) return 8;
  return k == kOrder16 ? 9 : 0;
}

int context_count(const LevelConfig& c) {
  int n = 0;
  for (int k = 0; k < kContextKinds; ++k) n += has_context(c, static_cast<ContextKind>(k)) ? 1 : 0;
  return n;
}

constexpr int kSsmRate = 16;  // the SSM inputs' mixer rate (16 = the level's base rate)
constexpr int kLstmRate = 16;  // the LSTM inputs' mixer rate

}  // namespace

std::uint64_t model_memory_bytes(const Params& p, int side_contexts) {
  const LevelConfig c = level_config(p.level, p.ssm);
  const LearningConfig l = learning_config(p.level, p.ssm);
  const int contexts = context_count(c) + side_contexts;
  // (Level 9 has no order 1 or 2 since round 10c: no direct tables.)
  std::uint64_t bytes = (std::uint64_t{16} << p.hash_bits) +
                        (has_context(c, kOrder1) ? kOrder1Bytes : 0) +
                        (has_context(c, kOrder2) ? kOrder2Bytes : 0) +
                        (std::uint64_t{4} << p.match_bits);
  bytes += static_cast<std::uint64_t>(contexts) * 256 * 4 + (256 + 64) * 4;  // adaptive maps
  if (c.confidence_inputs) bytes += static_cast<std::uint64_t>(contexts) * kNodeMapEntries * 4;
  bytes += 65536 * 2 + 65536 * 4;                                      // after2_, word_after_
  if (c.run_model) bytes += (std::uint64_t{4} << (p.hash_bits - 2)) + contexts * 64 * 4;
  const int extra_inputs = context_inputs(p.level, p.ssm).count();
  bytes += mixer_bytes(c, l, contexts,
                       extra_inputs + (p.ssm ? SsmInput::kInputs : 0) +
                           (p.lstm ? LstmInput::kInputs : 0));
  if (p.ssm) bytes += std::uint64_t{SsmInput::kSseContexts} * 33 * 2;  // ssm_apm_
  if (p.lstm) bytes += LstmInput::memory_bytes();
  bytes += static_cast<std::uint64_t>(256 + kApm1Contexts + kApm2Contexts) * 33 * 2;
  if (c.match_sse) bytes += static_cast<std::uint64_t>(kApm3Contexts + kApm4Contexts) * 33 * 2;
  if (l.shape_sse) bytes += std::uint64_t{kShapeApmContexts} * 33 * 2;
  if (l.order2_match_sse) bytes += std::uint64_t{kOrder2MatchApmContexts} * 33 * 2;
  return bytes + sizeof(Model);
}

bool side_contexts_fit(int level, int side) {
  return side >= 0 && side <= SideContexts::kMaxSideContexts &&
         context_count(level_config(level)) + side <= kMaxSideModelContexts;
}

Model::Model(const Params& p, const std::uint8_t* history, SideContexts* side)
    : params_(p),
      config_(level_config(p.level, p.ssm)),
      extra_(context_inputs(p.level, p.ssm)),
      learning_(learning_config(p.level, p.ssm)),
      lt_(logistic_tables()),
      states_(state_table()),
      history_(history),
      side_(side) {
  for (int k = 0; k < kContextKinds; ++k) {
    if (has_context(config_, static_cast<ContextKind>(k)) && contexts_ < kMaxContexts) {
      order_rank_[contexts_] = order_rank(static_cast<ContextKind>(k));
      kinds_[contexts_++] = static_cast<ContextKind>(k);
    }
  }
  if (side_ != nullptr) add_side_kinds();
  uses_detail_ = (config_.contexts & round9c_contexts()) != 0;
  uses_tokens_ = has_context(config_, kTokenPair);
}

Expected<std::unique_ptr<Model>> Model::create(const Params& p, const std::uint8_t* history,
                                               std::uint64_t memory_limit,
                                               std::unique_ptr<SsmInput> ssm,
                                               SideContexts* side) {
  if (p.ssm != (ssm != nullptr)) {
    return invalid_argument("cm model: the SSM input does not match the params");
  }
  const int side_count = side != nullptr ? side->count() : 0;
  if (side != nullptr && (side_count < 1 || !side_contexts_fit(p.level, side_count))) {
    return invalid_argument("cm model: no room for the side contexts at this level");
  }
  const std::uint64_t need = model_memory_bytes(p, side_count);
  if (need > memory_limit) {
    return limit_exceeded("cm model needs " + std::to_string(need) + " bytes, limit is " +
                          std::to_string(memory_limit));
  }
  std::unique_ptr<Model> m(new (std::nothrow) Model(p, history, side));
  bool allocated = false;
  try {  // the maps and the mixer are std::vectors: an exhausted heap is an error, not an abort
    allocated = m != nullptr && m->allocate();
  } catch (const std::bad_alloc&) {
    allocated = false;
  }
  if (!allocated) {
    return limit_exceeded("cm model: cannot allocate " + std::to_string(need) + " bytes");
  }
  if (side != nullptr) {
    std::uint64_t first[SideContexts::kMaxSideContexts] = {};
    side->start(first);
    m->set_side_hashes(first);
  }
  m->select_slots(0);
  m->ssm_ = std::move(ssm);
  return m;
}

bool Model::allocate() {
  if (!hashed_memory_.allocate(std::uint64_t{16} << params_.hash_bits) ||
      (has_context(config_, kOrder1) && !order1_memory_.allocate(kOrder1Bytes)) ||
      (has_context(config_, kOrder2) && !order2_memory_.allocate(kOrder2Bytes)) ||
      !match_memory_.allocate(std::uint64_t{4} << params_.match_bits)) {
    return false;
  }
  hashed_.attach(hashed_memory_.as<std::uint8_t>(), params_.hash_bits);
  match_index_ = match_memory_.as<std::uint32_t>();
  if (config_.run_model) {
    if (!run_memory_.allocate(std::uint64_t{4} << (params_.hash_bits - 2))) return false;
    run_table_ = run_memory_.as<std::uint32_t>();
    run_mask_ = (std::uint32_t{1} << (params_.hash_bits - 2)) - 1;
    for (int i = 0; i < contexts_; ++i) {
      run_maps_[i].init(64, 1023);
      run_[i] = run_table_;
    }
  }
  after2_.reset(new (std::nothrow) std::uint16_t[65536]());
  word_after_.reset(new (std::nothrow) std::uint32_t[65536]());
  if (after2_ == nullptr || word_after_ == nullptr) return false;
  for (int i = 0; i < contexts_; ++i) {
    state_maps_[i].init(256, 1023);
    seed_from_states(state_maps_[i], 1);
    if (config_.confidence_inputs) {
      node_maps_[i].init(kNodeMapEntries, 1023);
      seed_from_states(node_maps_[i], kNodeMapEntries / 256);
    }
  }
  order0_.init(256, 255);
  match_map_.init(64, 1023);
  std::vector<std::int32_t> weights = initial_weights(config_, contexts_, extra_);
  std::vector<int> rates = input_rates(config_, learning_, contexts_, extra_);
  if (params_.ssm) {
    add_ssm_weights(weights, rates);
    if (!ssm_apm_.init(SsmInput::kSseContexts, config_.apm_rate)) return false;
  }
  if (params_.lstm) {
    add_lstm_weights(weights, rates);
    lstm_ = LstmInput::create();
    if (lstm_ == nullptr) return false;
  }
  const int mixer_rate = learning_.mixer_rate != 0 ? learning_.mixer_rate : config_.mixer_rate;
  mixer_.init(weights, selector_sizes(config_, learning_, contexts_),
              final_contexts(config_), mixer_rate, rates,
              config_.final_rate, second_final_contexts(config_), config_.round_mixer_updates);
  if (learning_.set_boost != 0) mixer_.set_adaptation(learning_.set_boost, learning_.set_horizon);
  if (learning_.final_boost != 0) {
    mixer_.set_final_adaptation(learning_.final_boost, learning_.final_horizon);
  }
  for (int sets : extra_final_sizes(learning_)) (void)mixer_.add_final(sets);
  mixer_.set_warm_start(learning_.warm_start);
  for (Apm& a : apm_) a.set_update_both(learning_.apm_update_both);
  const int rate = config_.apm_rate;
  if (config_.match_sse &&
      !(apm_[3].init(kApm3Contexts, rate) && apm_[4].init(kApm4Contexts, rate))) {
    return false;
  }
  if (learning_.shape_sse && !apm_[5].init(kShapeApmContexts, rate)) return false;
  if (learning_.order2_match_sse && !apm_[6].init(kOrder2MatchApmContexts, rate)) return false;
  return apm_[0].init(256, rate) && apm_[1].init(kApm1Contexts, rate) &&
         apm_[2].init(kApm2Contexts, rate);
}

// Points every context at its slot for the coming nibble. line: 0 for the first nibble, the
// bit-tree node after four bits (16..31) for the second. The hashed contexts' lines are all
// prefetched first, so that their cache misses overlap. (Prefetching both candidate lines of the
// second nibble a bit earlier, after the third bit, bought nothing measurable: round 8s.)
void Model::select_slots(std::uint32_t line) {
  const std::uint32_t direct_line = line == 0 ? 0 : line - 15;  // 0..16
  std::uint32_t hashes[kMaxContexts];
  for (int i = 0; i < contexts_; ++i) {
    hashes[i] = line == 0 ? context_hash_[i]
                          : hash_to_32(context_hash_[i] + (std::uint64_t{line} << 32));
    if (kinds_[i] != kOrder1 && kinds_[i] != kOrder2) hashed_.prefetch(hashes[i]);
  }
  for (int i = 0; i < contexts_; ++i) {
    switch (kinds_[i]) {
      case kOrder1:
        slot_[i] = order1_memory_.as<std::uint8_t>() + (((c4_ & 0xff) * 17 + direct_line) << 4);
        break;
      case kOrder2:
        slot_[i] = order2_memory_.as<std::uint8_t>() +
                   (static_cast<std::uint64_t>((c4_ & 0xffff) * 17 + direct_line) << 4);
        break;
      default: slot_[i] = hashed_.find(hashes[i]);
    }
  }
}

// After a byte: each context's entry learns it (a repeat counts up, anything else restarts).
void Model::update_runs(std::uint8_t byte) {
  for (int i = 0; i < contexts_; ++i) {
    const std::uint32_t e = *run_[i];
    const bool mine = (e >> 16) == run_check_[i];
    std::uint32_t count = mine && ((e >> 8) & 0xff) == byte ? (e & 0xff) : 0;
    if (count < 255) ++count;
    *run_[i] = (run_check_[i] << 16) | (std::uint32_t{byte} << 8) | count;
  }
}

// Per context: if the byte that followed it last still agrees with this byte's bits so far, its
// next bit, with a reliability learnt per (run length, bit).
void Model::add_run_inputs() {
  for (int i = 0; i < contexts_; ++i) {
    const std::uint32_t e = *run_[i];
    const std::uint32_t byte = (e >> 8) & 0xff;
    if ((e >> 16) != run_check_[i] || ((byte | 256) >> (8 - bit_pos_)) != c0_) {
      (void)run_maps_[i].p(0);
      mixer_.add(0);
      continue;
    }
    const std::uint32_t count = e & 0xff;
    const std::uint32_t bit = (byte >> (7 - bit_pos_)) & 1;
    const std::uint32_t bucket =
        count < 16 ? count : (count < 32 ? 16 : 17 + ((count - 32) / 16 < 14 ? (count - 32) / 16 : 14));
    mixer_.add(stretch(lt_, run_maps_[i].p(bucket * 2 + bit)));
  }
}

// Round 10c: per order group (orders 1-4, orders 5-16, the other contexts), the share of its
// contexts whose node was never seen (0..512, 0 for an empty group). With the selected weight
// sets it acts as a bias for "this much is new here": a context's own input is 0 where its node
// is new, which says nothing about how many others are new too.
void Model::add_unseen_group_inputs() {
  int unseen[ContextInputs::kUnseenGroups] = {}, size[ContextInputs::kUnseenGroups] = {};
  for (int i = 0; i < contexts_; ++i) {
    const int g = order_rank_[i] == 0 ? 2 : (order_rank_[i] <= 4 ? 0 : 1);
    ++size[g];
    unseen[g] += *node_[i] == 0 ? 1 : 0;
  }
  for (int g = 0; g < ContextInputs::kUnseenGroups; ++g) {
    mixer_.add(size[g] == 0 ? 0 : unseen[g] * 512 / size[g]);
  }
}

void Model::hash_contexts() {
  const std::uint64_t c8 = (static_cast<std::uint64_t>(c8_) << 32) | c4_;
  for (int i = 0; i < contexts_; ++i) {
    std::uint64_t v = 0;
    switch (kinds_[i]) {
      case kOrder1: v = c4_ & 0xff; break;  // (slots in direct tables; the hash serves the runs)
      case kOrder2: v = c4_ & 0xffff; break;
      case kOrder3: v = c4_ & 0xffffff; break;
      case kOrder4: v = c4_; break;
      case kOrder5: v = c8 & 0xffffffffffull; break;
      case kOrder6: v = c8 & 0xffffffffffffull; break;
      case kOrder8: v = c8; break;
      case kWord:
        v = word_ != 0 ? word_ : (std::uint64_t{previous_word_} << 8 | (c4_ & 0xff)) + (1ull << 40);
        break;
      case kWordPair: v = word_ + (std::uint64_t{previous_word_} << 32); break;
      case kWordSkip: v = word_ + (std::uint64_t{word_before_} << 32); break;
      case kWordTriple:
        v = word_ + (std::uint64_t{previous_word_} << 32) + std::uint64_t{word_before_} * 0x9E3779B1u;
        break;
      case kColumn: v = (byte_above() << 8) | (c4_ & 0xff); break;
      case kIndirect1: v = (c4_ & 0xff) | (std::uint64_t{after1_[c4_ & 0xff]} << 8); break;
      case kIndirect2: v = (c4_ & 0xffff) | (std::uint64_t{after2_[c4_ & 0xffff]} << 16); break;
      case kSparseSkip1: v = c4_ & 0xffff00; break;
      case kSparseSkip2: v = c4_ & 0xffff0000u; break;
      case kWiki:
        v = (word_ != 0 ? word_ : (c4_ & 0xffff)) + (std::uint64_t{markup()} << 40);
        break;
      case kOrder12: v = c8 + older_bytes(9, 12) * 0x9E3779B97F4A7C15ull; break;
      case kOrder16: v = c8 + older_bytes(9, 16) * 0x9E3779B97F4A7C15ull; break;
      case kWordLast:
        v = word_ + (std::uint64_t{byte_before_word_} << 32) + (std::uint64_t{c4_ & 0xff} << 44);
        break;
      case kWordLetters: v = word_ + (std::uint64_t{first_letters_} << 32); break;
      case kLineStart: v = line_start_context(); break;
      case kWordNext: v = word_ + (std::uint64_t{word_after_[previous_word_ >> 16]} << 32); break;
      case kWordPunct: v = text_.punctuation_context(word_, c4_ & 0xff); break;
      case kColumnWide: v = wide_column_context(); break;
      case kLineWord: v = line_word_context(); break;
      case kShape: v = text_.shape_context(c4_ & 0xff); break;
      case kShapeWord: v = text_.shape_word_context(word_, previous_word_); break;
      case kShapeLong: v = text_.long_shape_context(c4_ & 0xff); break;
      case kShapeAbove:
        v = (std::uint64_t{byte_above()} << 32 | text_.recent_shape()) + (1ull << 50);
        break;
      case kColumnShape:
        v = wide_column_context() * 0x9E3779B97F4A7C15ull + text_.shape();
        break;
      case kShapeOrder2: v = text_.shape_order2_context(c4_ & 0xffff); break;
      case kMatchByte: v = match_byte_context(); break;
      case kLineFirstWord:
        v = (word_ != 0 ? word_ : (c4_ & 0xff)) + (std::uint64_t{line_first_word_} << 32);
        break;
      case kNest:
        v = (word_ != 0 ? word_ : (c4_ & 0xff)) + (std::uint64_t{nest_} << 32) + (1ull << 60);
        break;
      case kEmphasis:
        v = (word_ != 0 ? word_ : (c4_ & 0xff)) + (std::uint64_t{emphasis_} << 32) + (3ull << 60);
        break;
      case kTokenPair:
        v = tokens_.token() + (std::uint64_t{tokens_.previous_token()} << 32);
        break;
      case kContextKinds: break;
      default: v = detail_context(kinds_[i]); break;
    }
    context_hash_[i] = hash_to_32(v + (static_cast<std::uint64_t>(kinds_[i]) + 1) * 0x9E3779B97F4A7C15ull);
  }
}

// Round 9c's contexts (the kinds from kWordStem on): what TextDetail knows, mostly with the
// current word (else the last byte), the match's expected byte with order 2, the column.
std::uint64_t Model::detail_context(ContextKind kind) const {
  const TextDetail& d = detail_;
  const std::uint64_t word_or_last = word_ != 0 ? word_ : (c4_ & 0xff);
  const std::uint64_t previous = std::uint64_t{d.previous_word()} << 32;
  switch (kind) {
    case kWordStem:
      return previous + (d.word() != 0 ? d.word_prefix() : (c4_ & 0xff) + (1ull << 31));
    case kWordNonSpace: return word_or_last + (std::uint64_t{d.nonspace_before_word()} << 32);
    case kTagWord: return word_or_last + (std::uint64_t{d.open_tag()} << 32);
    case kMatchOrder2: return expected_byte_ | (std::uint64_t{c4_ & 0xffff} << 9);
    case kLineDistance: return (c4_ & 0xffff) | (std::uint64_t{column_bucket()} << 16);
    case kSparse13: return c4_ & 0xff00ffu;
    case kSegment: return d.segment();
    case kSegmentPair: return d.segment() + (std::uint64_t{d.previous_segment()} << 32);
    default: return 0;
  }
}

// The distance since the last new line in 15 buckets (0..14: exact up to 3, then by powers of 2).
std::uint32_t Model::column_bucket() const {
  const std::uint64_t column = position_ - line_start_;
  if (column < 4) return static_cast<std::uint32_t>(column);
  std::uint32_t b = 4;
  for (std::uint64_t edge = 8; edge <= 4096 && column >= edge; edge *= 2) ++b;
  return b;  // 4..14
}

// The match model follows the most recent earlier occurrence of the last match_min_len bytes and
// predicts the byte that came after it, for as long as the prediction keeps coming true.
void Model::update_match() {
  const std::uint64_t pos = position_;
  if (match_len_ > 0) {
    ++match_ptr_;
    if (match_len_ < kMatchMaxLen) ++match_len_;
  }
  expected_byte_ = 0;
  const int min_len = config_.match_min_len;
  if (pos < static_cast<std::uint64_t>(min_len)) return;
  const std::uint64_t c8 = (static_cast<std::uint64_t>(c8_) << 32) | c4_;
  const std::uint64_t key = min_len >= 8 ? c8 : c8 & ((std::uint64_t{1} << (8 * min_len)) - 1);
  const std::uint32_t index = hash_to_32(key) >> (32 - params_.match_bits);
  if (match_len_ == 0) {
    const std::uint64_t candidate = match_index_[index];
    if (candidate > 0) {
      std::uint32_t n = 0;
      while (n < kMatchVerify && n < candidate &&
             history_[candidate - 1 - n] == history_[pos - 1 - n]) {
        ++n;
      }
      if (n >= static_cast<std::uint32_t>(min_len)) {
        match_len_ = n;
        match_ptr_ = candidate;
      }
    }
  }
  if (match_len_ > 0) expected_byte_ = 256 | history_[match_ptr_];
  // Positions above 2^32 - 1 are not indexed (blocks are far smaller).
  if (pos <= 0xffffffffu) match_index_[index] = static_cast<std::uint32_t>(pos);
}

// The match's expected byte (256 + byte; 0 without a match), its length class (0..3) and the
// last byte. (With the last two bytes instead of the class, in addition: -15 B on enwik8 1 MB.)
std::uint32_t Model::match_byte_context() const {
  const std::uint32_t len = match_len_ == 0 ? 0 : (match_len_ < 16 ? 1 : (match_len_ < 32 ? 2 : 3));
  return expected_byte_ | (c4_ & 0xff) << 9 | len << 17;
}

int Model::match_length_bucket() const {
  if (match_len_ == 0) return 0;
  if (match_len_ < 16) return static_cast<int>(match_len_);
  const std::uint32_t extra = (match_len_ - 16) >> 3;
  return 16 + static_cast<int>(extra < 15 ? extra : 15);
}

// The weight sets are selected before the inputs are built (selecting starts loading the rows,
// which then overlaps the inputs' own cache misses; the order changes no bit).
std::uint32_t Model::predict() {
  const int seen = count_seen_and_prefetch();
  // The SSM input predicts first: the selectors may read its confidence (round 10x).
  if (ssm_ != nullptr) ssm_->predict(c0_, bit_pos_, ssm_inputs_);
  select_weight_sets(seen, current_match_state());
  select_sse_contexts();
  mixer_.add(stretch(lt_, order0_.p(c0_)));
  for (int i = 0; i < contexts_; ++i) add_context_inputs(i);
  if (config_.run_model) add_run_inputs();
  if (extra_.unseen_groups) add_unseen_group_inputs();
  (void)add_match_inputs();
  mixer_.add(kBias);
  if (ssm_ != nullptr) add_ssm_inputs();
  if (lstm_ != nullptr) add_lstm_inputs();
  const int st = mixer_.mix();
  const std::uint32_t p = final_probability(st, mixer_.last_p());
  return ssm_ != nullptr ? refine_with_ssm(st, p) : p;
}

// Context i's inputs: its StateMap's stretch and, at level 9, two confidence inputs at a quarter
// of that scale. A node never seen in this context (state 0) gives 0 for the StateMap's inputs,
// so that the mixer can tell "nothing known" from a learnt 50/50 (round 7c, enwik8 1 MB: -57 B at
// level 9, -42 B at level 5); the node map still speaks: it has learnt what new nodes do there.
void Model::add_context_inputs(int i) {
  std::uint8_t* node = slot_[i] + nibble_;
  node_[i] = node;
  const std::uint32_t state = *node;
  const std::uint32_t p = state_maps_[i].p(state);
  // Level 9: a second opinion, the same state's probability at this bit-tree node after a last
  // byte of this class (its top 3 bits). It replaces the linear input p - 1/2, keeping the input
  // count (round 7c, enwik8 1 MB at level 9: -942 B; by node alone -643, by bit position -286).
  const int node_st =
      config_.confidence_inputs ? stretch(lt_, node_maps_[i].p(node_map_index(state))) : 0;
  if (state == 0) {
    mixer_.add(0);
    if (config_.confidence_inputs) {
      mixer_.add(0);
      mixer_.add(node_st >> 2);
    }
    return;
  }
  const int st = stretch(lt_, p);
  mixer_.add(st);
  if (config_.confidence_inputs) {
    const bool deterministic = (states_.n0[state] == 0) != (states_.n1[state] == 0);
    // At a quarter of the main input's scale: at full scale the mixer adapts their weights 16
    // times faster and level 9 came out 0.8 % worse; a quarter bought 0.1 %.
    mixer_.add((deterministic ? st : 0) >> 2);
    mixer_.add(node_st >> 2);
  }
}

// What the selectors need before the inputs: the contexts whose node was visited before (state
// not 0) and the longest order among them (longest_). Each context's node map entry is prefetched
// on the way (level 9's node maps are far larger than the caches).
int Model::count_seen_and_prefetch() {
  int seen = 0;
  longest_ = 0;
  for (int i = 0; i < contexts_; ++i) {
    const std::uint32_t state = slot_[i][nibble_];
    if (config_.confidence_inputs) node_maps_[i].prefetch(node_map_index(state));
    if (state == 0) continue;
    ++seen;
    if (order_rank_[i] > longest_) longest_ = order_rank_[i];
  }
  return seen;
}

// The node map's entry: (the last byte's class, bit-tree node, state).
std::size_t Model::node_map_index(std::uint32_t state) const { return node_map_index(c0_, state); }

// Round 9m (LearningConfig::node_map_by_word): the class is the last byte's top 2 bits and whether
// a word is under way (enwik8 300 KB at level 9: -30 B; the match state instead: +118 B).
std::size_t Model::node_map_index(std::uint32_t c0, std::uint32_t state) const {
  const std::uint32_t byte_class = learning_.node_map_by_word
                                       ? ((c4_ & 0xff) >> 6) * 2 + (word_ != 0 ? 1u : 0u)
                                       : (c4_ & 0xff) >> 5;
  return (static_cast<std::size_t>(byte_class) * 256 + c0) * 256 + state;
}

// Two inputs: the match length's learnt reliability, and a fixed ramp in the length (so that the
// mixer can trust long matches at once). Returns 0 without a match, else 2..7: length class x
// expected bit.
int Model::add_match_inputs() {
  const int bucket = match_length_bucket();
  if (bucket == 0) {
    (void)match_map_.p(0);  // keeps update() uniform; context 0 is never read otherwise
    mixer_.add(0);
    mixer_.add(0);
    return 0;
  }
  expected_bit_ = (history_[match_ptr_] >> (7 - bit_pos_)) & 1;
  const std::uint32_t p = match_map_.p(static_cast<std::size_t>(bucket * 2 + expected_bit_));
  mixer_.add(stretch(lt_, p));
  const int strength = bucket * 64;
  mixer_.add(expected_bit_ != 0 ? strength : -strength);
  return current_match_state();
}

// 0 without a match, else 2..7: length class x expected bit. Sets expected_bit_ (the selectors
// read it before add_match_inputs() runs).
int Model::current_match_state() {
  const int bucket = match_length_bucket();
  if (bucket == 0) return 0;
  expected_bit_ = (history_[match_ptr_] >> (7 - bit_pos_)) & 1;
  return (bucket < 16 ? 1 : (bucket < 24 ? 2 : 3)) * 2 + expected_bit_;
}

// The weight-set selectors (sizes in selector_sizes()). Each added selector bought 0.5-2 % on
// enwik8's first MB; together with the second layer they are the level-5 model's largest gain
// after the word context.
void Model::select_weight_sets(int seen, int match_state) {
  // By bit-tree node and by how much is known: a match, else how many contexts were seen.
  const int known = config_.select_by_order ? (match_state > 0 ? 10 : longest_)
                                            : (match_state > 0 ? 7 : (seen > 6 ? 6 : seen));
  // The level's selectors in selector_sizes()'s order; those in dropped_selectors are skipped.
  int next = 0;
  for (int k = 0; k < config_.mixer_selectors; ++k) {
    if ((learning_.dropped_selectors >> k & 1) == 0) {
      mixer_.select(next++, level_selector_context(k, known, seen, match_state));
    }
  }
  // Round 5b: by the last two bytes (levels 5-9), and by order 3 with the node, hashed to 16 bits
  // (level 9). Sparse selectors like these pay once new weight sets learn fast (the boost in
  // cm_learning.h): enwik8 1 MB at level 9 -0.29 % and -0.11 %.
  const unsigned extra = learning_.extra_selectors;
  if ((extra & kSelectOrder2) != 0) mixer_.select(next++, c4_ & 0xffff);
  if ((extra & kSelectOrder3Node) != 0) {
    mixer_.select(next++, hash_to_32((c4_ & 0xffffff) | (std::uint64_t{c0_} << 24)) >> 16);
  }
  if ((extra & kSelectShape) != 0) mixer_.select(next++, shape_node_context());
  // Round 8r (level 9): the markup state with the node.
  if ((extra & kSelectMarkupNode) != 0) mixer_.select(next++, markup_node_context());
  // Round 10x (level 9 with ssm): the SSM input's confidence with the node.
  if ((extra & kSelectSsmNode) != 0) mixer_.select(next, ssm_node_context());
  const std::uint32_t by_known = c0_ + 256 * static_cast<std::uint32_t>(known);
  mixer_.select_final(config_.final_by_order ? by_known : c0_);
  if (config_.second_final_by_match) {
    mixer_.select_final2(c0_ + 256 * static_cast<std::uint32_t>(match_state));
  }
  select_extra_finals();
}

// The context of the level's selector k (0 .. LevelConfig::mixer_selectors - 1).
std::uint32_t Model::level_selector_context(int k, int known, int seen, int match_state) const {
  const std::uint32_t bit = static_cast<std::uint32_t>(bit_pos_);
  switch (k) {
    case 0: return c0_ + 256 * static_cast<std::uint32_t>(known);
    case 1: return (c4_ & 0xff) * 8 + bit;
    case 2:
      return (static_cast<std::uint32_t>(seen) * 8 + bit) * 4 +
             static_cast<std::uint32_t>(match_state / 2);
    case 3: return ((c4_ >> 8) & 0xff) * 8 + bit;
    // Round 6: the last 3 symbols of the shape (WordState), not the classes of the last 3 bytes:
    // enwik8 1 MB at level 5 -0.26 % for no measurable CPU.
    case 4: return text_.short_shape() * 8 + bit;
    case 5: return markup() * 8 + bit;
    case 6: return match_context() * 8 + bit;
    default: return c0_ | ((c4_ & 0xff) << 8);
  }
}

// Round 7b: the extra final mixers (LearningConfig::extra_finals), after the level's one or two:
// more final mixers averaged are a cheap way to let the second layer see more contexts (enwik8
// 1 MB at level 9: shape x node -382 B, then the short shape x bit position -240 B; docs/cm.md).
void Model::select_extra_finals() {
  int index = config_.second_final_by_match ? 2 : 1;
  if ((learning_.extra_finals & kFinalShapeNode) != 0) {
    mixer_.select_final_at(index++, shape_node_context());
  }
  if ((learning_.extra_finals & kFinalShortShape) != 0) {
    mixer_.select_final_at(index++, text_.short_shape() * 8 + static_cast<std::uint32_t>(bit_pos_));
  }
  if ((learning_.extra_finals & kFinalMarkupNode) != 0) {
    mixer_.select_final_at(index, markup_node_context());
  }
}

// Round 8r: where the byte is in the wiki markup (the two innermost open brackets and their
// depth, emphasis and headings, the [[ {{ < & state), what the last byte was (top 3 bits) and
// whether a word is under way, with the bit-tree node, hashed to 16 bits. Text inside links,
// templates, tags and bold spans is coded by differently weighted models (enwik8's first 300 KB
// at level 9: -140 B as a 12th selector without the last two fields, -35 B more with them). Also
// the 5th final mixer's context (12 B better there than without the last two fields).
std::uint32_t Model::markup_node_context() const {
  const std::uint64_t v = markup_state() | (std::uint64_t{(c4_ & 0xff) >> 5} << 20) |
                          (std::uint64_t{word_ != 0} << 24) | (std::uint64_t{c0_} << 32);
  return hash_to_32(v | (10ull << 48)) >> 16;
}

// The two innermost open brackets (4 bits), the depth (4 bits), the emphasis (3 bits) and the
// markup state (0..35) in 20 bits.
std::uint32_t Model::markup_state() const {
  return (nest_ & 0xf) | ((nest_ >> 16) << 4) | (emphasis_ << 8) | (markup() << 12);
}

// The shape of the recent bytes (8 class runs) with the bit-tree node, hashed to 16 bits.
// (Round 6, level 9: the 11th selector's and the 6th SSE stage's context; with the bit position
// instead of the node the selector bought 135 B less.)
std::uint32_t Model::shape_node_context() const {
  return hash_to_32(text_.shape() | (std::uint64_t{c0_} << 32) | (1ull << 48)) >> 16;
}

// The match length bucket (0..31) and the expected bit: 0..63, 0 without a match.
std::uint32_t Model::match_context() const {
  const int bucket = match_length_bucket();
  return bucket == 0 ? 0 : static_cast<std::uint32_t>(bucket * 2 + expected_bit_);
}

// The SSE stages' contexts (the bit-tree node; with the last byte; with the last two bytes,
// hashed; ...), chosen before the inputs are built so that their rows are prefetched.
void Model::select_sse_contexts() {
  std::uint32_t* ctx = sse_context_;
  ctx[0] = c0_;
  if (config_.apms >= 2) ctx[1] = c0_ | ((c4_ & 0xff) << 8);
  if (config_.apms >= 3) {
    const std::uint64_t order2 = (c4_ & 0xffff) | (std::uint64_t{c0_} << 24);
    ctx[2] = hash_to_32(order2) >> 16;
  }
  if (config_.match_sse) {
    const std::uint64_t order3 = (c4_ & 0xffffff) | (std::uint64_t{c0_} << 24) | (1ull << 40);
    ctx[3] = hash_to_32(order3) >> 16;
    ctx[4] = match_context() * 256 + c0_;
  }
  if (learning_.shape_sse) ctx[5] = shape_node_context();
  if (learning_.order2_match_sse) ctx[6] = order2_match_context();
  for (int k = 0; k < kSseStages; ++k) apm_[k].prefetch(ctx[k]);
}

// Round 9m: the last two bytes, the bit-tree node and the match state (match_context()), hashed to
// 16 bits: the 7th SSE stage's context.
std::uint32_t Model::order2_match_context() const {
  const std::uint64_t v = (c4_ & 0xffff) | (std::uint64_t{c0_} << 24) |
                          (std::uint64_t{match_context()} << 40) | (3ull << 56);
  return hash_to_32(v) >> 16;
}

// The SSE chain: each stage maps the mixer's stretch to a probability in a context (the bit-tree
// node; with the last byte; with the last two bytes, hashed) and is averaged with what came before.
// (Measured on enwik8's first MB: stage 2 buys about 1.2 %, stage 3 about 0.2 %.)
std::uint32_t Model::final_probability(int st, std::uint32_t p_mix) {
  const std::uint32_t* ctx = sse_context_;  // select_sse_contexts()
  const std::uint32_t a0 = apm_[0].p(st, ctx[0]);
  std::uint32_t p = (p_mix + 3 * a0) >> 2;
  if (config_.apms >= 2) {
    const std::uint32_t a1 = apm_[1].p(st, ctx[1]);
    p = (p + 3 * a1) >> 2;
  }
  if (config_.apms >= 3) {
    const std::uint32_t a2 = apm_[2].p(st, ctx[2]);
    p = (p + a2) >> 1;
  }
  if (config_.match_sse) {
    const std::uint32_t a3 = apm_[3].p(st, ctx[3]);
    const std::uint32_t a4 = apm_[4].p(st, ctx[4]);
    p = (2 * p + a3 + a4) >> 2;
  }
  if (learning_.shape_sse) {
    // Weighted 1/4 (1/2: 67 B worse).
    const std::uint32_t a5 = apm_[5].p(st, ctx[5]);
    p = (3 * p + a5) >> 2;
  }
  if (learning_.order2_match_sse) {
    // Round 9m, weighted 1/4 (1/2: 6 B worse on enwik8 300 KB; with the markup x node context
    // instead: 49 B worse).
    const std::uint32_t a6 = apm_[6].p(st, ctx[6]);
    p = (3 * p + a6) >> 2;
  }
  if (p < kMinP) p = kMinP;
  if (p > 65536 - kMinP) p = 65536 - kMinP;
  return p;
}

void Model::update(int bit) {
  for (int i = 0; i < contexts_; ++i) {
    *node_[i] = states_.next[*node_[i]][bit];
    state_maps_[i].update(bit);
  }
  if (config_.confidence_inputs) {
    for (int i = 0; i < contexts_; ++i) node_maps_[i].update(bit);
    prefetch_next_node_maps(bit);
  }
  order0_.update(bit);
  if (config_.run_model) {
    for (int i = 0; i < contexts_; ++i) run_maps_[i].update(bit);
  }
  match_map_.update(bit);
  if (match_len_ > 0 && expected_bit_ != bit) match_len_ = 0;
  mixer_.update(bit);
  apm_[0].update(bit);
  if (config_.apms >= 2) apm_[1].update(bit);
  if (config_.apms >= 3) apm_[2].update(bit);
  if (config_.match_sse) {
    apm_[3].update(bit);
    apm_[4].update(bit);
  }
  if (learning_.shape_sse) apm_[5].update(bit);
  if (learning_.order2_match_sse) apm_[6].update(bit);
  if (ssm_ != nullptr) {
    ssm_->update(bit);
    ssm_apm_.update(bit);
  }
  c0_ = (c0_ << 1) | static_cast<std::uint32_t>(bit);
  nibble_ = (nibble_ << 1) | static_cast<std::uint32_t>(bit);
  ++bit_pos_;
  if (bit_pos_ == 4) {
    nibble_ = 1;
    select_slots(c0_);
  }
}

// Within a nibble the next bit's node is in the same slot: its node map entries are prefetched
// before the mixer's update, which then hides their latency. (At a nibble's end the slots change;
// predict() prefetches them then.)
void Model::prefetch_next_node_maps(int bit) {
  if (bit_pos_ == 3 || bit_pos_ == 7) return;
  const std::uint32_t next_nibble = (nibble_ << 1) | static_cast<std::uint32_t>(bit);
  const std::uint32_t next_c0 = (c0_ << 1) | static_cast<std::uint32_t>(bit);
  for (int i = 0; i < contexts_; ++i) {
    node_maps_[i].prefetch(node_map_index(next_c0, slot_[i][next_nibble]));
  }
}

void Model::end_byte() {
  const std::uint8_t byte = history_[position_];
  update_lines_and_indirect(byte);
  ++position_;
  c8_ = (c8_ << 8) | (c4_ >> 24);
  c4_ = (c4_ << 8) | byte;
  update_word(byte);
  update_markup(byte);
  text_.update(byte);
  if (uses_detail_) detail_.update(byte);
  if (uses_tokens_) tokens_.update(byte);
  update_match();
  if (config_.run_model) update_runs(byte);
  if (ssm_ != nullptr) ssm_->end_byte(byte);
  if (lstm_ != nullptr) lstm_->end_byte(byte);
  hash_contexts();
  if (side_ != nullptr) next_side_contexts(byte);
  if (config_.run_model) {
    for (int i = 0; i < contexts_; ++i) {
      run_[i] = &run_table_[(context_hash_[i] >> 8) & run_mask_];
      run_check_[i] = context_hash_[i] & 0xffff;
      __builtin_prefetch(run_[i]);
    }
  }
  c0_ = 1;
  nibble_ = 1;
  bit_pos_ = 0;
  select_slots(0);
}

// ---- SSM input (params.ssm) ----

// Its inputs come after the bias: the plain stretch starts at 0, the one scaled by the share of
// the mass that continues the token at the level's main weight.
void Model::add_ssm_weights(std::vector<std::int32_t>& weights, std::vector<int>& rates) const {
  weights.push_back(0);
  weights.push_back(config_.initial_weight);
  for (int i = 0; i < SsmInput::kInputs; ++i) rates.push_back(kSsmRate);
}

// An SSE stage on the SSM's opinion of this bit (its probability, how much of its mass continues
// the token, bit position), averaged with the chain's probability: enwik8's first 200 KB at cm:5
// with the SSM, 44,053 B without it, 43,920 averaged 1:1, 43,959 at 1:3.
std::uint32_t Model::refine_with_ssm(int st, std::uint32_t p) {
  const std::uint32_t a = ssm_apm_.p(st, ssm_->sse_context());
  std::uint32_t r = (p + a) >> 1;
  if (r < kMinP) r = kMinP;
  if (r > 65536 - kMinP) r = 65536 - kMinP;
  return r;
}

void Model::add_ssm_inputs() {
  for (const int x : ssm_inputs_) mixer_.add(x);
}

// Round 10x (LearningConfig kSelectSsmNode): the SSM input's confidence for this bit (its P(1)
// and the share of its mass that continues the token, from the predict() that runs before the
// selection), inside a word or not, and the bit-tree node, hashed to 16 bits. enwik8 300 KB at
// cm:9,ssm in place of the order 3 x node selector: -83 B; confidence x node alone -65 B,
// confidence x bit position -42 B, as an 11th selector -61 B (docs/cm.md, round 10x).
std::uint32_t Model::ssm_node_context() const {
  const std::uint32_t confidence =
      ssm_ != nullptr ? ssm_->confidence() : SsmInput::kConfidenceContexts - 1;
  const std::uint64_t v = confidence | (std::uint64_t{c0_} << 8) |
                          (std::uint64_t{word_ != 0} << 16) | (11ull << 48);
  return hash_to_32(v) >> 16;
}

// ---- LSTM input (params.lstm) ----

// Like the SSM's: the plain stretch starts at 0, the one scaled by the node's mass at the level's
// main weight.
void Model::add_lstm_weights(std::vector<std::int32_t>& weights, std::vector<int>& rates) const {
  weights.push_back(0);
  weights.push_back(config_.initial_weight);
  for (int i = 0; i < LstmInput::kInputs; ++i) rates.push_back(kLstmRate);
}

void Model::add_lstm_inputs() {
  int in[LstmInput::kInputs];
  lstm_->predict(c0_, bit_pos_, in);
  for (const int x : in) mixer_.add(x);
}

}  // namespace kolmo::cm
