// Extended regular expressions (POSIX ERE, as `LC_ALL=C grep -E` reads them) for `kolmo grep`.
//
// Bytes, not characters: `.` and bracket expressions match one byte, as grep does in the C
// locale. Supported: literals, `.`, bracket expressions (ranges, negation, [:class:] names),
// `^ $`, groups, `|`, `* + ?`, intervals `{m}` `{m,}` `{m,n}` (counts up to 255), and GNU's
// `\w \W \s \S \b \B \< \>`; a backslash before any other byte makes it literal. Back-references
// and [= =] / [. .] are refused with an error.
//
// Matching simulates the compiled automaton over a set of states (Thompson's construction, no
// backtracking), so a search costs at most (line length) x (program size) steps and never
// recurses: a pattern cannot make a long line hang or overflow the stack. Patterns are bounded
// (kMaxPatternBytes, kMaxProgramSize) and anything beyond is an error, not an allocation.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kolmo/status.h"

namespace kolmo::search {

class LineRegex {
 public:
  static constexpr std::size_t kMaxPatternBytes = 4096;
  static constexpr std::size_t kMaxProgramSize = 1 << 15;
  static constexpr std::uint32_t kMaxRepeat = 255;
  static constexpr int kMaxGroupDepth = 64;

  // whole_line: the pattern must match the whole line (grep -x).
  static Expected<LineRegex> compile(std::string_view pattern, bool ignore_case, bool whole_line);

  // Whether the pattern matches anywhere in `line` (a line without its "\n").
  bool search(std::string_view line) const;

  // A byte string that every line the pattern matches contains ("" when none is known). Callers
  // use it to skip whole groups of lines (a log block's templates) before running the automaton.
  const std::string& required_literal() const { return required_literal_; }

  std::size_t program_size() const { return program_.size(); }

  // Program instructions; public so that the compiler in line_regex_compile.cc can build them.
  enum class Op : std::uint8_t {
    kByteSet,          // consume one byte in sets_[a]
    kSplit,            // continue at a and at b
    kJump,             // continue at a
    kLineStart,        // ^
    kLineEnd,          // $
    kWordBoundary,     // \b
    kNotWordBoundary,  // \B
    kWordStart,        // \<
    kWordEnd,          // \>
    kMatch,
  };
  struct Instruction {
    Op op = Op::kMatch;
    std::uint32_t a = 0;
    std::uint32_t b = 0;
  };
  using ByteSet = std::bitset<256>;

 private:
  // States of one position; `dense` in insertion order, `sparse` its index (a sparse set:
  // clearing is O(1), no per-line allocation).
  struct StateSet {
    std::vector<std::uint32_t> dense;
    std::vector<std::uint32_t> sparse;
    std::size_t size = 0;
    void reset(std::size_t capacity);
    bool contains(std::uint32_t s) const { return sparse[s] < size && dense[sparse[s]] == s; }
    void insert(std::uint32_t s) { sparse[s] = static_cast<std::uint32_t>(size); dense[size++] = s; }
  };
  // Adds `start` and every state reachable from it without consuming a byte, at `pos` of `line`.
  // Returns true when the match state was reached.
  bool add_closure(StateSet& set, std::uint32_t start, std::string_view line, std::size_t pos) const;
  bool assertion_holds(Op op, std::string_view line, std::size_t pos) const;

  std::vector<Instruction> program_;
  std::vector<ByteSet> sets_;
  std::string required_literal_;
  // Scratch of search(): a LineRegex is used by one thread at a time.
  mutable StateSet current_, next_;
  mutable std::vector<std::uint32_t> stack_;

  friend class RegexCompiler;
};

}  // namespace kolmo::search
