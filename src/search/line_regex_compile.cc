// From the parsed pattern to the automaton's program (Thompson's construction), and the literal
// that every match must contain.
#include <string>

#include "search/line_regex.h"
#include "search/regex_syntax.h"

namespace kolmo::search {

class RegexCompiler {
 public:
  RegexCompiler(const RegexSyntax& syntax, LineRegex& out) : syntax_(syntax), out_(out) {}

  Status run() {
    if (!emit_node(syntax_.root)) return too_complex();
    if (!emit({LineRegex::Op::kMatch, 0, 0})) return too_complex();
    return ok_status();
  }

 private:
  using Op = LineRegex::Op;
  using Kind = RegexNode::Kind;

  static Status too_complex() {
    return invalid_argument("regular expression too complex (over " + std::to_string(LineRegex::kMaxProgramSize) +
                            " automaton states; lower its repetition counts)");
  }
  std::uint32_t pc() const { return static_cast<std::uint32_t>(out_.program_.size()); }
  bool emit(LineRegex::Instruction inst) {
    if (out_.program_.size() >= LineRegex::kMaxProgramSize) return false;
    out_.program_.push_back(inst);
    return true;
  }

  // The zero-width assertions keep their names from the syntax tree to the program.
  static Op assertion_op(Kind kind) {
    switch (kind) {
      case Kind::kLineStart: return Op::kLineStart;
      case Kind::kLineEnd: return Op::kLineEnd;
      case Kind::kWordBoundary: return Op::kWordBoundary;
      case Kind::kNotWordBoundary: return Op::kNotWordBoundary;
      case Kind::kWordStart: return Op::kWordStart;
      default: return Op::kWordEnd;
    }
  }

  // Emits node's instructions; false when the program grew too large.
  bool emit_node(std::uint32_t index) {
    const RegexNode& n = syntax_.nodes[index];
    switch (n.kind) {
      case Kind::kEmpty:
        return true;
      case Kind::kBytes:
        return emit({Op::kByteSet, n.set, 0});
      case Kind::kLineStart:
      case Kind::kLineEnd:
      case Kind::kWordBoundary:
      case Kind::kNotWordBoundary:
      case Kind::kWordStart:
      case Kind::kWordEnd:
        return emit({assertion_op(n.kind), 0, 0});
      case Kind::kConcat:
        for (const std::uint32_t child : n.children) {
          if (!emit_node(child)) return false;
        }
        return true;
      case Kind::kAlternation:
        return emit_alternation(n);
      case Kind::kRepeat:
        return emit_repeat(n);
    }
    return false;
  }

  // split L1, next; L1: branch 1; jump end; next: split L2, next2 ... last branch; end:
  bool emit_alternation(const RegexNode& n) {
    std::vector<std::uint32_t> jumps;
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      const bool last = i + 1 == n.children.size();
      std::uint32_t split = 0;
      if (!last) {
        split = pc();
        if (!emit({Op::kSplit, split + 1, 0})) return false;
      }
      if (!emit_node(n.children[i])) return false;
      if (!last) {
        jumps.push_back(pc());
        if (!emit({Op::kJump, 0, 0})) return false;
        out_.program_[split].b = pc();
      }
    }
    for (const std::uint32_t j : jumps) out_.program_[j].a = pc();
    return true;
  }

  // x{m,n}: m copies of x, then n - m optional copies that each may skip to the end; x{m,}: m
  // copies, then a loop (split body, end; body; jump back).
  bool emit_repeat(const RegexNode& n) {
    const std::uint32_t child = n.children[0];
    for (std::uint32_t i = 0; i < n.min; ++i) {
      if (!emit_node(child)) return false;
    }
    if (n.max == RegexNode::kUnbounded) {
      const std::uint32_t loop = pc();
      if (!emit({Op::kSplit, loop + 1, 0})) return false;
      if (!emit_node(child)) return false;
      if (!emit({Op::kJump, loop, 0})) return false;
      out_.program_[loop].b = pc();
      return true;
    }
    std::vector<std::uint32_t> skips;
    for (std::uint32_t i = n.min; i < n.max; ++i) {
      skips.push_back(pc());
      if (!emit({Op::kSplit, pc() + 1, 0})) return false;
      if (!emit_node(child)) return false;
    }
    for (const std::uint32_t s : skips) out_.program_[s].b = pc();
    return true;
  }

  const RegexSyntax& syntax_;
  LineRegex& out_;
};

namespace {

// Runs of single bytes that every match contains in order and next to each other; the longest is
// the required literal. A zero-width assertion does not break a run (when it cannot hold there,
// nothing matches at all), an optional or alternative part does.
class LiteralFinder {
 public:
  explicit LiteralFinder(const RegexSyntax& syntax) : syntax_(syntax) {}

  std::string find() {
    std::string run;
    walk(syntax_.root, run);
    commit(run);
    return best_;
  }

 private:
  using Kind = RegexNode::Kind;

  void commit(std::string& run) {
    if (run.size() > best_.size()) best_ = run;
    run.clear();
  }

  void walk(std::uint32_t index, std::string& run) {
    const RegexNode& n = syntax_.nodes[index];
    switch (n.kind) {
      case Kind::kBytes: {
        const auto& set = syntax_.sets[n.set];
        if (set.count() != 1) return commit(run);
        for (unsigned c = 0; c < 256; ++c) {
          if (set[c]) run.push_back(static_cast<char>(c));
        }
        return;
      }
      case Kind::kConcat:
        for (const std::uint32_t child : n.children) walk(child, run);
        return;
      case Kind::kRepeat:
        if (n.min == 1 && n.max == 1) return walk(n.children[0], run);
        commit(run);
        if (n.min >= 1) {
          // At least one copy: its own literal is required, though not next to what surrounds it.
          std::string inner;
          walk(n.children[0], inner);
          commit(inner);
        }
        return;
      case Kind::kAlternation:
        return commit(run);
      default:
        return;  // empty and zero-width assertions
    }
  }

  const RegexSyntax& syntax_;
  std::string best_;
};

// x -> ^(x)$
void anchor_whole_line(RegexSyntax& s) {
  RegexNode start, end, both;
  start.kind = RegexNode::Kind::kLineStart;
  end.kind = RegexNode::Kind::kLineEnd;
  s.nodes.push_back(start);
  s.nodes.push_back(end);
  both.kind = RegexNode::Kind::kConcat;
  const auto n = static_cast<std::uint32_t>(s.nodes.size());
  both.children = {n - 2, s.root, n - 1};
  s.nodes.push_back(both);
  s.root = n;
}

}  // namespace

Expected<LineRegex> LineRegex::compile(std::string_view pattern, bool ignore_case, bool whole_line) {
  KOLMO_ASSIGN_OR_RETURN(RegexSyntax syntax, parse_regex(pattern, ignore_case));
  if (whole_line) anchor_whole_line(syntax);
  LineRegex re;
  re.sets_ = syntax.sets;
  KOLMO_RETURN_IF_ERROR(RegexCompiler(syntax, re).run());
  re.required_literal_ = LiteralFinder(syntax).find();
  const std::size_t states = re.program_.size();
  re.current_.reset(states);
  re.next_.reset(states);
  re.stack_.reserve(2 * states + 2);
  return re;
}

}  // namespace kolmo::search
