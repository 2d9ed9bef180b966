// The inverse text transform (layout in cm_text_transform.h).
#include "codecs/cm/cm_text_transform.h"

#include <array>
#include <vector>

namespace kolmo::cm {
namespace {

enum class Role : std::uint8_t { kPlain, kCap, kCaps, kLiteral, kCode, kPrefix };

bool is_lower(std::uint8_t b) { return b >= 'a' && b <= 'z'; }
bool is_letter(std::uint8_t b) { return is_lower(b) || (b >= 'A' && b <= 'Z'); }
std::uint8_t to_upper(std::uint8_t b) { return static_cast<std::uint8_t>(b - ('a' - 'A')); }

struct Dictionary {
  std::array<Role, 256> role{};
  std::array<std::uint8_t, 256> index{};  // position among the one-byte codes or the prefixes
  std::size_t one_byte_codes = 0;
  std::size_t prefixes = 0;
  std::size_t code_bytes() const { return one_byte_codes + prefixes; }
  // The position of a code byte among all code bytes (one-byte codes, then prefixes), the digit
  // of a two-byte code's second byte; -1 for any other byte.
  int code_digit(std::uint8_t b) const {
    if (role[b] == Role::kCode) return index[b];
    if (role[b] == Role::kPrefix) return static_cast<int>(one_byte_codes) + index[b];
    return -1;
  }
  std::vector<ByteSpan> words;  // views into the transformed block's header
};

// Gives `b` its role; a letter, or a byte given two roles, is corrupt.
bool assign(Dictionary& d, std::uint8_t b, Role role, std::size_t index) {
  if (d.role[b] != Role::kPlain || is_letter(b)) return false;
  d.role[b] = role;
  d.index[b] = static_cast<std::uint8_t>(index);
  return true;
}

Status read_codes(ByteReader& in, Dictionary& d) {
  const ByteSpan specials = in.bytes(3);
  if (!in.ok()) return corrupt_data("cm text transform header is truncated");
  if (!assign(d, specials[0], Role::kCap, 0) || !assign(d, specials[1], Role::kCaps, 0) ||
      !assign(d, specials[2], Role::kLiteral, 0)) {
    return corrupt_data("cm text transform escape bytes are letters or not distinct");
  }
  for (const Role role : {Role::kCode, Role::kPrefix}) {
    const std::size_t n = in.u8();
    const ByteSpan codes = in.bytes(n);
    if (!in.ok()) return corrupt_data("cm text transform code list is truncated");
    for (std::size_t i = 0; i < n; ++i) {
      if (!assign(d, codes[i], role, i)) {
        return corrupt_data("cm text transform code byte is a letter or has two roles");
      }
    }
    (role == Role::kCode ? d.one_byte_codes : d.prefixes) = n;
  }
  return ok_status();
}

// The word list: `count` words of 1..kMaxWordLength lower-case letters, each ended by kWordEnd.
Status read_words(ByteSpan block, ByteReader& in, Dictionary& d) {
  const std::uint64_t capacity = d.one_byte_codes + std::uint64_t{d.prefixes} * d.code_bytes();
  const std::uint64_t count = in.varint_at_most(capacity, "cm text transform word count");
  if (!in.ok()) return corrupt_data("cm text transform word count is missing or too large");
  // Each word takes at least 2 bytes: the count is bounded by what is left before reserving.
  if (count > in.remaining() / 2) return corrupt_data("cm text transform word count is too large");
  d.words.reserve(count);
  std::size_t pos = in.position();
  for (std::uint64_t w = 0; w < count; ++w) {
    const std::size_t start = pos;
    while (pos < block.size() && pos - start <= kMaxWordLength && is_lower(block[pos])) ++pos;
    const std::size_t length = pos - start;
    if (length == 0 || length > kMaxWordLength || pos >= block.size() || block[pos] != kWordEnd) {
      return corrupt_data("cm text transform dictionary word is malformed or truncated");
    }
    d.words.push_back(block.subspan(start, length));
    ++pos;
  }
  in.skip(pos - in.position());
  return ok_status();
}

// Writes the body into output, applying the case escapes to letters and dictionary words.
class BodyWriter {
 public:
  explicit BodyWriter(MutableByteSpan output) : out_(output) {}

  // A lower-case token (letter or word), upper-cased as the pending escape says.
  bool token(ByteSpan letters) {
    if (letters.size() > out_.size() - pos_) return false;
    for (std::size_t i = 0; i < letters.size(); ++i) {
      const bool up = caps_ || (cap_ && i == 0);
      out_[pos_++] = up ? to_upper(letters[i]) : letters[i];
    }
    cap_ = false;
    expect_token_ = false;
    return true;
  }
  // Any other byte ends an upper-case run; an escape with no token after it is corrupt.
  bool other(std::uint8_t b) {
    if (expect_token_ || pos_ == out_.size()) return false;
    caps_ = false;
    out_[pos_++] = b;
    return true;
  }
  bool escape(bool all_caps) {
    if (expect_token_) return false;
    cap_ = !all_caps;
    caps_ = all_caps;
    expect_token_ = true;
    return true;
  }
  void end_run() { caps_ = false; }
  bool complete() const { return !expect_token_ && pos_ == out_.size(); }

 private:
  MutableByteSpan out_;
  std::size_t pos_ = 0;
  bool cap_ = false, caps_ = false, expect_token_ = false;
};

Status corrupt_body() { return corrupt_data("cm text transform body is corrupt"); }

Status write_body(ByteSpan body, const Dictionary& d, MutableByteSpan output) {
  BodyWriter out(output);
  for (std::size_t i = 0; i < body.size(); ++i) {
    const std::uint8_t b = body[i];
    bool ok = true;
    switch (d.role[b]) {
      case Role::kPlain:
        ok = is_lower(b) ? out.token(ByteSpan(&body[i], 1)) : out.other(b);
        break;
      case Role::kCap:
      case Role::kCaps:
        out.end_run();
        ok = out.escape(d.role[b] == Role::kCaps);
        break;
      case Role::kLiteral:
        // Only special bytes are escaped, so anything else after lit is corrupt.
        ok = i + 1 < body.size() && d.role[body[i + 1]] != Role::kPlain && out.other(body[i + 1]);
        ++i;
        break;
      case Role::kCode:
        ok = d.index[b] < d.words.size() && out.token(d.words[d.index[b]]);
        break;
      case Role::kPrefix: {
        const int digit = i + 1 < body.size() ? d.code_digit(body[++i]) : -1;
        if (digit < 0) return corrupt_body();
        const std::size_t w = d.one_byte_codes + d.index[b] * d.code_bytes() +
                              static_cast<std::size_t>(digit);
        ok = w < d.words.size() && out.token(d.words[w]);
        break;
      }
    }
    if (!ok) return corrupt_body();
  }
  if (!out.complete()) return corrupt_data("cm text transform body does not fill the block");
  return ok_status();
}

}  // namespace

Status inverse_text_transform(ByteSpan transformed, MutableByteSpan output) {
  ByteReader in(transformed);
  Dictionary d;
  KOLMO_RETURN_IF_ERROR(read_codes(in, d));
  KOLMO_RETURN_IF_ERROR(read_words(transformed, in, d));
  return write_body(transformed.subspan(in.position()), d, output);
}

}  // namespace kolmo::cm
