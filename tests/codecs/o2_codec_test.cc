#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "codec_test_support.h"
#include "codecs/o2/o2_codec.h"
#include "codecs/o2/o2_params.h"
#include "kolmo/codec.h"
#include "test_data.h"

namespace kolmo {
namespace {

const CodecInfo& o2() {
  static const CodecInfo info = o2_codec_info();
  return info;
}

EncodedBlock encode(ByteSpan input, int level) { return codec_test::encode_with(o2(), input, level); }

Status decode(const EncodedBlock& block, Bytes& out, DecodeLimits limits = {}) {
  return codec_test::decode_with(o2(), block, out, limits);
}

// o2's tests use the first 103 words (up to "coder"), as they did before the list was shared.
Bytes generate_text(std::size_t size, std::uint64_t seed) {
  return codec_test::generate_text(size, seed, 103);
}

// The order-0 entropy of the bytes: what any memoryless byte coder needs at best.
double order0_bits(ByteSpan data) {
  std::vector<std::uint64_t> counts(256, 0);
  for (const std::uint8_t b : data) ++counts[b];
  double bits = 0;
  for (const std::uint64_t c : counts) {
    if (c > 0) bits -= static_cast<double>(c) * std::log2(static_cast<double>(c) / data.size());
  }
  return bits;
}

TEST(O2Codec, RoundTripsAtEveryKindOfLevel) {
  std::mt19937 rng(3);
  Bytes random(30000);
  for (auto& b : random) b = static_cast<std::uint8_t>(rng());
  const std::vector<Bytes> inputs = {{}, {0x41}, Bytes(40000, 0), random,
                                     generate_text(60000, 1)};
  for (int level : {1, 3, 5, 7, 9}) {
    for (const Bytes& in : inputs) {
      const EncodedBlock block = encode(in, level);
      Bytes out(in.size(), 0xAA);
      const Status s = decode(block, out);
      ASSERT_TRUE(s.ok()) << "level " << level << " size " << in.size() << ": " << s.to_string();
      EXPECT_EQ(out, in) << "level " << level << " size " << in.size();
    }
  }
}

TEST(O2Codec, SizesAreSensibleForDegenerateInputs) {
  EXPECT_TRUE(encode(Bytes{}, 0).payload.empty());
  EXPECT_LE(encode(Bytes{7}, 0).payload.size(), 3u);
  EXPECT_LT(encode(Bytes(100000, 0), 0).payload.size(), 300u);
  std::mt19937 rng(4);
  Bytes random(100000);
  for (auto& b : random) b = static_cast<std::uint8_t>(rng());
  // Random bytes cannot be compressed; the model must not expand them by more than ~2 %.
  const std::size_t n = encode(random, 0).payload.size();
  EXPECT_LT(n, random.size() * 102 / 100);
}

TEST(O2Codec, CompressesTextWellBelowTheOrder0Bound) {
  const Bytes text = generate_text(300000, 2);
  const double bound_bytes = order0_bits(text) / 8;
  for (int level : {1, 5, 9}) {
    const std::size_t n = encode(text, level).payload.size();
    std::cout << "o2 level " << level << ": generated text " << text.size() << " -> " << n
              << " bytes (" << 8.0 * n / text.size() << " bits/byte), order-0 bound "
              << 8.0 * bound_bytes / text.size() << " bits/byte\n";
    EXPECT_LT(static_cast<double>(n), 0.75 * bound_bytes) << "level " << level;
  }
  // Stronger levels model more context: they must not be worse than level 1.
  EXPECT_LT(encode(text, 9).payload.size(), encode(text, 1).payload.size());
}

TEST(O2Codec, OutputIsTheSameOnEveryThread) {
  const Bytes text = generate_text(50000, 5);
  auto enc = o2().make_encoder("", 5);
  ASSERT_TRUE(enc.ok());
  EncodedBlock serial;
  ASSERT_TRUE((*enc)->encode_block(text, serial).ok());
  EncodedBlock a, b;
  std::thread ta([&] { (void)(*enc)->encode_block(text, a); });
  std::thread tb([&] { (void)(*enc)->encode_block(text, b); });
  ta.join();
  tb.join();
  EXPECT_EQ(a.payload, serial.payload);
  EXPECT_EQ(b.payload, serial.payload);
  EXPECT_EQ(a.params, serial.params);
}

TEST(O2Codec, OptionsAndLevels) {
  EXPECT_TRUE(make_encoder("o2", 0).ok());
  auto three = make_encoder("o2:3", 9);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ((*three)->spec(), "o2:3");
  EXPECT_TRUE(make_encoder("o2:level=7", 0).ok());
  for (const char* bad : {"o2:0", "o2:10", "o2:x", "o2:3x", "o2:-1"}) {
    EXPECT_EQ(make_encoder(bad, 0).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  auto enc = make_encoder("o2", 9);
  ASSERT_TRUE(enc.ok());
  EXPECT_GE((*enc)->preferred_block_size(), std::uint64_t{1} << 20);
}

TEST(O2Codec, InvalidParamsAreCorruptData) {
  const Bytes text = generate_text(2000, 6);
  const EncodedBlock good = encode(text, 5);
  ASSERT_EQ(good.params.size(), 5u);
  std::vector<Bytes> bad_params = {
      {},                                 // missing
      Bytes(good.params.begin(), good.params.end() - 1),  // short
  };
  Bytes longer = good.params;
  longer.push_back(0);
  bad_params.push_back(longer);
  for (const auto& [index, value] : std::vector<std::pair<int, std::uint8_t>>{
           {0, 0}, {0, 2}, {1, 0x80}, {1, 0x08}, {2, 0}, {3, 0}, {4, 0}, {4, 65}}) {
    Bytes p = good.params;
    p[static_cast<std::size_t>(index)] = value;
    bad_params.push_back(p);
  }
  for (const Bytes& p : bad_params) {
    Bytes out(text.size());
    const Status s = o2().decode(p, good.payload, out, DecodeLimits{});
    EXPECT_EQ(s.code(), StatusCode::kCorruptData) << s.to_string();
  }
  // An empty block must not carry a payload.
  Bytes none;
  EXPECT_EQ(o2().decode(good.params, good.payload, none, DecodeLimits{}).code(),
            StatusCode::kCorruptData);
}

TEST(O2Codec, RefusesModelsBeyondTheMemoryLimit) {
  const Bytes text = generate_text(5000, 7);
  for (int level : {1, 5, 9}) {
    auto enc = o2().make_encoder("", level);
    ASSERT_TRUE(enc.ok());
    EncodedBlock block;
    ASSERT_TRUE((*enc)->encode_block(text, block).ok());
    // working_memory() is exactly what the decoder checks: one byte less is refused.
    const std::uint64_t need = (*enc)->working_memory();
    EXPECT_GT(need, std::uint64_t{64} << 20);
    Bytes out(text.size());
    EXPECT_EQ(decode(block, out, DecodeLimits{need - 1}).code(), StatusCode::kLimitExceeded);
    EXPECT_EQ(decode(block, out, DecodeLimits{1 << 20}).code(), StatusCode::kLimitExceeded);
    ASSERT_TRUE(decode(block, out, DecodeLimits{need}).ok());
    EXPECT_EQ(out, text);
  }
}

TEST(O2Codec, DamagedPayloadsFailOrDecodeWrongBytesWithoutCrashing) {
  const Bytes text = generate_text(20000, 8);
  const EncodedBlock block = encode(text, 5);
  std::mt19937 rng(9);
  int flagged = 0;
  int wrong = 0;
  constexpr int kTrials = 12;
  for (int trial = 0; trial < kTrials; ++trial) {
    EncodedBlock bad = block;
    switch (trial % 3) {
      case 0: bad.payload[rng() % bad.payload.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255); break;
      case 1: bad.payload.resize(rng() % bad.payload.size()); break;
      default: bad.payload.push_back(static_cast<std::uint8_t>(rng())); break;
    }
    Bytes out(text.size());
    const Status s = decode(bad, out);
    flagged += !s.ok();
    wrong += !s.ok() || out != text;
    if (!s.ok()) {
      EXPECT_EQ(s.code(), StatusCode::kCorruptData);
    }
  }
  // Every damage is noticed (by the status or by different bytes, which the container's
  // checksum catches); truncation and trailing bytes always by the status.
  EXPECT_EQ(wrong, kTrials);
  EXPECT_GE(flagged, 2 * kTrials / 3);
  // A declared size beyond the content runs past the payload. (A shorter one decodes a correct
  // prefix; the container's header checksum guards the size.)
  Bytes longer(text.size() + 100);
  EXPECT_FALSE(decode(block, longer).ok());
  // Pure garbage with a plausible header.
  Bytes garbage(3000);
  for (auto& b : garbage) b = static_cast<std::uint8_t>(rng());
  Bytes out(10000);
  EXPECT_FALSE(o2().decode(block.params, garbage, out, DecodeLimits{}).ok());
}

TEST(O2CodecSharedData, Book1RoundTripsAndReportsItsRatio) {
  KOLMO_REQUIRE_DATA(data);
  const Bytes book1 = kolmo::testing::read_file(data / "text" / "calgary" / "book1");
  if (book1.empty()) GTEST_SKIP() << "book1 not found in the shared data";
  const EncodedBlock block = encode(book1, 0);
  Bytes out(book1.size());
  ASSERT_TRUE(decode(block, out).ok());
  EXPECT_EQ(out, book1);
  const double bpb = 8.0 * block.payload.size() / book1.size();
  std::cout << "o2 (default level) book1: " << book1.size() << " -> " << block.payload.size()
            << " bytes, " << bpb << " bits/byte\n";
  RecordProperty("book1_millibits_per_byte", static_cast<int>(std::lround(bpb * 1000)));
  EXPECT_LT(bpb, 2.6);
}

}  // namespace
}  // namespace kolmo
