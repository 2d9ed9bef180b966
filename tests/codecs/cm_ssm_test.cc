// The cm codec's SSM input (option ssm, params flag bit 1): the causal token cut against a naive
// longest match, the token model's speculative distribution, dense weights and bias sources,
// option and params parsing, round trips with and without the statesmix tokenizer, the
// same payload for one and two threads, damaged SSM headers, the memory limit and the encoder's
// memory budget.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>

#include "cm_test_util.h"
#include "codecs/cm/cm_model.h"
#include "codecs/cm/cm_params.h"
#include "codecs/cm/cm_ssm_input.h"
#include "codecs/statesmix/context_models.h"
#include "codecs/statesmix/statesmix_format.h"

namespace kolmo {
namespace {

using cm_test::decode;
using cm_test::encode_with_options;
using cm_test::generate_text;
using cm_test::random_bytes;

bool have_tokenizer() { return statesmix::load_default_tokenizer().ok(); }

#define REQUIRE_TOKENIZER()                                                           \
  do {                                                                                \
    if (!have_tokenizer()) {                                                          \
      GTEST_SKIP() << "statesmix tokenizer.bin not found (the SSM input needs it): "  \
                   << statesmix::load_default_tokenizer().status().to_string();       \
    }                                                                                 \
  } while (0)

// A hand-made sorted vocabulary (no tokenizer needed).
cm::SortedVocabulary make_vocabulary(std::vector<std::string> words) {
  std::sort(words.begin(), words.end());
  cm::SortedVocabulary v;
  v.offsets.push_back(0);
  for (std::size_t i = 0; i < words.size(); ++i) {
    v.bytes.insert(v.bytes.end(), words[i].begin(), words[i].end());
    v.offsets.push_back(static_cast<std::uint32_t>(v.bytes.size()));
    v.ids.push_back(static_cast<std::uint32_t>(i));
  }
  return v;
}

// The longest word at pos, or 0 when none.
std::size_t longest_match(const std::vector<std::string>& words, const std::string& s,
                          std::size_t pos) {
  std::size_t best = 0;
  for (const std::string& w : words) {
    if (w.size() > best && s.compare(pos, w.size(), w) == 0) best = w.size();
  }
  return best;
}

TEST(CmSsmTokenWalker, CutsLikeTheLongestMatchFromEachStart) {
  const std::vector<std::string> words = {"a", "ab", "abcd", "b", "bc", "bcde", "c", "d", "e",
                                          "cd", "eab", "x"};
  const cm::SortedVocabulary v = make_vocabulary(words);
  std::mt19937 rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    std::string s;
    const std::size_t n = 1 + rng() % 40;
    for (std::size_t i = 0; i < n; ++i) s.push_back("abcdex"[rng() % 6]);
    // Expected: repeated longest match (every single letter is a word).
    std::vector<std::string> expected;
    for (std::size_t pos = 0; pos < s.size();) {
      const std::size_t len = longest_match(words, s, pos);
      ASSERT_GT(len, 0u);
      expected.push_back(s.substr(pos, len));
      pos += len;
    }
    std::vector<std::string> got;
    std::size_t committed_before_end = 0;
    cm::TokenWalker walker(&v);
    auto emit = [&](std::uint32_t rank) {
      got.emplace_back(reinterpret_cast<const char*>(v.bytes.data() + v.offsets[rank]),
                       v.length(rank));
    };
    for (const char c : s) walker.push(static_cast<std::uint8_t>(c), emit);
    committed_before_end = got.size();
    walker.finish(emit);
    EXPECT_EQ(got, expected) << s;
    // Causal: what was committed before the end is a prefix of the final cut.
    EXPECT_LE(committed_before_end, expected.size());
  }
}

TEST(CmSsmTokenWalker, DropsBytesNoTokenStartsWith) {
  const cm::SortedVocabulary v = make_vocabulary({"ab", "b"});
  cm::TokenWalker walker(&v);
  std::vector<std::uint32_t> got;
  auto emit = [&](std::uint32_t r) { got.push_back(r); };
  for (const char c : std::string("zabqb")) walker.push(static_cast<std::uint8_t>(c), emit);
  walker.finish(emit);
  // "z" and "q" start no token: dropped; "ab" and "b" are committed.
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(v.length(got[0]), 2u);
  EXPECT_EQ(v.length(got[1]), 1u);
}

// A history where no token follows itself, so that the contexts ending in the next token differ
// from those that learn it.
std::vector<std::uint32_t> tokens_without_repeats(std::size_t n, std::uint32_t ve,
                                                  std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint32_t> t;
  while (t.size() < n) {
    // Few distinct tokens in runs of a pattern: n-gram contexts recur and get lists.
    const std::uint32_t x = static_cast<std::uint32_t>(rng() % 7 == 0 ? rng() % ve : t.size() % 9);
    if (t.empty() || t.back() != x) t.push_back(x);
  }
  return t;
}

// predict_after(t) must give what predict() gives once t is learned, except for t's own weight
// (its count grows): the same listed tokens, biases and dense scale.
TEST(CmSsmTokenModel, SpeculativeDistributionMatchesTheOneAfterLearning) {
  const std::uint32_t ve = 40;
  const std::vector<std::uint32_t> seq = tokens_without_repeats(400, ve, 5);
  cm::SparseTokenModel m(ve, seq.size());
  cm::SparseTokenModel::Distribution spec;
  std::size_t listed_seen = 0;
  for (const std::uint32_t t : seq) {
    m.predict_after(t, spec);
    m.update(t);
    m.predict();
    const cm::SparseTokenModel::Distribution& after = m.next();
    EXPECT_EQ(spec.g, after.g);
    ASSERT_EQ(spec.listed.size(), after.listed.size());
    for (std::size_t i = 0; i < spec.listed.size(); ++i) {
      EXPECT_EQ(spec.listed[i].rank, after.listed[i].rank);
      if (spec.listed[i].rank != t) {
        EXPECT_EQ(spec.listed[i].extra, after.listed[i].extra);
      }
    }
    listed_seen += after.listed.size();
  }
  EXPECT_GT(listed_seen, seq.size());  // the n-gram lists were exercised
}

// The Fenwick tree's ranges: a token's dense weight grows with its count, equal counts weigh the
// same, and the ranges add up.
TEST(CmSsmTokenModel, DenseWeightsFollowTheCounts) {
  const std::uint32_t ve = 37;
  cm::SparseTokenModel m(ve, 100);
  auto weight = [&](std::uint32_t r) { return m.dense_prefix(r + 1) - m.dense_prefix(r); };
  const std::uint64_t unseen = weight(0);
  EXPECT_GT(unseen, 0u);
  for (std::uint32_t r = 1; r < ve; ++r) EXPECT_EQ(weight(r), unseen) << r;
  for (int i = 0; i < 5; ++i) {
    m.predict();
    m.update(12);
  }
  m.predict();
  m.update(30);
  EXPECT_GT(weight(12), weight(30));
  EXPECT_GT(weight(30), unseen);
  EXPECT_EQ(weight(11), unseen);
  EXPECT_EQ(m.dense_prefix(ve), unseen * (ve - 2) + weight(12) + weight(30));
}

// statesmix's sparse biases name their source, in scan order: n-gram orders (only those whose
// context fits the history), at most one LZ bias (from two tokens of history on), then one
// recency bonus per token of the last 64; cm scales them by source (round 10t).
TEST(CmSsmTokenModel, SparseBiasesNameTheirSourceInScanOrder) {
  constexpr std::uint32_t ve = 12;
  const std::vector<std::uint32_t> tokens = {1, 2, 3, 1, 2, 3, 1, 2, 4, 1, 2, 3, 5, 1, 2};
  statesmix::ContextModels models(ve, tokens.size() + 1, statesmix::table_bits_for(tokens.size()));
  std::vector<std::uint32_t> history;
  bool saw_ngram = false, saw_lz = false;
  for (const std::uint32_t t : tokens) {
    int last = -1, recency = 0, lz = 0;
    models.sparse_biases(std::span<const std::uint32_t>(history), 1.0f,
                         [&](std::uint32_t token, float bias, int source) {
                           EXPECT_LT(token, ve);
                           EXPECT_GE(bias, 0.0f);
                           EXPECT_GE(source, last);  // sources never go back
                           last = source;
                           if (source < statesmix::kOrders) {
                             EXPECT_GE(history.size(), static_cast<std::size_t>(
                                                           statesmix::kContextLengths[source]));
                             saw_ngram = true;
                           }
                           lz += source == statesmix::kLzSource;
                           recency += source == statesmix::kRecencySource;
                         });
    EXPECT_EQ(recency, static_cast<int>(std::min<std::size_t>(history.size(),
                                                              statesmix::kRecencyWindow)));
    EXPECT_LE(lz, history.size() >= 2 ? 1 : 0);
    saw_lz = saw_lz || lz > 0;
    models.update(t);
    history.push_back(t);
  }
  EXPECT_TRUE(saw_ngram);
  EXPECT_TRUE(saw_lz);
  // cm's weights: the short-range sources count more than in statesmix.
  EXPECT_EQ(cm::bias_source_scale(statesmix::kRecencySource), 6.0f);
  EXPECT_EQ(cm::bias_source_scale(statesmix::kLzSource), 4.0f);
  for (int o = 0; o < statesmix::kOrders; ++o) {
    EXPECT_EQ(cm::bias_source_scale(o), statesmix::kContextLengths[o] <= 3 ? 3.0f : 1.0f) << o;
  }
}

TEST(CmSsmParams, FlagsByteCarriesTransformAndSsm) {
  for (const bool transform : {false, true}) {
    for (const bool ssm : {false, true}) {
      cm::Params p = cm::params_for(9, 100000);
      p.text_transform = transform;
      p.ssm = ssm;
      const Bytes b = cm::serialize_params(p);
      ASSERT_EQ(b.size(), 5u);
      EXPECT_EQ(b[4], (transform ? 1 : 0) | (ssm ? 2 : 0));
      auto back = cm::parse_params(b);
      ASSERT_TRUE(back.ok());
      EXPECT_EQ(back->text_transform, transform);
      EXPECT_EQ(back->ssm, ssm);
    }
  }
  Bytes bad = cm::serialize_params(cm::params_for(5, 1000));
  for (const std::uint8_t flags : {8, 0x80, 0xff}) {  // bit 2 (4): the LSTM input (cm_lstm_test.cc)
    bad[4] = flags;
    EXPECT_EQ(cm::parse_params(bad).status().code(), StatusCode::kCorruptData) << int{flags};
  }
}

TEST(CmSsmOptions, ParsesSsmItemsBesideTheLevel) {
  const CodecInfo& cm = cm_test::cm();
  for (const char* bad : {"9,", ",ssm", "ssm,ssm", "9,5", "ssm=2", "ssm-vocab=100,ssm",
                          "ssm-vocab=4096", "9,ssm,ssm-vocab=x", "10,ssm"}) {
    EXPECT_FALSE(cm.make_encoder(bad, 0).ok()) << bad;
  }
  auto off = cm.make_encoder("level=7,ssm=0", 0);
  ASSERT_TRUE(off.ok()) << off.status().to_string();
  EXPECT_EQ((*off)->spec(), "cm:7");
  if (!have_tokenizer()) GTEST_SKIP() << "statesmix tokenizer.bin not found";
  for (const char* good : {"9,ssm", "ssm,9", "level=9,ssm=1", "ssm", "3,ssm,ssm-vocab=1024"}) {
    auto enc = cm.make_encoder(good, 0);
    ASSERT_TRUE(enc.ok()) << good << ": " << enc.status().to_string();
    EXPECT_NE((*enc)->spec().find(",ssm"), std::string::npos) << good;
    // Within the default decoder limit: the encoder leaves the token model out of a block where
    // it would not fit (one token per byte of a 4 MiB block).
    EXPECT_LE((*enc)->working_memory(), std::uint64_t{2} << 30) << good;
    EXPECT_LE((*enc)->preferred_block_size(), std::uint64_t{4} << 20) << good;
  }
}

TEST(CmSsmCodec, RoundTripsTextBinaryAndEdgeCases) {
  REQUIRE_TOKENIZER();
  Bytes mixed = generate_text(3000, 4);
  const Bytes noise = random_bytes(600, 8);
  mixed.insert(mixed.end(), noise.begin(), noise.end());
  const std::vector<Bytes> inputs = {{}, {0x41}, {0x00, 0xff}, Bytes(500, 0), random_bytes(1500, 3),
                                     generate_text(6000, 1), mixed};
  for (const char* options : {"1,ssm", "9,ssm", "5,ssm,ssm-vocab=512"}) {
    for (const Bytes& in : inputs) {
      const EncodedBlock block = encode_with_options(in, options);
      ASSERT_FALSE(block.params.empty());
      EXPECT_EQ(block.params[4] & 2, 2) << options;
      Bytes out(in.size(), 0xAA);
      const Status s = decode(block, out);
      ASSERT_TRUE(s.ok()) << options << " size " << in.size() << ": " << s.to_string();
      EXPECT_EQ(out, in) << options << " size " << in.size();
    }
  }
}

TEST(CmSsmCodec, PayloadIsTheSameForOneAndTwoThreads) {
  REQUIRE_TOKENIZER();
  cm_test::expect_same_block_for_one_and_two_threads(generate_text(12000, 6), "5,ssm");
}

TEST(CmSsmCodec, DamagedSsmHeaderIsRefused) {
  REQUIRE_TOKENIZER();
  // Random bytes: no text transform, so the SSM header starts the payload.
  const Bytes in = random_bytes(400, 11);
  const EncodedBlock block = encode_with_options(in, "3,ssm");
  ASSERT_EQ(block.params[4], 2);
  Bytes out(in.size());
  // A foreign tokenizer hash: kUnsupported, naming the tokenizer.
  EncodedBlock foreign = block;
  foreign.payload[0] ^= 1;
  const Status s = decode(foreign, out);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("tokenizer"), std::string::npos) << s.message();
  // Every cut inside the header is refused, never a crash.
  for (std::size_t cut = 0; cut < 12; ++cut) {
    EncodedBlock cut_block = block;
    cut_block.payload.resize(cut);
    EXPECT_FALSE(decode(cut_block, out).ok()) << cut;
  }
  // A token count above the block size.
  EncodedBlock big = block;
  big.payload[8] = 0xff;
  big.payload.insert(big.payload.begin() + 9, {0xff, 0x7f});
  EXPECT_FALSE(decode(big, out).ok());
  // The SSM flag on a block encoded without it, and off on one with it: refused or wrong bytes,
  // never a crash.
  EncodedBlock flag_off = block;
  flag_off.params[4] = 0;
  Bytes out2(in.size());
  const Status off = decode(flag_off, out2);
  EXPECT_TRUE(!off.ok() || out2 != in);
}

