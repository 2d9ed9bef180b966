// LineRegex: ERE syntax as grep -E reads it (C locale), its errors, the literal every match
// contains, and a comparison with the system's grep on random patterns.
#include "search/line_regex.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace kolmo::search {
namespace {

bool matches(std::string_view pattern, std::string_view line, bool ignore_case = false, bool whole = false) {
  auto re = LineRegex::compile(pattern, ignore_case, whole);
  EXPECT_TRUE(re.ok()) << pattern << ": " << re.status().to_string();
  return re.ok() && re.value().search(line);
}

struct Case {
  const char* pattern;
  const char* line;
  bool expected;
};

TEST(LineRegex, MatchesWhatGrepEMatches) {
  const Case cases[] = {
      {"abc", "xxabcxx", true},          {"abc", "abx", false},
      {"a.c", "abc", true},              {"a.c", "ac", false},
      {"^abc", "abcd", true},            {"^abc", "xabc", false},
      {"abc$", "xabc", true},            {"abc$", "abcx", false},
      {"^$", "", true},                  {"^$", "x", false},
      {"ab*c", "ac", true},              {"ab*c", "abbbc", true},
      {"ab+c", "ac", false},             {"ab+c", "abbc", true},
      {"ab?c", "abbc", false},           {"colou?r", "color", true},
      {"a{3}", "aa", false},             {"a{3}", "xaaax", true},
      {"^a{2,3}$", "aaaa", false},       {"^a{2,3}$", "aaa", true},
      {"^a{2,}$", "aaaaaaa", true},      {"^a{,2}$", "aaa", false},
      {"cat|dog", "hotdog", true},       {"cat|dog", "cow", false},
      {"^(ab)+$", "ababab", true},       {"^(ab)+$", "ababa", false},
      {"[abc]x", "bx", true},            {"[^abc]x", "bx", false},
      {"[a-f0-9]+z", "--9fz", true},     {"[]]", "a]b", true},
      {"[^]a]", "]]a", false},           {"[a-]", "-", true},
      {"[[:digit:]]{3}", "ab123", true}, {"[[:upper:]]", "abc", false},
      {"[[:space:]]x", "a\tx", true},    {"\\.", "abc", false},
      {"\\.", "a.c", true},              {"a\\|b", "a|b", true},
      {"\\bfoo\\b", "a foo b", true},    {"\\bfoo\\b", "afoob", false},
      {"\\Bfoo", "afoo", true},          {"\\<foo", "xfoo", false},
      {"foo\\>", "foo.", true},          {"\\w+@\\w+", "mail me@host now", true},
      {"\\W", "abc_9", false},           {"\\s", "a b", true},
      {"\\S", "  ", false},              {"a{", "a{", true},
      {"a{x}", "a{x}", true},            {"*a", "x*a", true},
      {"+", "1+1", true},                {"a)", "a)", true},
      {"(a|)b", "b", true},              {"()", "anything", true},
      {"(a*)*b", "aaab", true},          {"(a*)+$", "", true},
      {"x*", "", true},                  {"blk_-?[0-9]+", "blk_-123", true},
      {"\xe9t\xe9", "caf\xe9t\xe9", true}, {"a.b", "a\xc3\xa9" "b", false},  // bytes, not UTF-8
  };
  for (const Case& c : cases) {
    EXPECT_EQ(matches(c.pattern, c.line), c.expected) << "'" << c.pattern << "' on '" << c.line << "'";
  }
}

TEST(LineRegex, IgnoreCaseFoldsLettersOnly) {
  EXPECT_TRUE(matches("ERROR", "an error here", true));
  EXPECT_TRUE(matches("[a-c]x", "BX", true));
  EXPECT_FALSE(matches("[^a]x", "Ax", true));
  EXPECT_TRUE(matches("\\.", ".", true));
  EXPECT_FALSE(matches("ERROR", "an error here"));
}

TEST(LineRegex, WholeLineAnchorsBothEnds) {
  EXPECT_TRUE(matches("a|bc", "bc", false, true));
  EXPECT_FALSE(matches("a|bc", "abc", false, true));
  EXPECT_TRUE(matches("a.*", "abc", false, true));
}

TEST(LineRegex, BadPatternsAreErrorsThatSayWhy) {
  const char* const bad[] = {"(ab", "[ab", "ab\\", "(a)\\1", "a{300}", "a{3,2}", "[[:foo:]]", "[z-a]",
                             "[[=a=]]", "[[:alpha:", "a**************************"};
  for (const char* p : bad) {
    const auto re = LineRegex::compile(p, false, false);
    ASSERT_FALSE(re.ok()) << p;
    EXPECT_EQ(re.status().code(), StatusCode::kInvalidArgument) << p;
    EXPECT_NE(re.status().message().find("regular expression"), std::string::npos) << re.status().message();
  }
}

TEST(LineRegex, SizeLimitsAreErrorsNotAllocations) {
  EXPECT_FALSE(LineRegex::compile(std::string(LineRegex::kMaxPatternBytes + 1, 'a'), false, false).ok());
  EXPECT_FALSE(LineRegex::compile("(((a{255}){255}){255})", false, false).ok());
  std::string deep(LineRegex::kMaxGroupDepth + 1, '(');
  deep += "a" + std::string(LineRegex::kMaxGroupDepth + 1, ')');
  EXPECT_FALSE(LineRegex::compile(deep, false, false).ok());
  std::string ok_deep(LineRegex::kMaxGroupDepth, '(');
  ok_deep += "a" + std::string(LineRegex::kMaxGroupDepth, ')');
  EXPECT_TRUE(matches(ok_deep, "xa"));
}

TEST(LineRegex, LongLinesAndHeavyPatternsFinish) {
  // Exponential for a backtracking matcher; linear in the line here.
  const std::string line(200000, 'a');
  EXPECT_FALSE(matches("(a|aa)*(a*)*b", line));
  EXPECT_TRUE(matches("(a|aa)*(a*)*$", line));
}

TEST(LineRegex, RequiredLiteralIsInEveryMatch) {
  const std::pair<const char*, const char*> cases[] = {
      {"abc", "abc"},         {"ab*c", "a"},       {"foo(bar|baz)quux", "quux"}, {"x+yz", "yz"},
      {"^Received blk_[0-9]+ of", "Received blk_"}, {"a|b", ""}, {"(abc)+d", "abc"}, {".*", ""},
  };
  for (const auto& [pattern, literal] : cases) {
    const auto re = LineRegex::compile(pattern, false, false);
    ASSERT_TRUE(re.ok()) << pattern;
    EXPECT_EQ(re.value().required_literal(), literal) << pattern;
  }
  const auto folded = LineRegex::compile("error: 404", true, false);
  ASSERT_TRUE(folded.ok());
  EXPECT_EQ(folded.value().required_literal(), ": 404");
}

// Random patterns from a small grammar, random lines, compared with `LC_ALL=C grep -E -a`.
class RandomPattern {
 public:
  explicit RandomPattern(std::mt19937& rng) : rng_(rng) {}
  std::string make(int depth = 0) {
    std::string out = alternative(depth);
    if (depth == 0 && rng_() % 4 == 0) out.insert(0, 1, '^');
    if (depth == 0 && rng_() % 4 == 0) out += "$";
    return out;
  }

