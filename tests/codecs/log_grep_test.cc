// grep_log_block: the lines it reports must be exactly those a plain search of the decoded block
// finds, whatever the pattern touches (constants, parameters, header fields, boundaries).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "codec_test_support.h"
#include "codecs/log/log_codec.h"
#include "codecs/log/log_grep.h"
#include "kolmo/codec.h"
#include "log_test_inputs.h"

namespace kolmo {
namespace {

EncodedBlock encode(ByteSpan input, const std::string& options) {
  return codec_test::encode_with(log_codec_info(), input, 0, options);
}

struct Found {
  std::vector<std::string> lines;  // the matching lines, "\r" kept
  logc::GrepStats stats;
};

// The matching lines of a whole block searched plainly, as `grep -a -F` would print them.
std::vector<std::string> plain_grep(const std::string& text, const std::string& pattern) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    const std::string line = text.substr(pos, nl - pos);
    if (line.find(pattern) != std::string::npos) out.push_back(line);
    pos = nl + 1;
  }
  return out;
}

// A text and its log-coded block, encoded once and searched for many patterns.
struct Coded {
  std::string text;
  EncodedBlock block;
  Coded(std::string t, const std::string& mode) : text(std::move(t)), block(encode(testing::to_bytes(text), mode)) {}
};

Found log_grep(const Coded& coded, const std::string& pattern) {
  Found f;
  auto stats = logc::grep_log_block(coded.block.params, coded.block.payload, coded.text.size(), pattern,
                                    DecodeLimits{}, [&](const logc::GrepLine& line) {
                                      // The first and last lines come always: keep only matches.
                                      if (line.text.find(pattern) != std::string_view::npos) {
                                        f.lines.emplace_back(line.text);
                                      }
                                    });
  EXPECT_TRUE(stats.ok()) << stats.status().to_string();
  if (stats.ok()) f.stats = *stats;
  return f;
}

const std::vector<std::string> kPatterns = {
    "Accepted password", "root", "10.0.1", "port 1", "ERROR", "worker-3] Recei", ",1", ":0",
    "blk_", "ssh2", " ", "", "no such text", "2023-11-1", "INFO [worker-1] Accepted", "2 from"};

// Substrings of random lines at random offsets: they start and end inside values, literals and
// template tokens alike.
std::vector<std::string> random_substrings(const std::string& text, std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  for (std::size_t tries = 0; out.size() < count && tries < 20 * count && !text.empty(); ++tries) {
    const std::size_t at = rng() % text.size();
    std::size_t end = std::min(text.size(), at + 1 + rng() % 24);
    const std::size_t nl = text.find('\n', at);
    if (nl != std::string::npos && nl < end) end = nl;
    if (end > at) out.push_back(text.substr(at, end - at));
  }
  return out;
}

TEST(LogGrep, ReportsExactlyThePlainSearchResultInEveryMode) {
  const std::string text = testing::structured_log(3000, 7);
  std::vector<std::string> patterns = kPatterns;
  for (const std::string& p : random_substrings(text, 60, 1)) patterns.push_back(p);
  // max,cm=1,side: every line whole with the header literals kept as side information;
  // max,cm=1,hybrid: header columns, contents by cm with the side information.
  for (const std::string mode : {"", "fast", "logzip=2", "logzip=3", "max,cm=1,side", "max,cm=1,hybrid"}) {
    const Coded coded(text, mode);
    for (const std::string& pattern : patterns) {
      EXPECT_EQ(log_grep(coded, pattern).lines, plain_grep(text, pattern))
          << "mode '" << mode << "' pattern '" << pattern << "'";
    }
  }
}

TEST(LogGrep, SkipsTheLinesOfTemplatesThatCannotMatch) {
  const Coded coded(testing::structured_log(3000, 11), "fast");
  const Found f = log_grep(coded, "Accepted password");
  EXPECT_EQ(f.stats.lines, 3000u);
  // Only the template holding the phrase (and the block's first and last lines) are rebuilt.
  EXPECT_LT(f.stats.rebuilt, f.stats.lines / 2);
  EXPECT_GT(f.stats.rebuilt, 0u);
  EXPECT_LE(log_grep(coded, "no such text").stats.rebuilt, 2u);
}

TEST(LogGrep, MatchesAdversarialLogsAndLineTerminators) {
  std::vector<std::pair<std::string, std::string>> inputs;
  for (const auto& [name, bytes] : testing::adversarial_logs()) inputs.emplace_back(name, std::string(bytes.begin(), bytes.end()));
  inputs.emplace_back("crlf", testing::structured_log(500, 3, "\r\n"));
  inputs.emplace_back("unterminated", testing::structured_log(500, 4) + "tail without newline ssh2");
  for (const auto& [name, text] : inputs) {
    const Coded coded(text, "fast");
    std::vector<std::string> patterns = {"a", "1", " ", "\r", "2\r", "ssh2", "\x01", "ERROR [w", "e"};
    for (const std::string& p : random_substrings(text, 20, 2)) patterns.push_back(p);
    for (const std::string& pattern : patterns) {
      EXPECT_EQ(log_grep(coded, pattern).lines, plain_grep(text, pattern)) << name << " pattern '" << pattern << "'";
    }
  }
}

TEST(LogGrep, RefusesACorruptPayloadWithAnError) {
  const Bytes input = testing::to_bytes(testing::structured_log(200, 5));
  EncodedBlock block = encode(input, "fast");
  block.payload.resize(block.payload.size() / 2);
  auto r = logc::grep_log_block(block.params, block.payload, input.size(), "a", DecodeLimits{},
                                [](const logc::GrepLine&) {});
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace kolmo
