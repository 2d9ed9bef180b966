// `kolmo grep PATTERN FILE.kmo` against `kolmo -dc FILE.kmo | grep -a -F PATTERN`: the same lines,
// for log-coded files (templates searched, lines crossing block boundaries) and other codecs
// (decompress and search), and grep's exit statuses.
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "cli/cli_harness.h"

namespace kolmo::cli_test {
namespace {

// A log with a header, a few templates, parameters and some raw lines.
std::string generated_log(std::size_t lines, const char* eol = "\n") {
  std::mt19937 rng(42);
  static const char* const kLevels[] = {"INFO", "WARN", "ERROR"};
  std::string out;
  for (std::size_t i = 0; i < lines; ++i) {
    // One rng() call per statement: the order in which the operands of one `+` expression are
    // evaluated is unspecified, and gcc and clang differ, so the log would differ by compiler.
    out += "2026-11-27 10:" + std::to_string(10 + i / 60 % 50) + ":" + std::to_string(10 + i % 50) + " ";
    out += kLevels[rng() % 3];
    out += " [node-" + std::to_string(rng() % 6) + "] ";
    const auto kind = rng() % 5;
    const auto a = rng();
    const auto b = rng();
    switch (kind) {
      case 0: out += "Received block blk_" + std::to_string(a) + " of size " + std::to_string(b % 99999); break;
      case 1: out += "Connection from 10.0." + std::to_string(a % 9) + "." + std::to_string(b % 250) + " closed"; break;
      case 2: out += "user u" + std::to_string(a % 4) + " logged in after " + std::to_string(b % 900) + " ms"; break;
      case 3: out += "Verification succeeded for blk_" + std::to_string(a % 1000); break;
      default: out += "odd line " + std::to_string(a % 3) + " with free text"; break;
    }
    out += eol;
    if (i % 97 == 5) out += "stack trace line without a header\n";
  }
  return out;
}

// The lines of text that hold pattern, each printed with "\n" (grep -a -F).
std::string plain_grep(const std::string& text, const std::string& pattern) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    const std::string line = text.substr(pos, nl - pos);
    if (line.find(pattern) != std::string::npos) out += line + "\n";
    pos = nl + 1;
  }
  return out;
}

const std::vector<std::string> kPatterns = {"blk_", "node-3] Conn", "ERROR", "of size 1", "10.0.1", ":1",
                                            "no such thing", "stack trace", "ms\r", " "};

class CliGrepTest : public CliTest {
 protected:
  // Compresses text with the given arguments and checks every pattern against the plain search.
  void expect_grep_matches_plain_search(const std::string& text, const std::vector<std::string>& args) {
    write("a.log", text);
    std::vector<std::string> compress = args;
    compress.insert(compress.end(), {"-q", "-f", "-k", "a.log"});
    ASSERT_TRUE(kolmo(compress).ok());
    const RunResult dc = kolmo({"-dc", "a.log.kmo"});
    ASSERT_TRUE(dc.ok());
    ASSERT_EQ(dc.out, text);
    for (const std::string& pattern : kPatterns) {
      const RunResult r = kolmo({"grep", pattern, "a.log.kmo"});
      const std::string expected = plain_grep(dc.out, pattern);
      EXPECT_EQ(r.out, expected) << "pattern '" << pattern << "'";
      EXPECT_EQ(r.exit_code, expected.empty() ? 1 : 0) << "pattern '" << pattern << "' " << r.err;
    }
  }
};

TEST_F(CliGrepTest, LogBlocksGiveTheLinesOfDecompressAndGrep) {
  expect_grep_matches_plain_search(generated_log(3000), {"--codec", "log"});
}

TEST_F(CliGrepTest, LinesCrossingSmallLogBlocksAreJoined) {
  expect_grep_matches_plain_search(generated_log(2000) + "last line without newline blk_1",
                                   {"--codec", "log:fast", "--block-size", "7K"});
}

TEST_F(CliGrepTest, CrlfLogsKeepTheirCarriageReturns) {
  expect_grep_matches_plain_search(generated_log(800, "\r\n"), {"--codec", "log:fast", "--block-size", "16K"});
}

TEST_F(CliGrepTest, OtherCodecsAreDecompressedAndSearched) {
  expect_grep_matches_plain_search(generated_log(1500), {"--codec", "zstd", "--block-size", "5K"});
}

TEST_F(CliGrepTest, StatsShowThatLogBlocksRebuildFewLines) {
  write("a.log", generated_log(3000));
  ASSERT_TRUE(kolmo({"--codec", "log:fast", "-q", "a.log"}).ok());
  const RunResult r = kolmo({"grep", "--stats", "no such thing", "a.log.kmo"});
  EXPECT_EQ(r.exit_code, 1);
  // "1 log blocks (R of N lines rebuilt)": a pattern that matches no template rebuilds only the
  // lines no template covers (here the stack-trace lines, about 1 in 97).
  std::size_t rebuilt = 0, total = 0;
  ASSERT_EQ(std::sscanf(r.err.c_str(), "kolmo grep: 1 log blocks (%zu of %zu", &rebuilt, &total), 2) << r.err;
  EXPECT_EQ(total, 3031u);
  EXPECT_LT(rebuilt * 20, total) << r.err;
}

TEST_F(CliGrepTest, BadArgumentsAndMissingFilesExitWithTwo) {
  EXPECT_EQ(kolmo({"grep"}).exit_code, 2);
  EXPECT_EQ(kolmo({"grep", "-E", "a|b", "x.kmo"}).exit_code, 2);
  const RunResult missing = kolmo({"grep", "a", "missing.kmo"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("missing.kmo"), std::string::npos);
  write("junk.kmo", "not a kolmo file at all");
  EXPECT_EQ(kolmo({"grep", "a", "junk.kmo"}).exit_code, 2);
}

}  // namespace
}  // namespace kolmo::cli_test
