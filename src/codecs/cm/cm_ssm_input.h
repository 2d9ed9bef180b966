// The cm model's optional SSM input (params flag bit 1, option `ssm`; docs/cm.md "SSM input"):
// token-level predictions from statesmix's sparse token models (n-gram, LZ and recency logit
// biases over a count prior, src/codecs/statesmix/context_models.h) turned into one prediction
// per bit. Round 10s dropped statesmix's Mamba (its vocabulary-wide head and online training cost
// about 150 s of CPU per MB of text for about 0.1 % of the file).
//
// Tokens. The bytes seen so far are cut into tokens causally, so the decoder can repeat it from
// past bytes alone: a token is the longest vocabulary string at the current start; it is committed
// when the next byte cannot extend it (or at once when no byte can: a leaf), and the bytes after
// it are walked again as the start of the next token. Committed tokens are fed to the token model,
// which then predicts the distribution of the next token.
//
// Bits. The vocabulary is sorted by byte string, so the tokens that continue the pending partial
// token with a given next byte prefix (the bits of the byte known so far) form a contiguous range
// of ranks, and P(bit) is a ratio of two range masses. When the pending bytes spell a token
// themselves, its mass ("the token ends here") is spread over the first bytes of the token that
// would follow it: a second, speculative distribution with the pending token appended to the
// history. The mixer inputs: the stretch of that P(bit), and the stretch of the continuation alone
// scaled by the share of the mass that continues the token.
//
// Vocabulary. The encoder cuts the block with the tokenizer's vocabulary (optionally only its
// first ids) and stores the ids it used (the compact vocabulary) in the payload; the same cut with
// only those ids gives the same tokens (a longest match in the full set that is in the subset is
// the longest in the subset). Payload header, after the text transform's size: u64 LE XXH64 of
// tokenizer.bin, varint token count N (1..coded bytes), varint ve (1..min(N, tokenizer
// vocabulary)), the Rice-coded sorted ids (statesmix_format.h).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "codecs/statesmix/context_models.h"
#include "codecs/statesmix/tokenizer.h"
#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::cm {

// Byte strings sorted (then by id), each with its tokenizer id; ranks are the token model's ids.
struct SortedVocabulary {
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint32_t> offsets;  // rank -> start in bytes; one past the last entry
  std::vector<std::uint32_t> ids;      // rank -> tokenizer id

  std::uint32_t size() const { return static_cast<std::uint32_t>(ids.size()); }
  std::uint32_t length(std::uint32_t r) const { return offsets[r + 1] - offsets[r]; }
  std::uint8_t at(std::uint32_t r, std::uint32_t i) const { return bytes[offsets[r] + i]; }
};

// The tokenizer ids' strings in byte-string order. A string that appears twice keeps only its
// first id (*duplicates counts the others; the decoder refuses a stored vocabulary with any).
SortedVocabulary sort_vocabulary(const statesmix::Tokenizer& tok,
                                 const std::vector<std::uint32_t>& ids, std::uint32_t* duplicates);

// The causal longest-match cut (see the top of this file).
class TokenWalker {
 public:
  explicit TokenWalker(const SortedVocabulary* vocab) : vocab_(vocab) { restart(); }

  // Adds a byte; calls emit(rank) for each token it commits (0, 1 or more).
  template <class Emit>
  void push(std::uint8_t byte, Emit&& emit);
  // End of the block: commits what is pending (the encoder's count of tokens).
  template <class Emit>
  void finish(Emit&& emit);

  // The tokens that extend the pending bytes: ranks [lo, hi); the pending bytes' own token, when
  // they spell one, is lo (the shortest sorts first).
  std::uint32_t lo() const { return lo_; }
  std::uint32_t hi() const { return hi_; }
  std::uint32_t depth() const { return static_cast<std::uint32_t>(walked_); }
  bool pending_is_token() const { return lo_ < hi_ && vocab_->length(lo_) == walked_; }

 private:
  void restart();
  bool extend(std::uint8_t byte);
  // Commits the longest token seen on the path (or drops one byte no token starts with) and
  // leaves the rest of the pending bytes to walk again.
  template <class Emit>
  void commit(Emit&& emit);

