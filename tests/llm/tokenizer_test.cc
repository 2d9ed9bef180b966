// The llama2.c tokenizer: file parsing, and encode against a direct transcription of run.c's
// quadratic merge loop on many random texts.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "llm/float_convert.h"
#include "llm/tokenizer.h"

namespace kolmo::llm {
namespace {

// <unk>, <s>, </s>, 256 byte tokens, then pieces with merge scores.
struct Entry {
  std::string piece;
  float score;
};

std::vector<Entry> vocabulary() {
  std::vector<Entry> v = {{"<unk>", 0}, {"<s>", 0}, {"</s>", 0}};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    v.push_back({name, 0});
  }
  for (const Entry& e : std::vector<Entry>{{" ", -1}, {"a", -2}, {"b", -3}, {"c", -4}, {"\xC3\xA9", -5},
                                          {"ab", -6}, {"ba", -6}, {" a", -7}, {"abc", -8}, {"aa", -9},
                                          {" ab", -10}, {"bc", -11}, {"aaa", -6}}) {
    v.push_back(e);
  }
  return v;
}

Bytes tokenizer_file(const std::vector<Entry>& vocab) {
  ByteWriter w;
  w.u32(16);
  for (const Entry& e : vocab) {
    w.u32(float_to_bits(e.score));
    w.u32(static_cast<std::uint32_t>(e.piece.size()));
    w.bytes(as_bytes(e.piece));
  }
  return w.take();
}

// run.c's bpe_encode merge loop, transcribed directly: rescan for the best pair every time.
std::vector<int> run_c_merge(std::vector<int> tokens, const Tokenizer& t,
                             const std::vector<Entry>& vocab) {
  const auto lookup = [&](const std::string& s) {
    for (std::size_t i = 0; i < vocab.size(); ++i) {
      if (vocab[i].piece == s) return static_cast<int>(i);
    }
    return -1;
  };
  while (true) {
    float best_score = -1e10f;
    int best_id = -1, best_idx = -1;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
      const int id = lookup(t.piece(tokens[i]) + t.piece(tokens[i + 1]));
      if (id != -1 && vocab[id].score > best_score) {
        best_score = vocab[id].score;
        best_id = id;
        best_idx = static_cast<int>(i);
      }
    }
    if (best_idx == -1) break;
    tokens[best_idx] = best_id;
    tokens.erase(tokens.begin() + best_idx + 1);
  }
  return tokens;
}

TEST(LlmTokenizerTest, EncodesLikeRunCOnRandomTexts) {
  const auto vocab = vocabulary();
  Expected<Tokenizer> t = Tokenizer::parse(tokenizer_file(vocab), vocab.size());
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  std::mt19937 rng(7);
  const std::string alphabet[] = {"a", "b", "c", " ", "\xC3\xA9", "\xC3", "z"};
  for (int trial = 0; trial < 300; ++trial) {
    std::string text;
    const int n = static_cast<int>(rng() % 24);
    for (int i = 0; i < n; ++i) text += alphabet[rng() % 7];
    const std::vector<int> got = t->encode(text, true, false);
    // The unmerged sequence as run.c forms it (BOS, dummy prefix, characters or byte fallbacks),
    // merged by the quadratic loop.
    std::vector<int> start = {kBosToken};
    if (!text.empty()) start.push_back(259);
    for (std::size_t i = 0; i < text.size();) {
      if (text.compare(i, 2, "\xC3\xA9") == 0) {
        start.push_back(263);
        i += 2;
        continue;
      }
      const auto c = static_cast<unsigned char>(text[i]);
      const int id = c == 'a' ? 260 : c == 'b' ? 261 : c == 'c' ? 262 : c == ' ' ? 259 : c + 3;
      start.push_back(id);
      ++i;
    }
    EXPECT_EQ(got, run_c_merge(start, *t, vocab)) << "text \"" << text << "\"";
  }
}

TEST(LlmTokenizerTest, AddsBosEosAndDecodesPieces) {
  const auto vocab = vocabulary();
  Expected<Tokenizer> t = Tokenizer::parse(tokenizer_file(vocab), vocab.size());
  ASSERT_TRUE(t.ok());
  const std::vector<int> tokens = t->encode("ab", true, true);
  ASSERT_EQ(tokens.size(), 3u);  // BOS, " ab", EOS
  EXPECT_EQ(tokens.front(), kBosToken);
  EXPECT_EQ(t->piece(tokens[1]), " ab");
  EXPECT_EQ(tokens.back(), kEosToken);
  EXPECT_EQ(t->decode(kBosToken, tokens[1]), "ab");  // space after BOS dropped
  EXPECT_EQ(t->decode(5, tokens[1]), " ab");
  EXPECT_EQ(t->decode(5, 3 + 0x41), "A");             // <0x41>
  EXPECT_TRUE(t->encode("", false, false).empty());
}

TEST(LlmTokenizerTest, RejectsTruncatedAndInconsistentFiles) {
  const auto vocab = vocabulary();
  const Bytes file = tokenizer_file(vocab);
  EXPECT_EQ(Tokenizer::parse(ByteSpan(file).first(2), vocab.size()).status().code(), StatusCode::kTruncated);
  EXPECT_EQ(Tokenizer::parse(ByteSpan(file).first(file.size() - 1), vocab.size()).status().code(),
            StatusCode::kTruncated);
  EXPECT_EQ(Tokenizer::parse(file, vocab.size() + 1).status().code(), StatusCode::kTruncated);
  Bytes short_max = file;
  short_max[0] = 1;  // max_token_length 1, but pieces are longer
  EXPECT_EQ(Tokenizer::parse(short_max, vocab.size()).status().code(), StatusCode::kCorruptData);
  Bytes huge = file;
  huge[3] = 0x7F;
  EXPECT_EQ(Tokenizer::parse(huge, vocab.size()).status().code(), StatusCode::kCorruptData);
}

}  // namespace
}  // namespace kolmo::llm
