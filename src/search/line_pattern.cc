#include "search/line_pattern.h"

#include <algorithm>

namespace kolmo::search {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// The longest run of the pattern without letters: with -i, only those bytes are certain.
std::string longest_caseless_run(std::string_view s) {
  std::string best, run;
  for (const char c : s) {
    if (is_letter(c)) {
      if (run.size() > best.size()) best = run;
      run.clear();
    } else {
      run.push_back(c);
    }
  }
  return run.size() > best.size() ? run : best;
}

}  // namespace

Expected<LinePattern> LinePattern::compile(std::string_view pattern, const PatternOptions& options) {
  LinePattern p;
  p.options_ = options;
  if (options.extended_regex) {
    KOLMO_ASSIGN_OR_RETURN(LineRegex re, LineRegex::compile(pattern, options.ignore_case, options.whole_line));
    p.required_literal_ = re.required_literal();
    p.regex_.emplace(std::move(re));
    return p;
  }
  p.fixed_ = std::string(pattern);
  if (options.ignore_case) {
    std::transform(p.fixed_.begin(), p.fixed_.end(), p.fixed_.begin(), lower);
    p.required_literal_ = longest_caseless_run(pattern);
  } else {
    p.required_literal_ = p.fixed_;
  }
  return p;
}

bool LinePattern::matches(std::string_view line) const {
  if (regex_) return regex_->search(line);
  std::string_view text = line;
  if (options_.ignore_case) {
    folded_.assign(line);
    std::transform(folded_.begin(), folded_.end(), folded_.begin(), lower);
    text = folded_;
  }
  return options_.whole_line ? text == fixed_ : text.find(fixed_) != std::string_view::npos;
}

}  // namespace kolmo::search
