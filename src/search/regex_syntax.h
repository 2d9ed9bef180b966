// The parsed form of a LineRegex pattern (internal to src/search).
#pragma once

#include <bitset>
#include <cstdint>
#include <string_view>
#include <vector>

#include "kolmo/status.h"

namespace kolmo::search {

struct RegexNode {
  enum class Kind : std::uint8_t {
    kEmpty,
    kBytes,  // one byte of sets[set]
    kLineStart,
    kLineEnd,
    kWordBoundary,
    kNotWordBoundary,
    kWordStart,
    kWordEnd,
    kConcat,       // children in order
    kAlternation,  // any one child
    kRepeat,       // children[0], min..max times (max == kUnbounded: no upper bound)
  };
  static constexpr std::uint32_t kUnbounded = 0xFFFFFFFFu;

  Kind kind = Kind::kEmpty;
  std::uint32_t set = 0;
  std::uint32_t min = 0;
  std::uint32_t max = 0;
  std::vector<std::uint32_t> children;
};

struct RegexSyntax {
  std::vector<RegexNode> nodes;  // nodes[root] is the whole pattern
  std::vector<std::bitset<256>> sets;
  std::uint32_t root = 0;
};

// Parses an ERE. ignore_case folds ASCII letters into both cases in every byte set.
// Errors are kInvalidArgument with a message that names the problem and its offset.
Expected<RegexSyntax> parse_regex(std::string_view pattern, bool ignore_case);

}  // namespace kolmo::search
