#include "entropy/binary_coder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace kolmo {
namespace {

struct CodedBit {
  int bit;
  std::uint32_t p16;
};

Bytes encode_all(const std::vector<CodedBit>& bits) {
  Bytes out;
  BinaryEncoder enc(out);
  for (const CodedBit& b : bits) enc.encode(b.bit, b.p16);
  enc.finish();
  return out;
}

// Decodes with the same probabilities; returns the number of mismatching bits.
std::size_t count_mismatches(const Bytes& stream, const std::vector<CodedBit>& bits,
                             bool* exact_end = nullptr) {
  BinaryDecoder dec(stream);
  std::size_t wrong = 0;
  for (const CodedBit& b : bits) wrong += dec.decode(b.p16) != b.bit;
  if (exact_end != nullptr) *exact_end = dec.consumed_exactly();
  return wrong;
}

// Bits drawn from their own probability, so the ideal code length is sum(-log2 p(bit)).
std::vector<CodedBit> sample_bits(std::mt19937_64& rng, std::size_t n, std::uint32_t lo,
                                  std::uint32_t hi, double* ideal_bits) {
  std::uniform_int_distribution<std::uint32_t> prob(lo, hi);
  std::vector<CodedBit> bits(n);
  double ideal = 0;
  for (CodedBit& b : bits) {
    b.p16 = prob(rng);
    b.bit = (rng() & 0xffff) < b.p16 ? 1 : 0;
    const double p1 = b.p16 / 65536.0;
    ideal -= std::log2(b.bit ? p1 : 1 - p1);
  }
  if (ideal_bits != nullptr) *ideal_bits = ideal;
  return bits;
}

TEST(BinaryCoder, RoundTripsRandomBitsWithRandomProbabilities) {
  std::mt19937_64 rng(7);
  std::vector<CodedBit> bits(200000);
  for (CodedBit& b : bits) {
    b.bit = static_cast<int>(rng() & 1);  // independent of p: many "surprising" bits
    b.p16 = 1 + static_cast<std::uint32_t>(rng() % 65535);
  }
  const Bytes stream = encode_all(bits);
  bool exact = false;
  EXPECT_EQ(count_mismatches(stream, bits, &exact), 0u);
  EXPECT_TRUE(exact);
}

TEST(BinaryCoder, RoundTripsExtremeProbabilities) {
  std::mt19937_64 rng(8);
  for (const std::uint32_t p : {1u, 65535u}) {
    std::vector<CodedBit> bits(50000);
    for (CodedBit& b : bits) {
      b.p16 = p;
      // Mostly the likely bit, sometimes the one with probability 2^-16.
      const int likely = p == 1 ? 0 : 1;
      b.bit = rng() % 100 == 0 ? 1 - likely : likely;
    }
    const Bytes stream = encode_all(bits);
    EXPECT_EQ(count_mismatches(stream, bits), 0u) << "p16 " << p;
  }
  // Alternating extremes, and every bit the unlikely one.
  std::vector<CodedBit> bits;
  for (int i = 0; i < 20000; ++i) bits.push_back({i & 1, (i % 3 == 0) ? 1u : 65535u});
  for (int i = 0; i < 2000; ++i) bits.push_back({1, 1u});
  EXPECT_EQ(count_mismatches(encode_all(bits), bits), 0u);
}

TEST(BinaryCoder, ClampsOutOfRangeProbabilities) {
  // 0 and 65536 (and beyond) are model bugs; the coder clamps them instead of breaking.
  std::vector<CodedBit> bits;
  for (int i = 0; i < 1000; ++i) bits.push_back({i % 7 == 0, i % 2 ? 0u : 70000u});
  EXPECT_EQ(count_mismatches(encode_all(bits), bits), 0u);
}

TEST(BinaryCoder, SizeIsCloseToTheIdealCodeLength) {
  std::mt19937_64 rng(9);
  double ideal = 0;
  const std::vector<CodedBit> bits = sample_bits(rng, 1000000, 1, 65535, &ideal);
  const Bytes stream = encode_all(bits);
  const double actual = 8.0 * static_cast<double>(stream.size());
  const double overhead = (actual - ideal) / ideal;
  std::cout << "binary coder: " << stream.size() << " bytes, ideal " << ideal / 8
            << ", overhead " << overhead * 100 << " %\n";
  EXPECT_LE(actual, ideal * 1.001 + 64);
  EXPECT_GE(actual, ideal * 0.99);  // a coder cannot beat the entropy by much
  EXPECT_EQ(count_mismatches(stream, bits), 0u);
}

TEST(BinaryCoder, SkewedSourceCompressesNearItsEntropy) {
  // p(1) = 1/64 for every bit: about 0.116 bits per bit.
  std::mt19937_64 rng(10);
  std::vector<CodedBit> bits(1000000);
  double ideal = 0;
  for (CodedBit& b : bits) {
    b.p16 = 1024;
    b.bit = rng() % 64 == 0;
    ideal -= std::log2(b.bit ? 1024 / 65536.0 : 1 - 1024 / 65536.0);
  }
  const Bytes stream = encode_all(bits);
  EXPECT_LE(8.0 * stream.size(), ideal * 1.001 + 64);
  EXPECT_EQ(count_mismatches(stream, bits), 0u);
}

TEST(BinaryCoder, Encode12MatchesEncodeWithShiftedProbability) {
  Bytes a, b;
  BinaryEncoder ea(a), eb(b);
  for (int i = 0; i < 5000; ++i) {
    const std::uint32_t p12 = 1 + static_cast<std::uint32_t>((i * 2654435761u) % 4095);
    ea.encode12(i % 3 == 0, p12);
    eb.encode(i % 3 == 0, p12 << 4);
  }
  ea.finish();
  eb.finish();
  EXPECT_EQ(a, b);
  BinaryDecoder d(a);
  for (int i = 0; i < 5000; ++i) {
    const std::uint32_t p12 = 1 + static_cast<std::uint32_t>((i * 2654435761u) % 4095);
    ASSERT_EQ(d.decode12(p12), i % 3 == 0 ? 1 : 0) << i;
  }
}

TEST(BinaryCoder, EmptyStreamIsOneByteAndConsumedExactly) {
  Bytes out;
  BinaryEncoder enc(out);
  enc.finish();
  EXPECT_EQ(out.size(), 1u);
  BinaryDecoder dec(out);
  EXPECT_TRUE(dec.consumed_exactly());
}

TEST(BinaryCoder, TruncatedOrTrailingInputIsDetectedAndNeverReadsOutOfBounds) {
  std::mt19937_64 rng(11);
  const std::vector<CodedBit> bits = sample_bits(rng, 20000, 1000, 64000, nullptr);
  const Bytes stream = encode_all(bits);
  ASSERT_GT(stream.size(), 100u);
  // Truncated: decoding continues on zeros (ASan would flag any out-of-bounds read).
  const Bytes cut(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(stream.size() / 2));
  bool exact = true;
  (void)count_mismatches(cut, bits, &exact);
  EXPECT_FALSE(exact);
  Bytes longer = stream;
  longer.push_back(0x55);
  EXPECT_EQ(count_mismatches(longer, bits, &exact), 0u);
  EXPECT_FALSE(exact);
  // Empty input decodes zeros without touching memory.
  (void)count_mismatches(Bytes{}, bits, &exact);
  EXPECT_FALSE(exact);
}

TEST(BinaryCoder, OverranTurnsTrueOnlyPastTheEndOfAValidStream) {
  std::mt19937_64 rng(14);
  const std::vector<CodedBit> bits = sample_bits(rng, 20000, 1000, 64000, nullptr);
  const Bytes stream = encode_all(bits);
  // A whole stream never overruns, at any point of its decoding.
  BinaryDecoder whole(stream);
  for (const CodedBit& b : bits) {
    (void)whole.decode(b.p16);
    ASSERT_FALSE(whole.overran());
  }
  EXPECT_TRUE(whole.consumed_exactly());
  // A stream cut in half overruns before its bits run out; an empty one does from the start.
  const Bytes cut(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(stream.size() / 2));
  BinaryDecoder half(cut);
  std::size_t decoded = 0;
  while (decoded < bits.size() && !half.overran()) (void)half.decode(bits[decoded++].p16);
  EXPECT_LT(decoded, bits.size());
  EXPECT_TRUE(BinaryDecoder(Bytes{}).overran());
}

TEST(BinaryCoder, GarbageInputDecodesWithoutCrashing) {
  std::mt19937_64 rng(12);
  for (int trial = 0; trial < 50; ++trial) {
    Bytes garbage(rng() % 64);
    for (auto& b : garbage) b = static_cast<std::uint8_t>(rng());
    BinaryDecoder dec(garbage);
    int ones = 0;
    for (int i = 0; i < 4000; ++i) ones += dec.decode(1 + static_cast<std::uint32_t>(rng() % 65535));
    EXPECT_LE(ones, 4000);
    EXPECT_GE(dec.position(), 4u);
  }
}

TEST(BinaryCoder, AdaptiveByteModelRoundTripsAndLearns) {
  std::mt19937_64 rng(13);
  Bytes text(100000);
  // A skewed byte source: mostly 'a'..'d'.
  for (auto& b : text) b = static_cast<std::uint8_t>(rng() % 10 < 9 ? 'a' + rng() % 4 : rng());
  Bytes stream;
  {
    BinaryEncoder enc(stream);
    AdaptiveByteModel model;
    for (const std::uint8_t b : text) model.encode(enc, b);
    enc.finish();
  }
  // 0.9 * log2(4) + entropy of the rare bytes is about 3 bits per byte; 8 would mean no learning.
  EXPECT_LT(stream.size(), text.size() * 45 / 100);
  BinaryDecoder dec(stream);
  AdaptiveByteModel model;
  Bytes back(text.size());
  for (auto& b : back) b = model.decode(dec);
  EXPECT_EQ(back, text);
  EXPECT_TRUE(dec.consumed_exactly());
}

TEST(BinaryCoder, AdaptiveBitStaysInRange) {
  AdaptiveBit up, down;
  for (int i = 0; i < 100000; ++i) {
    up.update(1, 1);
    down.update(0, 1);
  }
  EXPECT_EQ(up.p16(), 65535u);
  EXPECT_EQ(down.p16(), 1u);
  AdaptiveBit slow;
  for (int i = 0; i < 200; ++i) slow.update(1, 5);
  EXPECT_GT(slow.p16(), 60000u);
}

}  // namespace
}  // namespace kolmo