// Damage after the SSM header decodes to other bytes (or is refused), never a crash: the token
// model then sees tokens the encoder never fed, up to the header's count.
TEST(CmSsmCodec, DamagedCodedBitsNeverCrash) {
  REQUIRE_TOKENIZER();
  const Bytes text = generate_text(5000, 3);
  const EncodedBlock block = encode_with_options(text, "5,ssm");
  ASSERT_GT(block.payload.size(), 200u);
  std::mt19937 rng(17);
  for (int trial = 0; trial < 12; ++trial) {
    EncodedBlock bad = block;
    const std::size_t at = block.payload.size() / 4 + rng() % (block.payload.size() / 2);
    bad.payload[at] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    Bytes out(text.size());
    const Status s = decode(bad, out);
    EXPECT_TRUE(!s.ok() || out != text) << trial;
  }
}

TEST(CmSsmCodec, MemoryLimitCountsTheEngine) {
  REQUIRE_TOKENIZER();
  const Bytes text = generate_text(4000, 2);
  const EncodedBlock with = encode_with_options(text, "1,ssm");
  auto p = cm::parse_params(with.params);
  ASSERT_TRUE(p.ok());
  DecodeLimits limits;
  limits.memory_bytes = cm::model_memory_bytes(*p) + 1024;  // the model fits, the engine does not
  Bytes out(text.size());
  EXPECT_EQ(decode(with, out, limits).code(), StatusCode::kLimitExceeded);
}

