// LinePattern: fixed strings and regexes behind one interface, with -i and -x, and the literal a
// log block prunes its templates with.
#include "search/line_pattern.h"

#include <gtest/gtest.h>

namespace kolmo::search {
namespace {

LinePattern make(std::string_view p, bool regex, bool ignore_case = false, bool whole = false) {
  auto compiled = LinePattern::compile(p, PatternOptions{regex, ignore_case, whole});
  EXPECT_TRUE(compiled.ok()) << compiled.status().to_string();
  return std::move(compiled).value();
}

TEST(LinePattern, FixedStringsAreNotRegexes) {
  const LinePattern p = make("a.c", false);
  EXPECT_TRUE(p.matches("xa.cx"));
  EXPECT_FALSE(p.matches("abc"));
  EXPECT_EQ(p.required_literal(), "a.c");
  EXPECT_TRUE(make("a.c", true).matches("abc"));
}

TEST(LinePattern, IgnoreCaseAndWholeLine) {
  const LinePattern i = make("Error 5", false, true);
  EXPECT_TRUE(i.matches("an ERROR 5 here"));
  EXPECT_EQ(i.required_literal(), " 5");
  const LinePattern x = make("abc", false, false, true);
  EXPECT_TRUE(x.matches("abc"));
  EXPECT_FALSE(x.matches("abcd"));
  const LinePattern xi = make("ABC", false, true, true);
  EXPECT_TRUE(xi.matches("abc"));
  EXPECT_TRUE(make("^a|b$", true, false, true).matches("b"));
}

TEST(LinePattern, EmptyPatternMatchesEveryLine) {
  EXPECT_TRUE(make("", false).matches(""));
  EXPECT_TRUE(make("", true).matches("x"));
  EXPECT_FALSE(make("", false, false, true).matches("x"));
}

TEST(LinePattern, BadRegexIsAnError) {
  EXPECT_FALSE(LinePattern::compile("(", PatternOptions{true, false, false}).ok());
  EXPECT_TRUE(LinePattern::compile("(", PatternOptions{false, false, false}).ok());
}

}  // namespace
}  // namespace kolmo::search
