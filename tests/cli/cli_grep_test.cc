// `kolmo grep PATTERN FILE.kmo` against `kolmo -dc FILE.kmo | grep -a -F PATTERN`: the same lines,
// for log-coded files (templates searched, lines crossing block boundaries) and other codecs
// (decompress and search), and grep's exit statuses.
#include <sys/wait.h>

#include <algorithm>
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
  // Writes `name` and compresses it to name.kmo with the given arguments.
  void write_and_compress(const std::string& name, const std::string& text, std::vector<std::string> args) {
    write(name, text);
    args.insert(args.end(), {"-q", "-f", "-k", name});
    ASSERT_TRUE(kolmo(args).ok());
  }

  // Compresses text with the given arguments and checks every pattern against the plain search.
  void expect_grep_matches_plain_search(const std::string& text, const std::vector<std::string>& args) {
    ASSERT_NO_FATAL_FAILURE(write_and_compress("a.log", text, args));
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

// `LC_ALL=C grep -a ARGS -e PATTERN FILE`: its output and exit status (the reference for the
// options; bytes, not characters, as kolmo grep reads them).
RunResult system_grep(const fs::path& file, const std::vector<std::string>& args, const std::string& pattern) {
  auto quote = [](const std::string& s) {
    std::string q = "'";
    for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  std::string cmd = "LC_ALL=C grep -a";
  // Appended piece by piece: gcc 12 warns wrongly (-Wrestrict) on `" " + std::string`.
  for (const std::string& a : args) cmd.append(" ").append(quote(a));
  cmd.append(" -e ").append(quote(pattern)).append(" ").append(quote(file.string()));
  RunResult r;
  std::FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t got = 0;
  while ((got = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, got);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

bool system_grep_available() { return std::system("LC_ALL=C grep -E -q a /dev/null 2>/dev/null; test $? -eq 1") == 0; }

class CliGrepOptionsTest : public CliGrepTest {
 protected:
  // Every option set and pattern against the system's grep on the decompressed text.
  void expect_options_match_system_grep(const std::string& text, const std::vector<std::string>& compress_args) {
    ASSERT_NO_FATAL_FAILURE(write_and_compress("b.log", text, compress_args));
    const std::vector<std::vector<std::string>> option_sets = {
        {"-E"}, {"-E", "-i"}, {"-v"}, {"-c"}, {"-n"}, {"-x"}, {"-E", "-n", "-v"}, {"-cE"}, {"-q"}, {"-in"}};
    const std::vector<std::string> patterns = {
        "blk_[0-9]+ of", "^2026.*ERROR", "closed$", "node-[35]\\]", "u[0-3] logged", "(WARN|ERROR) \\[node-1\\]",
        "stack trace line without a header", "error", "10\\.0\\.1\\.", "no such thing", "ms\r$", "a|b|c"};
    for (const auto& options : option_sets) {
      for (const std::string& pattern : patterns) {
        std::vector<std::string> args = {"grep"};
        args.insert(args.end(), options.begin(), options.end());
        args.insert(args.end(), {"-e", pattern, "b.log.kmo"});
        const RunResult ours = kolmo(args);
        // grep without -E reads a basic regular expression; kolmo grep's default is a fixed string.
        std::vector<std::string> reference = options;
        bool extended = false;
        for (const std::string& o : options) extended = extended || o.find('E') != std::string::npos;
        if (!extended) reference.insert(reference.begin(), "-F");
        const RunResult theirs = system_grep(path("b.log"), reference, pattern);
        std::string what = "pattern '" + pattern + "' options";
        for (const std::string& o : options) what.append(" ").append(o);
        // Sizes and the first difference only: the outputs run to hundreds of lines.
        const auto diff = std::mismatch(ours.out.begin(), ours.out.end(), theirs.out.begin(), theirs.out.end());
        EXPECT_TRUE(ours.out == theirs.out) << what << ": " << ours.out.size() << " bytes against grep's "
                                            << theirs.out.size() << ", first difference at byte "
                                            << (diff.first - ours.out.begin()) << ": '"
                                            << ours.out.substr(diff.first - ours.out.begin(), 80) << "'";
        EXPECT_EQ(ours.exit_code, theirs.exit_code) << what << " " << ours.err;
      }
    }
  }
};

TEST_F(CliGrepOptionsTest, RegexAndOptionsGiveWhatSystemGrepGivesOnLogBlocks) {
  if (!system_grep_available()) GTEST_SKIP() << "no system grep to compare with";
  expect_options_match_system_grep(generated_log(2500) + "last line without newline blk_7 of size 9", {"--codec", "log"});
}

TEST_F(CliGrepOptionsTest, LineNumbersRunAcrossSmallCrlfBlocks) {
  if (!system_grep_available()) GTEST_SKIP() << "no system grep to compare with";
  expect_options_match_system_grep(generated_log(900, "\r\n"), {"--codec", "log:fast", "--block-size", "7K"});
}

TEST_F(CliGrepOptionsTest, OtherCodecsGiveWhatSystemGrepGives) {
  if (!system_grep_available()) GTEST_SKIP() << "no system grep to compare with";
  expect_options_match_system_grep(generated_log(600) + "tail", {"--codec", "zstd", "--block-size", "5K"});
}

TEST_F(CliGrepTest, BadPatternsAndOptionsExitWithTwoAndSayWhy) {
  write("a.log", generated_log(100));
  ASSERT_TRUE(kolmo({"--codec", "log", "-q", "a.log"}).ok());
  const RunResult bad = kolmo({"grep", "-E", "(unclosed", "a.log.kmo"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unmatched '('"), std::string::npos) << bad.err;
  EXPECT_EQ(kolmo({"grep", "-E", "a{999}", "a.log.kmo"}).exit_code, 2);
  EXPECT_EQ(kolmo({"grep", "-z", "a", "a.log.kmo"}).exit_code, 2);
  EXPECT_EQ(kolmo({"grep", "--regexp=a", "a.log.kmo"}).exit_code, 2);
  EXPECT_EQ(kolmo({"grep", "-e"}).exit_code, 2);
  // A fixed string is never a regex: "(unclosed" is just bytes.
  EXPECT_EQ(kolmo({"grep", "(unclosed", "a.log.kmo"}).exit_code, 1);
}

TEST_F(CliGrepTest, BadArgumentsAndMissingFilesExitWithTwo) {
  EXPECT_EQ(kolmo({"grep"}).exit_code, 2);
  const RunResult missing = kolmo({"grep", "a", "missing.kmo"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("missing.kmo"), std::string::npos);
  write("junk.kmo", "not a kolmo file at all");
  EXPECT_EQ(kolmo({"grep", "a", "junk.kmo"}).exit_code, 2);
}

}  // namespace
}  // namespace kolmo::cli_test
