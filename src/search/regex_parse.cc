#include <cctype>
#include <string>

#include "search/line_regex.h"
#include "search/regex_syntax.h"

namespace kolmo::search {
namespace {

using Kind = RegexNode::Kind;
using ByteSet = std::bitset<256>;

constexpr int kMaxQuantifiersInARow = 16;

bool is_word_byte(unsigned c) { return std::isalnum(static_cast<int>(c)) != 0 || c == '_'; }

ByteSet class_set(bool (*member)(unsigned)) {
  ByteSet s;
  for (unsigned c = 0; c < 256; ++c) s[c] = member(c);
  return s;
}

// The [:name:] classes of the C locale.
bool named_class(std::string_view name, ByteSet& out) {
  struct Entry {
    std::string_view name;
    int (*test)(int);
  };
  static const Entry kClasses[] = {
      {"alpha", std::isalpha}, {"digit", std::isdigit}, {"alnum", std::isalnum}, {"upper", std::isupper},
      {"lower", std::islower}, {"space", std::isspace}, {"punct", std::ispunct}, {"xdigit", std::isxdigit},
      {"blank", std::isblank}, {"cntrl", std::iscntrl}, {"print", std::isprint}, {"graph", std::isgraph},
  };
  for (const Entry& e : kClasses) {
    if (e.name != name) continue;
    // isalpha and friends take values of unsigned char; bytes from 128 up are in no class in "C".
    for (unsigned c = 0; c < 128; ++c) out[c] = out[c] || e.test(static_cast<int>(c)) != 0;
    return true;
  }
  return false;
}

class Parser {
 public:
  Parser(std::string_view pattern, bool ignore_case) : p_(pattern), ignore_case_(ignore_case) {}

  Expected<RegexSyntax> run() {
    const std::uint32_t root = parse_alternation(0);
    if (!error_.empty()) return invalid_argument(error_);
    if (pos_ != p_.size()) return invalid_argument(at("unexpected ')'"));
    out_.root = root;
    return std::move(out_);
  }

 private:
  std::uint32_t add(RegexNode node) {
    out_.nodes.push_back(std::move(node));
    return static_cast<std::uint32_t>(out_.nodes.size() - 1);
  }
  std::uint32_t add_kind(Kind kind, std::vector<std::uint32_t> children = {}) {
    RegexNode n;
    n.kind = kind;
    n.children = std::move(children);
    return add(std::move(n));
  }
  std::uint32_t add_set(ByteSet set) {
    if (ignore_case_) {
      for (unsigned c = 'a'; c <= 'z'; ++c) {
        const unsigned upper = c - 'a' + 'A';
        const bool either = set[c] || set[upper];
        set[c] = either;
        set[upper] = either;
      }
    }
    out_.sets.push_back(set);
    RegexNode n;
    n.kind = Kind::kBytes;
    n.set = static_cast<std::uint32_t>(out_.sets.size() - 1);
    return add(std::move(n));
  }
  std::uint32_t add_byte(unsigned char c) {
    ByteSet s;
    s[c] = true;
    return add_set(s);
  }

  std::string at(std::string_view what) const {
    return "regular expression: " + std::string(what) + " at offset " + std::to_string(pos_);
  }
  // The first error wins; parsing then unwinds without consuming more.
  std::uint32_t fail(std::string_view what) {
    if (error_.empty()) error_ = at(what);
    pos_ = p_.size();
    return add_kind(Kind::kEmpty);
  }
  bool done() const { return pos_ >= p_.size() || !error_.empty(); }
  char peek() const { return p_[pos_]; }

  std::uint32_t parse_alternation(int depth) {
    std::vector<std::uint32_t> branches{parse_concat(depth)};
    while (!done() && peek() == '|') {
      ++pos_;
      branches.push_back(parse_concat(depth));
    }
    return branches.size() == 1 ? branches[0] : add_kind(Kind::kAlternation, std::move(branches));
  }

  std::uint32_t parse_concat(int depth) {
    std::vector<std::uint32_t> items;
    // An unmatched ')' at the top level is a literal, as in GNU grep -E.
    while (!done() && peek() != '|' && !(peek() == ')' && depth > 0)) items.push_back(parse_repeat(depth));
    if (items.empty()) return add_kind(Kind::kEmpty);
    return items.size() == 1 ? items[0] : add_kind(Kind::kConcat, std::move(items));
  }

  std::uint32_t parse_repeat(int depth) {
    std::uint32_t node = parse_atom(depth);
    int quantifiers = 0;
    while (!done()) {
      std::uint32_t min = 0, max = 0;
      const char c = peek();
      if (c == '*') {
        min = 0, max = RegexNode::kUnbounded, ++pos_;
      } else if (c == '+') {
        min = 1, max = RegexNode::kUnbounded, ++pos_;
      } else if (c == '?') {
        min = 0, max = 1, ++pos_;
      } else if (c != '{' || !parse_interval(min, max)) {
        break;  // a '{' that starts no interval is a literal, read as the next atom
      }
      if (!error_.empty()) break;
      // Each quantifier nests the node once more, and compiling recurses through the nesting.
      if (++quantifiers > kMaxQuantifiersInARow) return fail("too many quantifiers in a row");
      RegexNode n;
      n.kind = Kind::kRepeat;
      n.min = min;
      n.max = max;
      n.children = {node};
      node = add(std::move(n));
    }
    return node;
  }

