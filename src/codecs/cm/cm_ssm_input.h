// The cm model's optional SSM input (params flag bit 1, option `ssm`; docs/cm.md "SSM input"):
// token-level predictions of the statesmix engine (an online-trained Mamba model with n-gram logit
// biases, src/codecs/statesmix/engine.h) turned into one prediction per bit.
//
// Tokens. The bytes seen so far are cut into tokens causally, so the decoder can repeat it from
// past bytes alone: a token is the longest vocabulary string at the current start; it is committed
// when the next byte cannot extend it (or at once when no byte can: a leaf), and the bytes after
// it are walked again as the start of the next token. Committed tokens are fed to the engine, which
// then predicts the distribution of the next token (integer frequencies, 2^24 total).
//
// Bits. The vocabulary is sorted by byte string, so the tokens that continue the pending partial
// token with a given next byte prefix (the bits of the byte known so far) form a contiguous range
// of ids, and P(bit) is a ratio of two range sums of the engine's cumulative frequencies. Its
// stretch, and the same scaled by the share of the mass that continues the partial token at all
// (the rest is "the token ends here", about which the engine says nothing of the next byte), are
// the mixer inputs. Integer from the engine's frequencies on, so the decoder replays it exactly.
//
// Vocabulary. The encoder cuts the block with the tokenizer's vocabulary (optionally only its
// first ids: smaller and faster) and stores the ids it used (the compact vocabulary) in the
// payload; the same cut with only those ids gives the same tokens (a longest match in the full
// set that is in the subset is the longest in the subset). Payload header, after the text
// transform's size: u64 LE XXH64 of tokenizer.bin, varint token count N (1..coded bytes), varint
// ve (1..min(N, tokenizer vocabulary)), the Rice-coded sorted ids (statesmix_format.h).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "codecs/statesmix/engine.h"
#include "codecs/statesmix/tokenizer.h"
#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::cm {

// Byte strings sorted (then by id), each with its tokenizer id; ranks are the engine's token ids.
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

class SsmInput {
 public:
  static constexpr int kInputs = 2;

  // Encoder: cuts `coded` with the tokenizer's ids below vocab_limit (and every single-byte token),
  // writes the payload header and returns the input ready for the first byte.
  static Expected<std::unique_ptr<SsmInput>> for_encoding(ByteSpan coded, std::uint32_t vocab_limit,
                                                          unsigned threads, ByteWriter& header);
  // Decoder: reads and checks the header; memory_limit bounds what it may allocate (kLimitExceeded
  // before allocating), and without the tokenizer it fails with kUnsupported naming it.
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

  std::uint64_t tokens_fed() const { return fed_; }

 private:
  SsmInput(SortedVocabulary vocab, std::uint64_t n_tokens, unsigned threads);
  std::uint32_t range_sum(std::uint32_t from, std::uint32_t to) const;
  // The first rank in [from, to) whose byte at the pending depth is >= byte (to when none).
  std::uint32_t first_at_least(std::uint32_t from, std::uint32_t to, std::uint32_t byte) const;

  SortedVocabulary vocab_;
  TokenWalker walker_;
  statesmix::Engine engine_;
  std::uint64_t n_tokens_;
  std::uint64_t fed_ = 0;
  // The ranks whose next byte agrees with the bits known so far: [from_, to_); split_ divides
  // them by the next bit.
  std::uint32_t from_ = 0, to_ = 0, split_ = 0;
  std::uint32_t end_mass_ = 0;  // frequency of the pending bytes' own token (0 if none)
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
