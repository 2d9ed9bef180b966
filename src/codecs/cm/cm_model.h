// The cm context-mixing model: predicts each bit of a byte (MSB first) from direct order-1/2 and
// hashed order-3+ / word / sparse / markup bit-history contexts, an order-0 map, a run model and a
// match model, mixes the predictions with a gated integer mixer and refines them with an SSE chain.
//
// Encoder and decoder drive the same class, so they stay in lockstep: per byte, 8 x (predict(),
// update(bit)), then end_byte() once the byte is stored at history[position]. Every step is integer
// arithmetic, hence identical on every compiler, CPU and thread count.
#pragma once

#include <cstdint>
#include <memory>

#include "codecs/cm/cm_components.h"
#include "codecs/cm/cm_config.h"
#include "codecs/cm/cm_learning.h"
#include "codecs/cm/cm_lstm.h"
#include "codecs/cm/cm_memory.h"
#include "codecs/cm/cm_params.h"
#include "codecs/cm/cm_side_contexts.h"
#include "codecs/cm/cm_ssm_input.h"
#include "codecs/cm/cm_word_state.h"
#include "kolmo/status.h"

namespace kolmo::cm {

// Heap memory of a model with these parameters; DecodeLimits::memory_bytes is checked against
// it before anything is allocated. side_contexts: a SideContexts provider's count (0: none).
std::uint64_t model_memory_bytes(const Params& p, int side_contexts = 0);

class Model {
 public:
  // history: the block being coded; the model reads history[0 .. bytes coded) only (the decoder
  // writes each byte there before end_byte()). Fails with kLimitExceeded when the model would
  // exceed memory_limit or an allocation fails. ssm: the SSM input when p.ssm (its memory is
  // counted by whoever built it), else null. side: extra contexts per byte (cm_side_contexts.h;
  // it must outlive the model), or null for the level's model alone.
  static Expected<std::unique_ptr<Model>> create(const Params& p, const std::uint8_t* history,
                                                 std::uint64_t memory_limit,
                                                 std::unique_ptr<SsmInput> ssm = nullptr,
                                                 SideContexts* side = nullptr);

  std::uint32_t predict();  // P(next bit == 1), 16 bits, within [kMinP, 65536 - kMinP]
  void update(int bit);
  void end_byte();

 private:
  static constexpr int kMaxContexts = kMaxLevelContexts;
  static constexpr std::uint32_t kMinP = 16;

  Model(const Params& p, const std::uint8_t* history, SideContexts* side);
  bool allocate();
  void select_slots(std::uint32_t line);
  void update_word(std::uint8_t byte);
  void update_lines_and_indirect(std::uint8_t byte);
  std::uint32_t byte_above() const;
  void update_match();
  std::uint32_t match_byte_context() const;
  void hash_contexts();
  void update_runs(std::uint8_t byte);
  void add_run_inputs();
  void add_unseen_group_inputs();
  int match_length_bucket() const;
  std::uint32_t match_context() const;
  std::uint32_t shape_node_context() const;
  std::uint32_t order2_match_context() const;
  std::uint64_t line_start_context() const;
  std::uint64_t wide_column_context() const;
  std::uint64_t line_word_context() const;
  int add_match_inputs();
  void add_context_inputs(int i);
  int count_seen_and_prefetch();
  int current_match_state();
  void prefetch_next_node_maps(int bit);
  void select_sse_contexts();
  std::size_t node_map_index(std::uint32_t state) const;
  std::size_t node_map_index(std::uint32_t c0, std::uint32_t state) const;
  void select_weight_sets(int seen, int match_state);
  std::uint32_t level_selector_context(int k, int known, int seen, int match_state) const;
  void select_extra_finals();
  std::uint32_t markup_state() const;
  std::uint32_t markup_node_context() const;
  std::uint32_t final_probability(int st, std::uint32_t p_mix);
  // The SSM input's hooks (cm_ssm_input.h), kept apart from the rest of the model.
  void add_ssm_weights(std::vector<std::int32_t>& weights, std::vector<int>& rates) const;
  void add_ssm_inputs();
  std::uint32_t ssm_node_context() const;
  std::uint32_t refine_with_ssm(int st, std::uint32_t p);
  // The LSTM input's hooks (cm_lstm.h); the model builds the LSTM itself when params.lstm.
  void add_lstm_weights(std::vector<std::int32_t>& weights, std::vector<int>& rates) const;
  void add_lstm_inputs();
  // The side provider's hooks (cm_side_contexts.cc): its contexts follow the level's.
  void add_side_kinds();
  void set_side_hashes(const std::uint64_t* side);
  void next_side_contexts(std::uint8_t byte);

  const Params params_;
  const LevelConfig config_;
  const ContextInputs extra_;  // round 10c: inputs about the contexts beyond their own
  const LearningConfig learning_;
  const LogisticTables& lt_;
  const StateTable& states_;
  const std::uint8_t* history_;

