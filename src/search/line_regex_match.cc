// Searching a line: the set of automaton states alive after each byte (no backtracking).
#include <cctype>

#include "search/line_regex.h"

namespace kolmo::search {
namespace {

bool is_word_byte(std::string_view line, std::size_t i) {
  if (i >= line.size()) return false;
  const auto c = static_cast<unsigned char>(line[i]);
  return (c < 128 && std::isalnum(c) != 0) || c == '_';
}

}  // namespace

void LineRegex::StateSet::reset(std::size_t capacity) {
  dense.assign(capacity, 0);
  sparse.assign(capacity, 0);
  size = 0;
}

bool LineRegex::assertion_holds(Op op, std::string_view line, std::size_t pos) const {
  const bool before = pos > 0 && is_word_byte(line, pos - 1);
  const bool after = is_word_byte(line, pos);
  switch (op) {
    case Op::kLineStart:
      return pos == 0;
    case Op::kLineEnd:
      return pos == line.size();
    case Op::kWordBoundary:
      return before != after;
    case Op::kNotWordBoundary:
      return before == after;
    case Op::kWordStart:
      return !before && after;
    case Op::kWordEnd:
      return before && !after;
    default:
      return false;
  }
}

bool LineRegex::add_closure(StateSet& set, std::uint32_t start, std::string_view line, std::size_t pos) const {
  stack_.clear();
  stack_.push_back(start);
  while (!stack_.empty()) {
    const std::uint32_t s = stack_.back();
    stack_.pop_back();
    if (set.contains(s)) continue;
    set.insert(s);
    const Instruction& inst = program_[s];
    switch (inst.op) {
      case Op::kMatch:
        return true;
      case Op::kByteSet:
        break;  // waits for the next byte
      case Op::kJump:
        stack_.push_back(inst.a);
        break;
      case Op::kSplit:
        stack_.push_back(inst.b);
        stack_.push_back(inst.a);
        break;
      default:
        if (assertion_holds(inst.op, line, pos)) stack_.push_back(s + 1);
        break;
    }
  }
  return false;
}

bool LineRegex::search(std::string_view line) const {
  if (!required_literal_.empty() && line.find(required_literal_) == std::string_view::npos) return false;
  current_.size = 0;
  for (std::size_t pos = 0;; ++pos) {
    // A match may start at any position: the start state joins at every byte.
    if (add_closure(current_, 0, line, pos)) return true;
    if (pos == line.size()) return false;
    const auto byte = static_cast<unsigned char>(line[pos]);
    next_.size = 0;
    for (std::size_t k = 0; k < current_.size; ++k) {
      const Instruction& inst = program_[current_.dense[k]];
      if (inst.op == Op::kByteSet && sets_[inst.a][byte]) {
        if (add_closure(next_, current_.dense[k] + 1, line, pos + 1)) return true;
      }
    }
    std::swap(current_, next_);
  }
}

}  // namespace kolmo::search
