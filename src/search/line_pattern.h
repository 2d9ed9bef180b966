// What `kolmo grep` looks for in a line: a fixed string (the default, grep -F) or an extended
// regular expression (grep -E), optionally ignoring ASCII case (-i) or matching whole lines only
// (-x). Byte semantics, as `LC_ALL=C grep -a`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kolmo/status.h"
#include "search/line_regex.h"

namespace kolmo::search {

struct PatternOptions {
  bool extended_regex = false;
  bool ignore_case = false;
  bool whole_line = false;
};

class LinePattern {
 public:
  static Expected<LinePattern> compile(std::string_view pattern, const PatternOptions& options);

  bool matches(std::string_view line) const;

  // Bytes that every matching line contains, case included ("" when none is known): a log
  // block checks its templates against it and rebuilds only the lines that can hold it.
  const std::string& required_literal() const { return required_literal_; }

 private:
  PatternOptions options_;
  std::string fixed_;  // the fixed string, lower-cased with ignore_case
  std::optional<LineRegex> regex_;
  std::string required_literal_;
  mutable std::string folded_;  // scratch for a lower-cased line (one thread at a time)
};

}  // namespace kolmo::search
