// The byte-level BPE tokenizer StateSMix uses (tokenizer.bin, layout in
// ../shared/reference/statesmix/README.md). The file is a parser input: load() validates every
// field (sizes against maxima, ids in range, every merge's string equal to the concatenation of
// its parts, every byte's token equal to that byte), so that decoding tokens always reproduces the
// bytes that were encoded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::statesmix {

// Compact ids and n-gram keys use 16 bits; up to 256 extra byte tokens are added to the vocabulary.
constexpr std::uint32_t kMaxVocabSize = 65536 - 256;
constexpr std::uint32_t kMaxMerges = 1u << 20;

class Tokenizer {
 public:
  static Expected<std::shared_ptr<const Tokenizer>> parse(ByteSpan file);

  // Tokenizer vocabulary plus one extra token per byte the file gives no token.
  std::uint32_t vocab_size() const { return static_cast<std::uint32_t>(offsets_.size() - 1); }
  std::uint64_t file_hash() const { return hash_; }
  // Byte string of token id (id < vocab_size()).
  ByteSpan token_bytes(std::uint32_t id) const {
    return ByteSpan(strings_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  // BPE: bytes to tokens, then repeatedly merge the lowest-ranked adjacent pair anywhere in the
  // stream (leftmost first on equal rank), no pre-split.
  std::vector<std::uint32_t> encode(ByteSpan input) const;

 private:
  struct Merge {
    std::uint64_t pair;  // left << 32 | right
    std::uint32_t rank;
    std::uint32_t merged;
  };
  const Merge* find_merge(std::uint32_t left, std::uint32_t right) const;

  std::uint64_t hash_ = 0;
  std::uint32_t byte_token_[256] = {};
  std::vector<std::uint8_t> strings_;
  std::vector<std::uint32_t> offsets_;
  std::vector<Merge> table_;  // open addressing on pair, power-of-two size
  std::uint64_t table_mask_ = 0;
};

// Finds tokenizer.bin: $KOLMO_STATESMIX_TOKENIZER, then $KOLMO_DATA/../reference/statesmix/,
// then ../shared/reference/statesmix/ relative to the working directory and to the source tree.
// Loaded once per process and path; kUnsupported with the places tried when there is none.
Expected<std::shared_ptr<const Tokenizer>> load_default_tokenizer();

}  // namespace kolmo::statesmix