  const SortedVocabulary* vocab_;
  std::vector<std::uint8_t> pending_;
  std::size_t walked_ = 0;       // pending_[0 .. walked_) narrowed the range
  std::uint32_t lo_ = 0, hi_ = 0;
  std::uint32_t last_rank_ = 0;  // the longest token on the path, if last_length_ > 0
  std::size_t last_length_ = 0;
};

// Round 10t: cm's weight of each source of statesmix's sparse biases (statesmix::kBiasSources).
// cm's mixer and SSE stages take the token model beside the byte contexts, which already cover
// the long contexts, so the short-range sources count more than in statesmix's codec (whose
// weights stay as they are): the n-gram biases of contexts of 1-3 tokens x3, the LZ predictor's
// x4, the recency bonus x6, the longer n-grams x1 (docs/cm.md, round 10t).
float bias_source_scale(int source);

// The next token's distribution from statesmix's sparse logit biases (n-grams of 1-7, 15 and 31
// tokens, LZ, recency) over its count prior, as statesmix's engine forms it without the Mamba
// (its logits 0, entropy scale 1), the biases scaled by source for cm (bias_source_scale): the
// softmax weight of token j is w_j = d_j e^(b_j), with d_j = (count_j + 1)^0.1 in fixed point,
// kept in a Fenwick tree over the ranks (range sums in log time), and b_j the sum of its scaled
// sparse biases (only the tokens that have one are listed). A
// range's mass is g (D(b) - D(a)) + the extras of its listed tokens, g = e^-M with M the largest
// bias. Doubles in a fixed order from integer counts and statesmix's deterministic exp / log, so
// the decoder replays every bit.
class SparseTokenModel {
 public:
  struct Listed {
    std::uint32_t rank;
    double extra;  // its weight beyond g d_j
  };
  struct Distribution {
    double g = 1.0;  // scale of the dense part
    std::vector<Listed> listed;
    double total = 0.0;
  };

  SparseTokenModel(std::uint32_t ve, std::uint64_t n_tokens);
  static std::uint64_t memory_bytes(std::uint32_t ve, std::uint64_t n_tokens);

  // The next token's distribution after the learned history (into next()).
  void predict();
  // The distribution after the learned history and `token` (not learned).
  void predict_after(std::uint32_t token, Distribution& out);
  // Learns the token that followed the history of the last predict().
  void update(std::uint32_t token);

  const Distribution& next() const { return next_; }
  // Dense weights of ranks [0, r), unscaled.
  std::uint64_t dense_prefix(std::uint32_t r) const;
  std::uint32_t vocabulary_size() const { return ve_; }

 private:
  template <class Scan>
  void build(Scan&& scan, Distribution& out);
  static std::uint32_t dense_weight(std::uint32_t count);
  void add_dense(std::uint32_t rank, std::int64_t delta);

  std::uint32_t ve_;
  statesmix::ContextModels contexts_;
  std::vector<std::uint32_t> history_;
  std::vector<std::uint32_t> counts_;
  std::vector<std::uint32_t> dense_;    // d_j, fixed point 2^16
  std::vector<std::uint64_t> fenwick_;  // of dense_
  std::vector<float> acc_;              // bias per rank while a distribution is built (0: none)
  std::vector<std::uint32_t> touched_;
  std::array<float, statesmix::kBiasSources> scale_;  // bias_source_scale per source
  std::vector<std::uint32_t> tail_;     // the speculative history's last tokens
  Distribution next_;
};

class SsmInput {
 public:
  static constexpr int kInputs = 2;

  // Encoder: cuts `coded` with the tokenizer's ids below vocab_limit (and every single-byte token),
  // writes the payload header and returns the input ready for the first byte; or nullptr (and
  // no header) when its memory_bytes would exceed memory_budget. threads: unused (the token
  // model is serial); kept for the callers.
  static Expected<std::unique_ptr<SsmInput>> for_encoding(ByteSpan coded, std::uint32_t vocab_limit,
                                                          unsigned threads,
                                                          std::uint64_t memory_budget,
                                                          ByteWriter& header);
  // Decoder: reads and checks the header; memory_limit bounds what it may allocate (kLimitExceeded
  // before allocating), and without the tokenizer it fails with kUnsupported naming it. threads:
  // unused, as above.
  static Expected<std::unique_ptr<SsmInput>> read(ByteReader& in, std::uint64_t coded_size,
                                                  std::uint64_t memory_limit, unsigned threads);
  // Heap memory of the input for a compact vocabulary of ve strings of string_bytes in total.
  static std::uint64_t memory_bytes(std::uint32_t ve, std::uint64_t n_tokens,
                                    std::uint64_t string_bytes);

