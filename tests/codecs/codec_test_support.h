// Helpers shared by the codec tests: one-block encode/decode through a codec's table entry, and
// generated inputs (English-like text, random bytes), so that the tests need no shared data.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kolmo/codec.h"
#include "kolmo/container.h"

namespace kolmo::codec_test {

inline EncodedBlock encode_with(const CodecInfo& codec, ByteSpan input, int level,
                                std::string_view options = {}) {
  auto enc = codec.make_encoder(options, level);
  EXPECT_TRUE(enc.ok()) << enc.status().to_string();
  EncodedBlock block;
  if (!enc.ok()) return block;
  const Status s = (*enc)->encode_block(input, block);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return block;
}

inline Status decode_with(const CodecInfo& codec, const EncodedBlock& block, Bytes& out,
                          DecodeLimits limits = {}) {
  return codec.decode(block.params, block.payload, out, limits);
}

inline Bytes random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes b(size);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

// The first words of an English frequency list, plus a few of the field's own.
inline constexpr const char* kEnglishWords[] = {
    "the", "of", "and", "to", "a", "in", "that", "it", "was", "he", "for", "on", "are", "as",
    "with", "his", "they", "at", "be", "this", "from", "have", "or", "by", "one", "had", "not",
    "but", "what", "all", "were", "when", "we", "there", "can", "an", "your", "which", "their",
    "said", "if", "do", "will", "each", "about", "how", "up", "out", "them", "then", "she",
    "many", "some", "so", "these", "would", "other", "into", "has", "more", "her", "two",
    "like", "him", "see", "time", "could", "no", "make", "than", "first", "been", "its", "who",
    "now", "people", "my", "made", "over", "did", "down", "only", "way", "find", "use", "may",
    "water", "long", "little", "very", "after", "words", "called", "just", "where", "most",
    "know", "compression", "model", "context", "probability", "arithmetic", "coder", "mixing",
    "history"};

// English-like text: Zipf-weighted words (the first `vocabulary` of kEnglishWords) with
// capitals after full stops, commas and line breaks, so that order-n, word and match contexts
// all carry information.
inline Bytes generate_text(std::size_t size, std::uint64_t seed, std::size_t vocabulary = 70) {
  const std::span<const char* const> all(kEnglishWords);
  const std::size_t count = std::min(vocabulary, all.size());
  std::vector<double> weights(count);
  for (std::size_t i = 0; i < count; ++i) weights[i] = 1.0 / static_cast<double>(i + 1);
  std::mt19937_64 rng(seed);
  std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
  Bytes text;
  bool capital = true;
  while (text.size() < size) {
    std::string w = all[pick(rng)];
    if (capital) w[0] = static_cast<char>(w[0] - 'a' + 'A');
    capital = false;
    text.insert(text.end(), w.begin(), w.end());
    const auto r = rng() % 100;
    if (r < 6) {
      text.push_back('.');
      capital = true;
    } else if (r < 10) {
      text.push_back(',');
    }
    text.push_back(rng() % 12 == 0 ? '\n' : ' ');
  }
  text.resize(size);
  return text;
}

// Compresses input with one and with two threads (opts' other settings as given), expects the
// same file from both, and that it decompresses (with two threads) to the input.
inline void expect_same_file_for_one_and_two_threads(const Bytes& input, CompressOptions opts) {
  opts.threads = 1;
  auto one = compress_buffer(input, opts);
  opts.threads = 2;
  auto two = compress_buffer(input, opts);
  ASSERT_TRUE(one.ok()) << one.status().to_string();
  ASSERT_TRUE(two.ok()) << two.status().to_string();
  EXPECT_EQ(*one, *two);
  DecompressOptions dopts;
  dopts.threads = 2;
  auto back = decompress_buffer(*two, dopts);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, input);
}

}  // namespace kolmo::codec_test
