// Helpers shared by the cm codec tests: the codec entry, one-block encode/decode, and generated
// inputs (English-like text and random bytes) so that the tests need no shared data.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "codecs/cm/cm_codec.h"
#include "kolmo/codec.h"

namespace kolmo::cm_test {

inline const CodecInfo& cm() {
  static const CodecInfo info = cm_codec_info();
  return info;
}

inline EncodedBlock encode(ByteSpan input, int level) {
  auto enc = cm().make_encoder("", level);
  EXPECT_TRUE(enc.ok()) << enc.status().to_string();
  EncodedBlock block;
  const Status s = (*enc)->encode_block(input, block);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return block;
}

inline Status decode(const EncodedBlock& block, Bytes& out, DecodeLimits limits = {}) {
  return cm().decode(block.params, block.payload, out, limits);
}

inline Bytes random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes b(size);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

// English-like text: Zipf-weighted words with capitals, punctuation and line breaks, so that
// order-n, word and match contexts all carry information.
inline Bytes generate_text(std::size_t size, std::uint64_t seed) {
  static const char* const kWords[] = {
      "the", "of", "and", "to", "a", "in", "that", "it", "was", "he", "for", "on", "are", "as",
      "with", "his", "they", "at", "be", "this", "from", "have", "or", "by", "one", "had", "not",
      "but", "what", "all", "were", "when", "we", "there", "can", "an", "your", "which", "their",
      "said", "if", "do", "will", "each", "about", "how", "up", "out", "them", "then", "she",
      "many", "some", "so", "these", "would", "other", "into", "has", "more", "her", "two",
      "compression", "model", "context", "probability", "arithmetic", "mixing", "history"};
  constexpr std::size_t kCount = sizeof(kWords) / sizeof(kWords[0]);
  std::vector<double> weights(kCount);
  for (std::size_t i = 0; i < kCount; ++i) weights[i] = 1.0 / static_cast<double>(i + 1);
  std::mt19937_64 rng(seed);
  std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
  Bytes text;
  bool capital = true;
  while (text.size() < size) {
    std::string w = kWords[pick(rng)];
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

}  // namespace kolmo::cm_test