  // The mixer inputs for the next bit (stretches, +-2047): c0 is the bit-tree node of the byte
  // (1, then 1 followed by its known bits), bit_pos the number of known bits.
  void predict(std::uint32_t c0, int bit_pos, int* inputs);
  void update(int bit);
  void end_byte(std::uint8_t byte);
  // A context for an SSE stage from the last predict(): the SSM's probability (24 buckets of its
  // stretch) x the share that continues the token (5 buckets) x bit position, or one of 8
  // "nothing continues" contexts. < kSseContexts.
  static constexpr std::uint32_t kSseContexts = (24 * 5 + 1) * 8;
  std::uint32_t sse_context() const { return sse_context_; }
  // Round 10x: the same without the bit position: the SSM's confidence for the next bit (24
  // buckets of its stretch x 5 of the share that continues the token, or 120 when nothing
  // continues). < kConfidenceContexts. (Keeps to set_sse_context()'s layout: bit position lowest.)
  static constexpr std::uint32_t kConfidenceContexts = 24 * 5 + 1;
  std::uint32_t confidence() const { return sse_context_ >> 3; }

  std::uint64_t tokens_fed() const { return fed_; }

 private:
  SsmInput(SortedVocabulary vocab, std::uint64_t n_tokens);
  // The ranges and listed tokens of a new byte.
  void start_byte();
  void set_sse_context(int st, std::uint64_t share, int bit_pos);
  // The first rank in [from, to) whose byte at the pending depth is >= byte (to when none).
  std::uint32_t first_at_least(std::uint32_t from, std::uint32_t to, std::uint32_t byte) const;
  // The same for the first byte.
  std::uint32_t first_byte_at_least(std::uint32_t from, std::uint32_t to, std::uint32_t byte) const;

  SortedVocabulary vocab_;
  TokenWalker walker_;
  SparseTokenModel tokens_;
  std::uint64_t n_tokens_;
  std::uint64_t fed_ = 0;
  bool fresh_ = true;  // the token model predicted since the last byte
  // The ranks whose next byte agrees with the bits known so far: [from_, to_), with their listed
  // tokens; split_ divides them by the next bit. end_weight_: the mass of the pending bytes' own
  // token (0 if none).
  std::uint32_t from_ = 0, to_ = 0, split_ = 0;
  std::vector<SparseTokenModel::Listed> active_;
  double end_weight_ = 0.0;
  // When the pending bytes spell a token: the next token's distribution if it ends here, and the
  // ranks whose first byte agrees with the known bits, [qfrom_, qto_), split at qsplit_.
  bool have_q_ = false;
  SparseTokenModel::Distribution q_;
  std::vector<SparseTokenModel::Listed> q_active_;
  std::uint32_t qfrom_ = 0, qto_ = 0, qsplit_ = 0;
  std::uint32_t sse_context_ = 0;
};

// ---- TokenWalker templates ----

template <class Emit>
void TokenWalker::commit(Emit&& emit) {
  const std::size_t cut = last_length_ > 0 ? last_length_ : 1;
  if (last_length_ > 0) emit(last_rank_);
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(cut));
  restart();
}

template <class Emit>
void TokenWalker::push(std::uint8_t byte, Emit&& emit) {
  pending_.push_back(byte);
  while (walked_ < pending_.size()) {
    if (!extend(pending_[walked_])) {
      commit(emit);
      continue;
    }
    ++walked_;
    if (vocab_->length(lo_) == walked_) {
      last_rank_ = lo_;
      last_length_ = walked_;
      if (hi_ - lo_ == 1) commit(emit);  // a leaf: no byte can extend it
    }
  }
}

template <class Emit>
void TokenWalker::finish(Emit&& emit) {
  while (!pending_.empty()) {
    commit(emit);
    const std::vector<std::uint8_t> rest = pending_;
    pending_.clear();
    for (const std::uint8_t b : rest) push(b, emit);
  }
}

}  // namespace kolmo::cm