 private:
  std::string alternative(int depth) {
    std::string out = concat(depth);
    while (rng_() % 5 == 0) out.append("|").append(concat(depth));
    return out;
  }
  std::string concat(int depth) {
    std::string out;
    const int n = 1 + static_cast<int>(rng_() % 4);
    for (int i = 0; i < n; ++i) out.append(atom(depth)).append(quantifier());
    return out;
  }
  std::string atom(int depth) {
    static const char* const kAtoms[] = {"a", "b", "c", ".", "[ab]", "[^a]", "\\w", "\\bb", " "};
    if (depth < 2 && rng_() % 6 == 0) {
      std::string group = "(";  // appended, not `"(" + ...`: gcc 12 warns wrongly on that (-Wrestrict)
      group += alternative(depth + 1);
      group += ")";
      return group;
    }
    return kAtoms[rng_() % (sizeof kAtoms / sizeof kAtoms[0])];
  }
  std::string quantifier() {
    static const char* const kQuantifiers[] = {"", "", "", "*", "+", "?", "{2}", "{1,2}", "{0,1}"};
    return kQuantifiers[rng_() % (sizeof kQuantifiers / sizeof kQuantifiers[0])];
  }
  std::mt19937& rng_;
};

TEST(LineRegex, AgreesWithSystemGrepOnRandomPatterns) {
  if (std::system("LC_ALL=C grep -E -q a /dev/null 2>/dev/null; test $? -eq 1") != 0) {
    GTEST_SKIP() << "no system grep -E to compare with";
  }
  std::mt19937 rng(7);
  std::vector<std::string> lines;
  for (int i = 0; i < 60; ++i) {
    std::string line;
    const int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) line.push_back("abcAB  _"[rng() % 8]);
    lines.push_back(line);
  }
  const std::string dir = testing::TempDir();
  const std::string lines_path = dir + "/kolmo_regex_lines.txt";
  {
    std::FILE* f = std::fopen(lines_path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    for (const std::string& l : lines) std::fprintf(f, "%s\n", l.c_str());
    std::fclose(f);
  }
  RandomPattern gen(rng);
  for (int t = 0; t < 300; ++t) {
    const std::string pattern = gen.make();
    // Every third pattern with -i, every fifth with -x.
    const bool ignore_case = t % 3 == 2, whole = t % 5 == 4;
    const auto re = LineRegex::compile(pattern, ignore_case, whole);
    ASSERT_TRUE(re.ok()) << pattern << ": " << re.status().to_string();
    std::string ours;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (re.value().search(lines[i])) ours.append(std::to_string(i + 1)).append(",");
    }
    // grep -n prints "N:line"; keep the numbers.
    const std::string cmd = std::string("LC_ALL=C grep -n -a -E ") + (ignore_case ? "-i " : "") + (whole ? "-x " : "") + "-e '" + pattern + "' " + lines_path + " | cut -d: -f1 | tr '\\n' ,";
    std::FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string theirs;
    char buf[4096];
    std::size_t got = 0;
    while ((got = std::fread(buf, 1, sizeof buf, p)) > 0) theirs.append(buf, got);
    pclose(p);
    EXPECT_EQ(ours, theirs) << "pattern '" << pattern << "'";
  }
}

}  // namespace
}  // namespace kolmo::search
