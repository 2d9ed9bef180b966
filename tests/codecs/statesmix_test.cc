#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "codec_test_support.h"
#include "codecs/statesmix/context_models.h"
#include "codecs/statesmix/mamba.h"
#include "codecs/statesmix/ssm_math.h"
#include "codecs/statesmix/statesmix_codec.h"
#include "codecs/statesmix/statesmix_format.h"
#include "codecs/statesmix/tokenizer.h"
#include "kolmo/codec.h"
#include "test_data.h"

namespace kolmo {
namespace {

using namespace statesmix;

const CodecInfo& codec() {
  static const CodecInfo info = statesmix_codec_info();
  return info;
}

// The codec needs tokenizer.bin (../shared/reference/statesmix); tests skip without it.
#define REQUIRE_TOKENIZER()                                                         \
  do {                                                                              \
    if (!load_default_tokenizer().ok()) {                                           \
      GTEST_SKIP() << "statesmix tokenizer.bin not found: "                         \
                   << load_default_tokenizer().status().to_string();                \
    }                                                                               \
  } while (0)

EncodedBlock encode(ByteSpan input) { return codec_test::encode_with(codec(), input, 0); }

Status decode(const EncodedBlock& block, Bytes& out, DecodeLimits limits = {}) {
  return codec_test::decode_with(codec(), block, out, limits);
}

Bytes generate_text(std::size_t size, std::uint64_t seed) {
  static const char* const kWords[] = {"the",   "of",     "and",   "model", "state", "space",
                                       "token", "online", "mamba", "coder", "is",    "a",
                                       "which", "learns", "from",  "every", "chunk", "bits"};
  std::mt19937_64 rng(seed);
  Bytes text;
  while (text.size() < size) {
    const std::string w = kWords[rng() % (rng() % 2 ? 6 : 18)];
    text.insert(text.end(), w.begin(), w.end());
    text.push_back(rng() % 9 == 0 ? '\n' : ' ');
  }
  text.resize(size);
  return text;
}

void expect_round_trip(const Bytes& input) {
  const EncodedBlock block = encode(input);
  Bytes out(input.size());
  const Status s = decode(block, out);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(out, input) << "size " << input.size();
}

TEST(StateSMixMath, ExpAndLogMatchLibmClosely) {
  for (float x = -80.0f; x < 80.0f; x += 0.37f) {
    const double want = std::exp(static_cast<double>(x));
    EXPECT_NEAR(det_exp(x) / want, 1.0, 1e-6) << x;
  }
  for (float x = 1e-30f; x < 1e30f; x *= 3.7f) {
    EXPECT_NEAR(det_log(x), std::log(static_cast<double>(x)), 2e-6 * (1 + std::fabs(std::log(x))))
        << x;
  }
  EXPECT_NEAR(det_softplus(0.0f), std::log(2.0), 1e-6);
  EXPECT_NEAR(det_softplus(30.0f), 30.0, 1e-5);
  EXPECT_NEAR(det_softplus(-30.0f), std::exp(-30.0), 1e-12);
}

// Backpropagation through the chunk (head, LayerNorms, both Mamba layers, scan, conv, embedding)
// agrees with central finite differences of the loss.
TEST(StateSMixMamba, GradientMatchesFiniteDifferences) {
  const std::uint32_t ve = 37;
  MambaModel model(ve);
  std::vector<std::uint32_t> tokens;
  std::mt19937 rng(5);
  for (int i = 0; i < 12; ++i) tokens.push_back(rng() % ve);
  SsmState start;
  // A non-zero start state exercises the carried recurrence.
  for (int l = 0; l < kNL; ++l) {
    for (int k = 0; k < kDI * kDS; ++k) start.h[l][k] = 0.01f * static_cast<float>(k % 7);
  }
  // Enlarge the weights so that every path carries a measurable gradient.
  auto p = model.parameters();
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (i < kFixedParams) p[i] *= 5.0f;
    else p[i] *= 20.0f;
  }
  model.refresh_derived();
  model.compute_gradient(tokens, start);
  const std::vector<float> grad(model.gradients().begin(), model.gradients().end());
  std::vector<std::size_t> probes;
  for (int l = 0; l < kNL; ++l) {
    const std::size_t base = l * LayerLayout::size;
    for (std::size_t off : {LayerLayout::ln_g + 3, LayerLayout::ln_b + 5, LayerLayout::in_w + 70,
                            LayerLayout::in_w + 100, LayerLayout::conv_w + 9,
                            LayerLayout::conv_b + 2, LayerLayout::xp_w + 40,
                            LayerLayout::xp_w + 32 + 33 * 5, LayerLayout::dt_w + 7,
                            LayerLayout::dt_b + 1, LayerLayout::a_log + 33,
                            LayerLayout::d_skip + 4, LayerLayout::out_w + 50}) {
      probes.push_back(base + off);
    }
  }
  probes.push_back(kNL * LayerLayout::size + 2);
  probes.push_back(model.embedding_offset() + tokens[3] * kDM + 4);
  probes.push_back(model.head_offset() + 5 * 40 + tokens[6]);
  int checked = 0;
  for (std::size_t i : probes) {
    const float saved = p[i];
    const float h = 1e-2f * std::max(1.0f, std::fabs(saved));
    p[i] = saved + h;
    model.refresh_derived();
    const double up = model.compute_gradient(tokens, start);
    p[i] = saved - h;
    model.refresh_derived();
    const double down = model.compute_gradient(tokens, start);
    p[i] = saved;
    model.refresh_derived();
    const double numeric = (up - down) / (2.0 * h);
    if (std::fabs(numeric) < 1e-4 && std::fabs(grad[i]) < 1e-4) continue;
    ++checked;
    EXPECT_NEAR(grad[i], numeric, 0.05 * std::fabs(numeric) + 2e-4) << "parameter " << i;
  }
  EXPECT_GE(checked, 20);
}

TEST(StateSMixCodec, RoundTripsGeneratedText) {
  REQUIRE_TOKENIZER();
  expect_round_trip(generate_text(30000, 1));
}

TEST(StateSMixCodec, RoundTripsBinaryEdgeCases) {
  REQUIRE_TOKENIZER();
  expect_round_trip({});
  expect_round_trip({0x41});
  expect_round_trip({0xff});
  expect_round_trip(Bytes(20000, 0));
  Bytes random(6000);
  std::mt19937 rng(3);
  for (auto& b : random) b = static_cast<std::uint8_t>(rng());
  expect_round_trip(random);
}

TEST(StateSMixCodec, TextCompressesWellBelowEightBitsPerByte) {
  REQUIRE_TOKENIZER();
  const Bytes text = generate_text(30000, 2);
  const EncodedBlock block = encode(text);
  EXPECT_LT(block.payload.size(), text.size() / 3);
}

TEST(StateSMixCodec, EncodingIsDeterministicAcrossRunsAndThreads) {
  REQUIRE_TOKENIZER();
  const Bytes text = generate_text(8000, 4);
  auto enc = codec().make_encoder("", 0);
  ASSERT_TRUE(enc.ok());
  EncodedBlock a, b, c;
  ASSERT_TRUE((*enc)->encode_block(text, a).ok());
  std::thread tb([&] { (void)(*enc)->encode_block(text, b); });
  std::thread tc([&] { (void)(*enc)->encode_block(text, c); });
  tb.join();
  tc.join();
  EXPECT_EQ(a.params, b.params);
  EXPECT_EQ(a.payload, b.payload);
  EXPECT_EQ(a.payload, c.payload);
}

TEST(StateSMixCodec, CorruptOrTruncatedPayloadIsAnError) {
  REQUIRE_TOKENIZER();
  const Bytes text = generate_text(4000, 5);
  const EncodedBlock block = encode(text);
  int failures = 0;
  for (std::size_t at : {std::size_t{0}, std::size_t{3}, block.payload.size() / 2,
                         block.payload.size() - 1}) {
    EncodedBlock bad = block;
    bad.payload[at] ^= 0x5a;
    Bytes out(text.size());
    const Status s = decode(bad, out);  // must not crash; wrong bytes would be caught by XXH64
    if (!s.ok() || out != text) ++failures;
  }
  EXPECT_EQ(failures, 4);
  EncodedBlock cut = block;
  cut.payload.resize(cut.payload.size() / 2);
  Bytes out(text.size());
  EXPECT_FALSE(decode(cut, out).ok());
  Bytes longer(text.size() + 10);
  EXPECT_FALSE(decode(block, longer).ok());
}

TEST(StateSMixCodec, InvalidParamsAndForeignTokenizerAreRefused) {
  REQUIRE_TOKENIZER();
  const Bytes text = generate_text(2000, 6);
  EncodedBlock block = encode(text);
  Bytes out(text.size());
  EncodedBlock short_params = block;
  short_params.params.pop_back();
  EXPECT_EQ(decode(short_params, out).code(), StatusCode::kCorruptData);
  EncodedBlock version = block;
  version.params[0] = 9;
  EXPECT_EQ(decode(version, out).code(), StatusCode::kUnsupported);
  EncodedBlock bits = block;
  bits.params[9] = 30;
  EXPECT_EQ(decode(bits, out).code(), StatusCode::kCorruptData);
  EncodedBlock foreign = block;
  foreign.params[1] ^= 1;  // tokenizer hash
  const Status s = decode(foreign, out);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("tokenizer"), std::string::npos);
}