  // At '{': reads "{m}", "{m,}", "{m,n}" or "{,n}" and returns true; anything else leaves the
  // position alone and returns false.
  bool parse_interval(std::uint32_t& min, std::uint32_t& max) {
    std::size_t i = pos_ + 1;
    auto number = [&](std::uint32_t& v) {
      const std::size_t start = i;
      std::uint64_t value = 0;
      while (i < p_.size() && std::isdigit(static_cast<unsigned char>(p_[i])) != 0) {
        value = std::min<std::uint64_t>(value * 10 + static_cast<unsigned>(p_[i] - '0'), 1u << 20);
        ++i;
      }
      v = static_cast<std::uint32_t>(value);
      return i > start;
    };
    const bool has_min = number(min);
    if (!has_min) min = 0;
    bool has_max = false;
    if (i < p_.size() && p_[i] == ',') {
      ++i;
      has_max = number(max);
      if (!has_max) max = RegexNode::kUnbounded;
    } else {
      if (!has_min) return false;
      max = min;
      has_max = true;
    }
    if (i >= p_.size() || p_[i] != '}' || (!has_min && !has_max)) return false;
    pos_ = i + 1;
    if ((has_max && max > LineRegex::kMaxRepeat) || min > LineRegex::kMaxRepeat) {
      fail("repetition count over 255");
    } else if (has_max && min > max) {
      fail("interval with its minimum above its maximum");
    }
    return true;
  }

  std::uint32_t parse_atom(int depth) {
    const unsigned char c = static_cast<unsigned char>(peek());
    ++pos_;
    switch (c) {
      case '(': {
        if (depth + 1 > LineRegex::kMaxGroupDepth) return fail("groups nested too deeply");
        const std::uint32_t inner = parse_alternation(depth + 1);
        if (pos_ >= p_.size() || peek() != ')') return fail("unmatched '('");
        ++pos_;
        return inner;
      }
      case '[':
        return parse_bracket();
      case '.': {
        ByteSet any;
        any.set();
        any[static_cast<unsigned char>('\n')] = false;
        return add_set(any);
      }
      case '^':
        return add_kind(Kind::kLineStart);
      case '$':
        return add_kind(Kind::kLineEnd);
      case '\\':
        return parse_escape();
      default:
        // '*', '+', '?' and '{' with nothing before them to repeat are literals, as in GNU grep.
        return add_byte(c);
    }
  }

  std::uint32_t parse_escape() {
    if (pos_ >= p_.size()) return fail("trailing backslash");
    const unsigned char c = static_cast<unsigned char>(peek());
    ++pos_;
    switch (c) {
      case 'w':
        return add_set(class_set(is_word_byte));
      case 'W':
        return add_set(~class_set(is_word_byte));
      case 's':
        return add_set(class_set([](unsigned b) { return std::isspace(static_cast<int>(b)) != 0 && b < 128; }));
      case 'S':
        return add_set(~class_set([](unsigned b) { return std::isspace(static_cast<int>(b)) != 0 && b < 128; }));
      case 'b':
        return add_kind(Kind::kWordBoundary);
      case 'B':
        return add_kind(Kind::kNotWordBoundary);
      case '<':
        return add_kind(Kind::kWordStart);
      case '>':
        return add_kind(Kind::kWordEnd);
      default:
        if (c >= '1' && c <= '9') return fail("back-references are not supported");
        return add_byte(c);
    }
  }

  // After '[': a bracket expression up to its ']'.
  std::uint32_t parse_bracket() {
    ByteSet set;
    bool negate = false;
    if (pos_ < p_.size() && peek() == '^') negate = true, ++pos_;
    bool first = true;
    while (true) {
      if (pos_ >= p_.size()) return fail("unmatched '['");
      unsigned char c = static_cast<unsigned char>(peek());
      if (c == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      if (c == '[' && pos_ + 1 < p_.size() && (p_[pos_ + 1] == ':' || p_[pos_ + 1] == '=' || p_[pos_ + 1] == '.')) {
        const char kind = p_[pos_ + 1];
        const std::size_t close = p_.find(std::string{kind, ']'}, pos_ + 2);
        if (close == std::string_view::npos) return fail("unterminated character class");
        if (kind != ':') return fail("equivalence classes and collating symbols are not supported");
        if (!named_class(p_.substr(pos_ + 2, close - pos_ - 2), set)) return fail("unknown character class");
        pos_ = close + 2;
        continue;
      }
      ++pos_;
      if (pos_ + 1 < p_.size() && peek() == '-' && p_[pos_ + 1] != ']') {
        const unsigned char hi = static_cast<unsigned char>(p_[pos_ + 1]);
        if (hi < c) return fail("range out of order");
        for (unsigned b = c; b <= hi; ++b) set[b] = true;
        pos_ += 2;
      } else {
        set[c] = true;
      }
    }
    if (!negate) return add_set(set);
    // Fold first, then negate: [^a] with ignore_case excludes both 'a' and 'A', as in grep -i.
    const std::uint32_t node = add_set(set);
    ByteSet& stored = out_.sets[out_.nodes[node].set];
    stored.flip();
    stored[static_cast<unsigned char>('\n')] = false;
    return node;
  }

  std::string_view p_;
  bool ignore_case_;
  std::size_t pos_ = 0;
  std::string error_;
  RegexSyntax out_;
};

}  // namespace

Expected<RegexSyntax> parse_regex(std::string_view pattern, bool ignore_case) {
  if (pattern.size() > LineRegex::kMaxPatternBytes) {
    return invalid_argument("regular expression longer than " + std::to_string(LineRegex::kMaxPatternBytes) + " bytes");
  }
  return Parser(pattern, ignore_case).run();
}

}  // namespace kolmo::search
