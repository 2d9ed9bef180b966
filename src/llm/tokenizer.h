// The llama2.c tokenizer (tokenizer.bin / tok512.bin): a vocabulary of byte strings with merge
// scores, encoded as in llama2.c's run.c: optional BOS, a dummy-prefix space, UTF-8 characters
// looked up whole (unknown ones fall back to byte tokens <0xXX> = byte + 3), then repeated merging
// of the adjacent pair whose concatenation is in the vocabulary with the highest score (leftmost
// on ties).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::llm {

inline constexpr int kBosToken = 1;
inline constexpr int kEosToken = 2;
// run.c reads pieces into a fixed buffer; real tokenizers have pieces of tens of bytes.
inline constexpr std::uint32_t kMaxTokenBytes = 1 << 16;

class Tokenizer {
 public:
  // Parses a tokenizer file for a vocabulary of vocab_size: int32 max_token_length, then per
  // token a float32 score, an int32 length and the bytes.
  static Expected<Tokenizer> parse(ByteSpan file, std::size_t vocab_size);

  std::size_t size() const { return pieces_.size(); }
  const std::string& piece(int id) const { return pieces_[static_cast<std::size_t>(id)]; }

  std::vector<int> encode(std::string_view text, bool bos, bool eos) const;
  // The text of `token` following `previous`, as run.c prints it: the space after BOS dropped,
  // <0xXX> pieces turned into their byte.
  std::string decode(int previous, int token) const;

 private:
  int lookup(const std::string& piece) const;

  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::unordered_map<std::string, int> ids_;  // first id of each piece
};

}  // namespace kolmo::llm