TEST(StateSMixCodec, RefusesModelsBeyondTheMemoryLimit) {
  REQUIRE_TOKENIZER();
  const Bytes text = generate_text(3000, 7);
  const EncodedBlock block = encode(text);
  Bytes out(text.size());
  DecodeLimits tight;
  tight.memory_bytes = 1 << 20;
  EXPECT_EQ(decode(block, out, tight).code(), StatusCode::kLimitExceeded);
}

TEST(StateSMixCodec, RejectsOptions) {
  EXPECT_EQ(codec().make_encoder("fast", 0).status().code(), StatusCode::kInvalidArgument);
}

// A minimal valid tokenizer file: 256 byte tokens (byte 7 left without one) and one merge.
// (Bytes go in one at a time: gcc 12 warns falsely about vector::insert of short spans.)
void put_text(ByteWriter& w, std::string_view s) {
  for (char c : s) w.u8(static_cast<std::uint8_t>(c));
}

Bytes tiny_tokenizer() {
  ByteWriter w;
  put_text(w, "BPET");
  w.u32(258);
  w.u32(1);
  for (std::uint32_t b = 0; b < 256; ++b) w.u32(b == 7 ? 0xffffffffu : b);
  for (std::uint32_t b = 0; b < 256; ++b) {
    w.u8(1);
    w.u8(static_cast<std::uint8_t>(b));
  }
  w.u8(2);
  put_text(w, "ab");
  w.u8(3);
  put_text(w, "xyz");
  w.u32('a');
  w.u32('b');
  w.u32(256);
  return w.take();
}