// The encoder leaves the token model out (no header, nullptr) when it would not fit its budget.
TEST(CmSsmCodec, EncoderLeavesOutATokenModelBeyondItsBudget) {
  REQUIRE_TOKENIZER();
  const Bytes text = generate_text(3000, 4);
  ByteWriter none;
  auto left_out = cm::SsmInput::for_encoding(text, statesmix::kMaxVocabSize, 1, 0, none);
  ASSERT_TRUE(left_out.ok()) << left_out.status().to_string();
  EXPECT_EQ(*left_out, nullptr);
  EXPECT_TRUE(none.take().empty());
  ByteWriter header;
  auto used = cm::SsmInput::for_encoding(text, statesmix::kMaxVocabSize, 1,
                                         std::uint64_t{1} << 30, header);
  ASSERT_TRUE(used.ok()) << used.status().to_string();
  EXPECT_NE(*used, nullptr);
  EXPECT_FALSE(header.take().empty());
}

// Last: it points the tokenizer lookup at a missing file for the rest of the process.
TEST(CmSsmCodec, WithoutTheTokenizerSsmIsRefusedAndPlainCmWorks) {
  const Bytes text = generate_text(3000, 9);
  EncodedBlock with;
  if (have_tokenizer()) with = encode_with_options(text, "2,ssm");
  const char* before = std::getenv("KOLMO_STATESMIX_TOKENIZER");
  const std::string saved = before != nullptr ? before : "";
  ASSERT_EQ(setenv("KOLMO_STATESMIX_TOKENIZER", "/nonexistent/cm-ssm-test/tokenizer.bin", 1), 0);
  auto enc = cm_test::cm().make_encoder("2,ssm", 0);
  ASSERT_FALSE(enc.ok());
  EXPECT_EQ(enc.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(enc.status().message().find("tokenizer"), std::string::npos);
  if (!with.params.empty()) {
    Bytes out(text.size());
    const Status s = decode(with, out);
    EXPECT_EQ(s.code(), StatusCode::kUnsupported);
    EXPECT_NE(s.message().find("tokenizer"), std::string::npos) << s.message();
  } else {
    std::cout << "statesmix tokenizer.bin not found: decoding an SSM block without it not tested\n";
  }
  const EncodedBlock plain = encode_with_options(text, "2");
  Bytes out(text.size());
  ASSERT_TRUE(decode(plain, out).ok());
  EXPECT_EQ(out, text);
  if (before != nullptr) {
    setenv("KOLMO_STATESMIX_TOKENIZER", saved.c_str(), 1);
  } else {
    unsetenv("KOLMO_STATESMIX_TOKENIZER");
  }
}

}  // namespace
}  // namespace kolmo
