// Levels 5-9's text state beyond the letters-only word of cm_model.h (issue 5, round 5a): the last
// punctuation and how many words followed it, how many words the current line has, and the
// shape of the recent bytes (their character classes, runs of one class collapsed, so that
// "a, b" and "word,  other" look alike). Updated once per byte, integer only, so the decoder
// replays it exactly. docs/cm.md (round 5a) has what each context bought.
#pragma once

#include <cstdint>

namespace kolmo::cm {

class WordState {
 public:
  void update(std::uint8_t byte);

  // Context values (the model hashes them). word / previous_word: the model's letters-only word
  // hashes (word 0 between words); last: the last byte(s).
  std::uint64_t punctuation_context(std::uint32_t word, std::uint32_t last) const;
  std::uint64_t shape_context(std::uint32_t last) const;
  std::uint64_t long_shape_context(std::uint32_t last) const;
  std::uint64_t shape_word_context(std::uint32_t word, std::uint32_t previous_word) const;
  std::uint32_t shape() const { return shape_; }                  // the last 8 symbols
  std::uint32_t recent_shape() const { return shape_ & 0xffff; }  // the last 4
  std::uint32_t short_shape() const { return shape_ & 0xfff; }    // the last 3 (0..4095)
  // Round 6: the last 8 symbols and the last two bytes (last2).
  std::uint64_t shape_order2_context(std::uint32_t last2) const;
  std::uint32_t words_in_line() const { return words_in_line_; }  // 0..3

 private:
  bool in_word_ = false;
  std::uint32_t last_punct_ = 0;         // the last byte that is not a letter, digit or space
  std::uint32_t words_since_punct_ = 0;  // words begun since then (0..7)
  std::uint32_t words_in_line_ = 0;      // words begun in the current line (0..3)
  std::uint32_t shape_ = 0;              // the last 8 class symbols, 4 bits each
  std::uint64_t long_shape_ = 0;         // the last 16
};

}  // namespace kolmo::cm