TEST(StateSMixTokenizer, ParsesEncodesAndSpellsBack) {
  const Bytes file = tiny_tokenizer();
  auto tok = Tokenizer::parse(file);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  EXPECT_EQ((*tok)->vocab_size(), 259u);  // 258 + one extra token for byte 7
  const std::string text = "abcab\x07zab";
  const auto ids = (*tok)->encode(as_bytes(text));
  EXPECT_EQ(ids.size(), 6u);  // ab c ab \x07 z ab
  std::string back;
  for (std::uint32_t id : ids) {
    const ByteSpan s = (*tok)->token_bytes(id);
    back.append(reinterpret_cast<const char*>(s.data()), s.size());
  }
  EXPECT_EQ(back, text);
}

TEST(StateSMixTokenizer, RejectsDamagedFiles) {
  const Bytes good = tiny_tokenizer();
  for (std::size_t cut : {std::size_t{0}, std::size_t{3}, std::size_t{11}, std::size_t{500},
                          good.size() - 1}) {
    EXPECT_FALSE(Tokenizer::parse(ByteSpan(good.data(), cut)).ok()) << cut;
  }
  Bytes magic = good;
  magic[0] = 'X';
  EXPECT_FALSE(Tokenizer::parse(magic).ok());
  Bytes merge = good;
  merge[merge.size() - 12] = 'c';  // "cb" is not spelled by token 256 ("ab")
  EXPECT_FALSE(Tokenizer::parse(merge).ok());
  Bytes range = good;
  range[range.size() - 4] = 0xff;  // merged id out of range
  EXPECT_FALSE(Tokenizer::parse(range).ok());
  Bytes byte_token = good;
  byte_token[12 + 4 * 5] = 9;  // byte 5's token spells byte 9
  EXPECT_FALSE(Tokenizer::parse(byte_token).ok());
}

TEST(StateSMixFormat, VocabularyRoundTripsAndRejectsOutOfRange) {
  const std::vector<std::uint32_t> ids = {0, 1, 5, 300, 301, 40000, 49151};
  ByteWriter w;
  write_vocabulary(ids, w);
  const Bytes bytes = w.take();
  ByteReader r(bytes);
  auto back = read_vocabulary(r, static_cast<std::uint32_t>(ids.size()), 49152);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, ids);
  ByteReader r2(bytes);
  EXPECT_FALSE(read_vocabulary(r2, static_cast<std::uint32_t>(ids.size()), 40000).ok());
}

TEST(StateSMixSharedData, RoundTripsTheStartOfAlice) {
  KOLMO_REQUIRE_DATA(data);
  REQUIRE_TOKENIZER();
  Bytes text = testing::read_file(data / "text" / "canterbury" / "alice29.txt");
  if (text.empty()) GTEST_SKIP() << "alice29.txt not found";
  text.resize(std::min<std::size_t>(text.size(), 20000));
  const EncodedBlock block = encode(text);
  Bytes out(text.size());
  ASSERT_TRUE(decode(block, out).ok());
  EXPECT_EQ(out, text);
  EXPECT_LT(block.payload.size() * 8.0 / text.size(), 3.5);  // order-0 is about 4.5 bpb
}

}  // namespace
}  // namespace kolmo
