#include "tensor/safetensors_json.h"

#include <string>
#include <unordered_set>

#include "tensor/safetensors.h"

namespace kolmo::tensor {
namespace {

constexpr std::string_view kMetadataKey = "__metadata__";
constexpr std::size_t kMaxNameInMessage = 80;

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF) starting at s[pos], or 0 when it is malformed.
std::size_t utf8_sequence_length(std::string_view s, std::size_t pos) {
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(s[pos + i]); };
  const unsigned char c = at(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() - pos < n) return 0;
  if (at(1) < lo || at(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i) {
    if (!is_continuation(at(i))) return 0;
  }
  return n;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class HeaderJsonParser {
 public:
  explicit HeaderJsonParser(std::string_view text) : text_(text) {}

  Expected<RawHeader> parse() {
    RawHeader header;
    // The reference implementation requires the header to start with the object itself.
    if (text_.empty() || text_[0] != '{') return error("header does not start with '{'");
    ++pos_;
    KOLMO_RETURN_IF_ERROR(parse_entries(header));
    header.json_size = pos_;
    for (; pos_ < text_.size(); ++pos_) {
      if (text_[pos_] != ' ') return error("unexpected bytes after the header JSON object");
    }
    return header;
  }

 private:
  Status parse_entries(RawHeader& header) {
    std::unordered_set<std::string> seen;
    skip_ws();
    if (consume('}')) return ok_status();
    while (true) {
      std::string key;
      KOLMO_RETURN_IF_ERROR(parse_string(key, "a tensor name"));
      if (!seen.insert(key).second) return error("duplicate key " + quote_name(key));
      KOLMO_RETURN_IF_ERROR(expect(':'));
      if (key == kMetadataKey) {
        header.has_metadata = true;
        KOLMO_RETURN_IF_ERROR(parse_metadata(header.metadata));
      } else {
        RawTensorEntry& entry = header.tensors.emplace_back();
        entry.name = std::move(key);
        KOLMO_RETURN_IF_ERROR(parse_tensor(entry));
      }
      skip_ws();
      if (consume('}')) return ok_status();
      KOLMO_RETURN_IF_ERROR(expect(','));
      skip_ws();
    }
  }

  Status parse_metadata(std::vector<std::pair<std::string, std::string>>& metadata) {
    skip_ws();
    if (!consume('{')) return error("__metadata__ must be an object of strings");
    std::unordered_set<std::string> seen;
    skip_ws();
    if (consume('}')) return ok_status();
    while (true) {
      std::pair<std::string, std::string> kv;
      KOLMO_RETURN_IF_ERROR(parse_string(kv.first, "a __metadata__ key"));
      if (!seen.insert(kv.first).second) {
        return error("duplicate __metadata__ key " + quote_name(kv.first));
      }
      KOLMO_RETURN_IF_ERROR(expect(':'));
      skip_ws();
      if (peek() != '"') return error("__metadata__ value of " + quote_name(kv.first) +
                                      " is not a string");
      KOLMO_RETURN_IF_ERROR(parse_string(kv.second, "a __metadata__ value"));
      metadata.push_back(std::move(kv));
      skip_ws();
      if (consume('}')) return ok_status();
      KOLMO_RETURN_IF_ERROR(expect(','));
      skip_ws();
    }
  }

  Status parse_tensor(RawTensorEntry& entry) {
    const std::string who = "tensor " + quote_name(entry.name) + ": ";
    skip_ws();
    if (!consume('{')) return error(who + "entry is not an object");
    bool has_dtype = false, has_shape = false, has_offsets = false;
    skip_ws();
    if (!consume('}')) {
      while (true) {
        std::string field;
        KOLMO_RETURN_IF_ERROR(parse_string(field, "a field name"));
        KOLMO_RETURN_IF_ERROR(expect(':'));
        skip_ws();
        bool* seen = field == "dtype"          ? &has_dtype
                     : field == "shape"        ? &has_shape
                     : field == "data_offsets" ? &has_offsets
                                               : nullptr;
        if (seen == nullptr) return error(who + "unknown field " + quote_name(field));
        if (*seen) return error(who + "duplicate field " + quote_name(field));
        if (seen == &has_dtype) {
          if (peek() != '"') return error(who + "dtype is not a string");
          KOLMO_RETURN_IF_ERROR(parse_string(entry.dtype, "a dtype"));
        } else if (seen == &has_shape) {
          KOLMO_RETURN_IF_ERROR(parse_u64_array(entry.shape, who + "shape", kMaxTensorRank));
        } else {
          std::vector<std::uint64_t> offsets;
          KOLMO_RETURN_IF_ERROR(parse_u64_array(offsets, who + "data_offsets", 2));
          if (offsets.size() != 2) return error(who + "data_offsets must hold [begin, end]");
          entry.begin = offsets[0];
          entry.end = offsets[1];
        }
        *seen = true;
        skip_ws();
        if (consume('}')) break;
        KOLMO_RETURN_IF_ERROR(expect(','));
        skip_ws();
      }
    }
    if (!has_dtype) return error(who + "missing dtype");
    if (!has_shape) return error(who + "missing shape");
    if (!has_offsets) return error(who + "missing data_offsets");
    return ok_status();
  }

  // A JSON array of at most max_count non-negative integers.
  Status parse_u64_array(std::vector<std::uint64_t>& out, const std::string& what,
                         std::size_t max_count) {
    if (!consume('[')) return error(what + " is not an array");
    skip_ws();
    if (consume(']')) return ok_status();
    while (true) {
      if (out.size() == max_count) {
        return error(what + " has more than " + std::to_string(max_count) + " entries");
      }
      std::uint64_t v = 0;
      KOLMO_RETURN_IF_ERROR(parse_u64(v, what));
      out.push_back(v);
      skip_ws();
      if (consume(']')) return ok_status();
      KOLMO_RETURN_IF_ERROR(expect(','));
      skip_ws();
    }
  }

  Status parse_u64(std::uint64_t& out, const std::string& what) {
    const std::size_t start = pos_;
    if (peek() == '-') return error(what + " holds a negative number");
    if (peek() < '0' || peek() > '9') return error(what + " must hold integers");
    if (peek() == '0' && pos_ + 1 < text_.size() && text_[pos_ + 1] >= '0' &&
        text_[pos_ + 1] <= '9') {
      return error(what + " holds a number with a leading zero");
    }
    out = 0;
    while (peek() >= '0' && peek() <= '9') {
      const auto digit = static_cast<std::uint64_t>(text_[pos_] - '0');
      if (out > (UINT64_MAX - digit) / 10) {
        pos_ = start;
        return error(what + " holds a number that does not fit in 64 bits");
      }
      out = out * 10 + digit;
      ++pos_;
    }
    if (peek() == '.' || peek() == 'e' || peek() == 'E') {
      return error(what + " must hold integers");
    }
    return ok_status();
  }

  Status parse_string(std::string& out, std::string_view what) {
    skip_ws();
    if (!consume('"')) return error("expected " + std::string(what) + " (a string)");
    while (true) {
      if (pos_ >= text_.size()) return error("unterminated string");
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return ok_status();
      }
      if (c < 0x20) return error("control character in a string");
      if (c == '\\') {
        KOLMO_RETURN_IF_ERROR(parse_escape(out));
        continue;
      }
      const std::size_t n = utf8_sequence_length(text_, pos_);
      if (n == 0) return error("invalid UTF-8 in a string");
      out.append(text_.substr(pos_, n));
      pos_ += n;
    }
  }

  Status parse_escape(std::string& out) {
    ++pos_;  // the backslash
    if (pos_ >= text_.size()) return error("unterminated string");
    const char c = text_[pos_++];
    switch (c) {
      case '"': out += '"'; return ok_status();
      case '\\': out += '\\'; return ok_status();
      case '/': out += '/'; return ok_status();
      case 'b': out += '\b'; return ok_status();
      case 'f': out += '\f'; return ok_status();
      case 'n': out += '\n'; return ok_status();
      case 'r': out += '\r'; return ok_status();
      case 't': out += '\t'; return ok_status();
      case 'u': break;
      default: return error("invalid escape in a string");
    }
    std::uint32_t cp = 0;
    KOLMO_RETURN_IF_ERROR(parse_hex4(cp));
    if (cp >= 0xDC00 && cp <= 0xDFFF) return error("unpaired surrogate in a string");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      std::uint32_t low = 0;
      if (text_.substr(pos_, 2) != "\\u") return error("unpaired surrogate in a string");
      pos_ += 2;
      KOLMO_RETURN_IF_ERROR(parse_hex4(low));
      if (low < 0xDC00 || low > 0xDFFF) return error("unpaired surrogate in a string");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, cp);
    return ok_status();
  }