  ZeroedTable hashed_memory_, order1_memory_, order2_memory_, match_memory_, run_memory_;
  // Run model: per context hash, [check 16][byte 8][count 8]; run_[i] is context i's entry.
  std::uint32_t* run_table_ = nullptr;
  std::uint32_t run_mask_ = 0;
  std::uint32_t* run_[kMaxContexts] = {};
  std::uint32_t run_check_[kMaxContexts] = {};
  AdaptiveMap run_maps_[kMaxContexts];
  NibbleTable hashed_;
  std::uint32_t* match_index_ = nullptr;
  std::unique_ptr<SsmInput> ssm_;
  SideContexts* side_ = nullptr;
  int side_first_ = 0;  // index of the first side context (after the level's)
  Apm ssm_apm_;
  std::unique_ptr<LstmInput> lstm_;
  int ssm_inputs_[SsmInput::kInputs] = {};  // predicted before the weight sets are selected

  ContextKind kinds_[kMaxContexts] = {};
  int contexts_ = 0;
  std::uint32_t context_hash_[kMaxContexts] = {};
  std::uint8_t* slot_[kMaxContexts] = {};
  std::uint8_t* node_[kMaxContexts] = {};
  AdaptiveMap state_maps_[kMaxContexts];
  // Level 9 (round 7c): per context, a second StateMap on (last byte's class, node, state).
  AdaptiveMap node_maps_[kMaxContexts];
  AdaptiveMap order0_, match_map_;
  Mixer mixer_;
  static constexpr int kSseStages = 7;
  Apm apm_[kSseStages];
  std::uint32_t sse_context_[kSseStages] = {};  // per SSE stage, its context for this bit

  std::uint32_t c0_ = 1;      // bit-tree node of the current byte: 1, then 1 followed by its bits
  std::uint32_t nibble_ = 1;  // the same within the current nibble (1..15)
  int bit_pos_ = 0;
  std::uint64_t position_ = 0;  // bytes coded
  std::uint32_t c4_ = 0, c8_ = 0;  // the last 8 bytes, most recent in the low byte of c4_
  std::uint32_t word_ = 0, previous_word_ = 0, word_before_ = 0;
  std::uint32_t byte_before_word_ = 0;  // the byte before the current (or last) word's first letter
  std::uint32_t first_letter_ = 0;      // the current (or last) word's first letter
  std::uint32_t first_letters_ = 0;     // the first letters of the three words before it
  std::uint32_t line_first_word_ = 0;   // the first word of the current line (0 before it ends)
  bool line_has_word_ = false;
  std::uint32_t nest_ = 0;              // open brackets, 2 bits each (innermost lowest) + depth
  void update_nest(std::uint8_t byte);
  // Wiki emphasis: bit 0 italic, bit 1 bold, bit 2 the line is a heading (starts with '=').
  std::uint32_t emphasis_ = 0, quote_run_ = 0;  // quote_run_: the ' run so far
  void update_emphasis(std::uint8_t byte);

  // Markup nesting: [[ ]] and {{ }} depth (0..2 each), inside < >, inside & ;.
  std::uint32_t brackets_ = 0, braces_ = 0, in_tag_ = 0, in_entity_ = 0;
  std::uint32_t markup() const { return brackets_ + 3 * braces_ + 9 * in_tag_ + 18 * in_entity_; }
  void update_markup(std::uint8_t byte);
  std::uint64_t older_bytes(int from, int to) const;

  WordState text_;  // round 5a: punctuation, words per line, the shape of the recent bytes
  TextDetail detail_;  // round 9c: more lexical state (only where a context reads it)
  bool uses_detail_ = false;
  std::uint64_t detail_context(ContextKind kind) const;
  TokenState tokens_;  // round 10c: whitespace-delimited tokens (only where a context reads them)
  bool uses_tokens_ = false;
  std::uint32_t column_bucket() const;
  std::uint64_t line_start_ = 0, previous_line_start_ = 0;  // positions after the last two '\n'
  std::uint16_t after1_[256] = {};     // per byte value: the two bytes that followed it last
  std::unique_ptr<std::uint16_t[]> after2_;  // the same per pair of bytes (65536 entries)
  std::unique_ptr<std::uint32_t[]> word_after_;  // per word (hash >> 16): the word that followed it
  std::uint64_t match_ptr_ = 0;
  std::uint32_t match_len_ = 0;
  std::uint32_t expected_byte_ = 0;  // the match's next byte at the byte boundary (0: none)
  int expected_bit_ = 0;
  int longest_ = 0;  // the longest order context whose node was seen before (1..9, 0: none)
  int order_rank_[kMaxContexts] = {};  // per context: its order_rank()
};

}  // namespace kolmo::cm
