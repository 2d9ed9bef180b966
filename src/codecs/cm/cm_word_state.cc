#include "codecs/cm/cm_word_state.h"

namespace kolmo::cm {
namespace {

// The same letters as the model's word: ASCII letters and bytes >= 128 (UTF-8 letters, the text
// transform's dictionary codes).
bool is_letter(std::uint8_t b) {
  return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b >= 128;
}

bool is_digit(std::uint8_t b) { return b >= '0' && b <= '9'; }
bool is_space(std::uint8_t b) { return b == ' ' || b == '\n' || b == '\t' || b == '\r'; }

// A byte's symbol in the shape (1..15): letters, digits, space and newline a class each; the
// sentence and markup punctuation that structures enwik8 a class per pair; everything else
// (other punctuation, the text transform's escapes) one class.
std::uint32_t shape_symbol(std::uint8_t b) {
  if (is_letter(b)) return 1;
  if (is_digit(b)) return 2;
  switch (b) {
    case ' ': return 3;
    case '\n': return 4;
    case '.': return 5;
    case ',': return 6;
    case '[': case ']': return 7;
    case '{': case '}': return 8;
    case '|': return 9;
    case '=': return 10;
    case '\'': return 11;
    case '<': case '>': return 12;
    case '&': case ';': return 13;
    case '(': case ')': return 14;
    default: return 15;
  }
}

}  // namespace

void WordState::update(std::uint8_t byte) {
  const bool letter = is_letter(byte);
  if (letter && !in_word_) {
    if (words_since_punct_ < 7) ++words_since_punct_;
    if (words_in_line_ < 3) ++words_in_line_;
  }
  in_word_ = letter;
  if (!letter && !is_digit(byte) && !is_space(byte)) {
    last_punct_ = byte;
    words_since_punct_ = 0;
  }
  if (byte == '\n') words_in_line_ = 0;
  const std::uint32_t s = shape_symbol(byte);
  if ((shape_ & 15) != s) {  // a run of one class is one symbol
    shape_ = (shape_ << 4) | s;
    long_shape_ = (long_shape_ << 4) | s;
  }
}

std::uint64_t WordState::punctuation_context(std::uint32_t word, std::uint32_t last) const {
  const std::uint64_t state = last_punct_ | (std::uint64_t{words_since_punct_} << 8);
  return (word != 0 ? word : last) + (state << 32);
}

std::uint64_t WordState::shape_context(std::uint32_t last) const {
  return shape_ + (std::uint64_t{last} << 32);
}

std::uint64_t WordState::long_shape_context(std::uint32_t last) const {
  return long_shape_ * 0x9E3779B97F4A7C15ull + last;
}

std::uint64_t WordState::shape_order2_context(std::uint32_t last2) const {
  return (std::uint64_t{shape_} << 16 | (last2 & 0xffff)) + (1ull << 60);
}

// In a word: the word and the last 4 symbols (what came before it); between words: the last word
// and the symbols since.
std::uint64_t WordState::shape_word_context(std::uint32_t word,
                                            std::uint32_t previous_word) const {
  const std::uint64_t recent = recent_shape();
  if (word != 0) return word + (recent << 32);
  return previous_word + (recent << 32) + (1ull << 60);
}

// ---- TextDetail (round 9c) ----

namespace {

// The model's word letters (cm_context_state.cc): ASCII letters case folded, bytes >= 128.
std::uint32_t folded_letter(std::uint8_t b) {
  if (b >= 'a' && b <= 'z') return b;
  if (b >= 'A' && b <= 'Z') return b + ('a' - 'A');
  return b >= 128 ? b : 0;
}

bool is_tag_name_byte(std::uint8_t b) {
  return is_letter(b) || is_digit(b) || b == ':' || b == '-' || b == '_';
}

}  // namespace

void TextDetail::update(std::uint8_t byte) {
  update_tag(byte);
  const std::uint32_t letter = folded_letter(byte);
  if (letter != 0) {
    if (word_ == 0) {
      nonspace_before_word_ = last_nonspace_;
      letters_ = 0;
    }
    word_ = (word_ + letter + 1) * 0x2F0B3A49u;
    if (letters_ < kPrefixLetters) {
      ++letters_;
      prefix_ = (prefix_ + letter + 1) * 0x6F4F2A35u;
    }
  } else if (word_ != 0) {
    previous_word_ = word_;
    word_ = prefix_ = 0;
  }
  if (!is_space(byte)) last_nonspace_ = byte;
  previous_byte_ = byte;
  // ( and new lines start no segment: with them book1 came out 15 B larger (round 9c).
  if (byte == '[' || byte == '{' || byte == '<' || byte == '|') {
    previous_segment_ = segment_;
    segment_ = byte;
  } else {
    segment_ = (segment_ + byte + 1) * 0x2F0B3A49u;
  }
}

// <name ...> opens a tag, </name> closes the innermost, <name/> and <!-- ?> open none. Only the
// XML-like markup of the bytes themselves (enwik8's escaped wiki text has &lt;, not '<').
void TextDetail::update_tag(std::uint8_t byte) {
  switch (tag_state_) {
    case 1:  // after '<'
      if (byte == '/' && !closing_) {
        closing_ = true;
        return;
      }
      if (is_tag_name_byte(byte)) {
        tag_state_ = 2;
        tag_name_ = (byte + 1) * 0x3C6EF373u;
        return;
      }
      tag_state_ = 0;  // <! <? < x: not a tag
      break;
    case 2:  // the name
      if (is_tag_name_byte(byte)) {
        tag_name_ = (tag_name_ + byte + 1) * 0x3C6EF373u;
        return;
      }
      if (closing_) {
        if (depth_ > 0) --depth_;
      } else {
        if (depth_ < 8) ++depth_;
        tags_[depth_ - 1] = tag_name_;
      }
      tag_state_ = closing_ ? 0 : 3;
      if (byte == '>') tag_state_ = 0;
      break;
    case 3:  // attributes of an opening tag; "/>" closes it at once
      if (byte == '>') {
        if (previous_byte_ == '/' && depth_ > 0) --depth_;
        tag_state_ = 0;
      }
      break;
    default: break;
  }
  if (byte == '<') {
    tag_state_ = 1;
    closing_ = false;
  }
}

void TokenState::update(std::uint8_t byte) {
  if (!is_space(byte)) {
    token_ = (token_ + byte + 1) * 0x2F0B3A49u;
  } else if (token_ != 0) {
    previous_token_ = token_;
    token_ = 0;
  }
}

}  // namespace kolmo::cm
