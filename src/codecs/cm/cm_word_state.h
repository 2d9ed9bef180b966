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

// Round 9c (level 9): more of the text's lexical state, for contexts of paq8px's word, text and
// XML models that level 9 lacked: the current word's first letters, the last non-space byte
// before the word, the innermost open XML tag, and the segments of the wiki markup (the bytes
// since the last [ { < or |). Its word hashes are the model's (the same letters, case folded, the
// same multiplier), so its contexts line up with the model's own word contexts. Updated once per
// byte (only at levels that model one of its contexts), integer only.
class TextDetail {
 public:
  static constexpr std::uint32_t kPrefixLetters = 4;

  void update(std::uint8_t byte);

  std::uint32_t word() const { return word_; }  // the current word's hash (0 between words)
  // The current word's first kPrefixLetters letters (hash), 0 between words.
  std::uint32_t word_prefix() const { return prefix_; }
  std::uint32_t previous_word() const { return previous_word_; }  // the last completed word
  // The last byte before the current (or last) word that is not a space.
  std::uint32_t nonspace_before_word() const { return nonspace_before_word_; }
  // The name of the innermost open <tag> (hash, 0 outside every tag) and the depth (0..8).
  std::uint32_t open_tag() const { return depth_ > 0 ? tags_[depth_ - 1] : 0; }
  std::uint32_t tag_depth() const { return depth_; }
  // The bytes since the last [ { < or |, that byte included (hash), and the segment before it:
  // a link's target while its text is read, a template's name while its fields are.
  std::uint32_t segment() const { return segment_; }
  std::uint32_t previous_segment() const { return previous_segment_; }

 private:
  void update_tag(std::uint8_t byte);

  std::uint32_t word_ = 0, prefix_ = 0, letters_ = 0, previous_word_ = 0;
  std::uint32_t last_nonspace_ = 0, nonspace_before_word_ = 0;
  // The tag being read: 0 none, 1 after '<', 2 its name, 3 after the name; closing: "</".
  std::uint32_t tag_state_ = 0, tag_name_ = 0, previous_byte_ = 0;
  bool closing_ = false;
  std::uint32_t tags_[8] = {};
  std::uint32_t depth_ = 0;
  std::uint32_t segment_ = 0, previous_segment_ = 0;
};

// Round 10c (level 9): a second kind of word, the whitespace-delimited token: letters, digits and
// punctuation with their case ("[[Paris]],", "12:30", "foo_bar"), where the model's word is
// letters only. Integer only, updated once per byte.
class TokenState {
 public:
  void update(std::uint8_t byte);

  std::uint32_t token() const { return token_; }  // the current token's hash (0 between tokens)
  std::uint32_t previous_token() const { return previous_token_; }  // the last completed one

 private:
  std::uint32_t token_ = 0, previous_token_ = 0;
};

}  // namespace kolmo::cm