  Status parse_hex4(std::uint32_t& out) {
    if (text_.size() - pos_ < 4) return error("truncated \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const int v = hex_value(text_[pos_++]);
      if (v < 0) return error("invalid \\u escape");
      out = out * 16 + static_cast<std::uint32_t>(v);
    }
    return ok_status();
  }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  bool consume(char c) {
    if (peek() != c || pos_ >= text_.size()) return false;
    ++pos_;
    return true;
  }

  Status expect(char c) {
    skip_ws();
    if (consume(c)) return ok_status();
    return error(std::string("expected '") + c + "'");
  }

  void skip_ws() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  Status error(const std::string& what) const {
    return corrupt_data("safetensors header JSON, byte " + std::to_string(pos_) + ": " + what);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Expected<RawHeader> parse_header_json(std::string_view text) {
  return HeaderJsonParser(text).parse();
}

bool is_valid_utf8(std::string_view s) {
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t n = utf8_sequence_length(s, pos);
    if (n == 0) return false;
    pos += n;
  }
  return true;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::string quote_name(std::string_view name) {
  std::string out = "'";
  for (std::size_t i = 0; i < name.size() && i < kMaxNameInMessage; ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7F || c == '\'' || c == '\\') {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += name[i];
    }
  }
  if (name.size() > kMaxNameInMessage) out += "...";
  out += "'";
  return out;
}

}  // namespace kolmo::tensor
