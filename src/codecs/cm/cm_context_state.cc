// The byte-level state that the cm model's contexts read, updated once per byte: the current
// and previous words, the markup nesting, line starts and the bytes that
// followed recent ones (indirect contexts). Split from cm_model.cc, which builds the contexts
// from this state and predicts the bits.
#include "codecs/cm/cm_model.h"

namespace kolmo::cm {

void Model::update_word(std::uint8_t byte) {
  update_nest(byte);
  update_emphasis(byte);
  if (byte == '\n') {
    line_has_word_ = false;
    line_first_word_ = 0;
  }
  std::uint32_t letter = 0;
  if (byte >= 'a' && byte <= 'z') letter = byte;
  if (byte >= 'A' && byte <= 'Z') letter = byte + ('a' - 'A');  // case folded
  if (byte >= 128) letter = byte;                                 // UTF-8 letters and the like
  if (letter != 0) {
    if (word_ == 0) {
      byte_before_word_ = (c4_ >> 8) & 0xff;
      first_letter_ = letter;
    }
    word_ = (word_ + letter + 1) * 0x2F0B3A49u;
  } else if (word_ != 0) {
    if (!line_has_word_) line_first_word_ = word_;
    line_has_word_ = true;
    first_letters_ = ((first_letters_ << 8) | first_letter_) & 0xffffff;
    word_before_ = previous_word_;
    word_after_[previous_word_ >> 16] = word_;  // the word that followed previous_word_
    previous_word_ = word_;
    word_ = 0;
  }
}

// The kinds of the open brackets, innermost in the low 2 bits, the depth (0..8) in bits 16-19.
void Model::update_nest(std::uint8_t byte) {
  std::uint32_t kind = 4;
  switch (byte) {
    case '(': case ')': kind = 0; break;
    case '[': case ']': kind = 1; break;
    case '{': case '}': kind = 2; break;
    case '<': case '>': kind = 3; break;
    default: return;
  }
  std::uint32_t depth = nest_ >> 16;
  std::uint32_t stack = nest_ & 0xffff;
  if (byte == '(' || byte == '[' || byte == '{' || byte == '<') {
    stack = (stack << 2 | kind) & 0xffff;
    if (depth < 8) ++depth;
  } else if (depth > 0) {
    stack >>= 2;
    --depth;
  }
  nest_ = depth << 16 | stack;
}

// '' toggles italic, ''' bold, ''''' both (at the run's end); a line that starts with '=' is a
// heading; a new line ends them all (wiki emphasis does not span lines).
void Model::update_emphasis(std::uint8_t byte) {
  if (byte == '\'') {
    if (quote_run_ < 255) ++quote_run_;
    return;
  }
  if (quote_run_ == 2) emphasis_ ^= 1;
  if (quote_run_ == 3) emphasis_ ^= 2;
  if (quote_run_ == 5) emphasis_ ^= 3;
  quote_run_ = 0;
  if (byte == '\n') emphasis_ = 0;
  if (byte == '=' && position_ == line_start_ + 1) emphasis_ |= 4;  // the line's first byte
}

// MediaWiki/XML markup state for the kWiki context and the 6th mixer selector: enwik8's text
// changes its statistics inside links, templates, tags and entities.
void Model::update_markup(std::uint8_t byte) {
  switch (byte) {
    case '[': if (brackets_ < 2) ++brackets_; break;
    case ']': if (brackets_ > 0) --brackets_; break;
    case '{': if (braces_ < 2) ++braces_; break;
    case '}': if (braces_ > 0) --braces_; break;
    case '<': in_tag_ = 1; break;
    case '>': in_tag_ = 0; break;
    case '&': in_entity_ = 1; break;
    case ';': case ' ': case '\n': in_entity_ = 0; break;
    default: break;
  }
  if (byte == '\n') brackets_ = braces_ = in_tag_ = 0;  // markup rarely spans lines; recover fast
}

// The bytes `from` .. `to` back (1 = the last byte), the nearer ones in the lower bits; 0 before
// the block's start.
std::uint64_t Model::older_bytes(int from, int to) const {
  std::uint64_t v = 0;
  for (int k = to; k >= from; --k) {
    v <<= 8;
    const auto back = static_cast<std::uint64_t>(k);
    if (position_ >= back) v |= history_[position_ - back];
  }
  return v;
}

void Model::update_lines_and_indirect(std::uint8_t byte) {
  // c4_ still holds the bytes before `byte`.
  after1_[c4_ & 0xff] = static_cast<std::uint16_t>((after1_[c4_ & 0xff] << 8) | byte);
  after2_[c4_ & 0xffff] = static_cast<std::uint16_t>((after2_[c4_ & 0xffff] << 8) | byte);
  if (byte == '\n') {
    previous_line_start_ = line_start_;
    line_start_ = position_ + 1;
  }
}

// The first two bytes of the current line, its column (capped at 63) and the last byte.
std::uint64_t Model::line_start_context() const {
  const std::uint64_t column = position_ - line_start_;
  std::uint64_t v = column < 63 ? column : 63;
  if (column >= 1) v |= std::uint64_t{history_[line_start_]} << 8;
  if (column >= 2) v |= std::uint64_t{history_[line_start_ + 1]} << 16;
  return v | (std::uint64_t{c4_ & 0xff} << 24);
}

// The byte in the previous line at the column of the next byte (0 past its end).
std::uint32_t Model::byte_above() const {
  const std::uint64_t column = position_ - line_start_;
  const std::uint64_t above = previous_line_start_ + column;
  return above < line_start_ ? history_[above] : 0;
}

// The bytes above-left, above and above-right of the next byte in the previous line, and the
// current line's first byte (tables, lists and indented text repeat their columns).
std::uint64_t Model::wide_column_context() const {
  const std::uint64_t column = position_ - line_start_;
  const std::uint64_t above = previous_line_start_ + column;
  std::uint64_t v = 0;
  for (std::uint64_t k = 0; k < 3; ++k) {
    const std::uint64_t at = above + k;  // above - 1 + k, shifted by one to stay unsigned
    const std::uint64_t b = at >= 1 && at - 1 < line_start_ ? history_[at - 1] : 0;
    v |= b << (8 * k);
  }
  const std::uint64_t first = column >= 1 ? history_[line_start_] : 0;
  return v | (first << 24);
}

// The current word (else the last byte), the first byte of the line and how many words the line
// has so far (0..3).
std::uint64_t Model::line_word_context() const {
  const std::uint64_t column = position_ - line_start_;
  const std::uint64_t first = column >= 1 ? history_[line_start_] : 0;
  const std::uint64_t word = word_ != 0 ? word_ : (c4_ & 0xff);
  return word + (first << 32) + (std::uint64_t{text_.words_in_line()} << 40);
}

}  // namespace kolmo::cm
