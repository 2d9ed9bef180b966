#include "entropy/rans_static.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <string>

namespace kolmo {
namespace {

Bytes random_bytes(std::size_t n, std::uint32_t seed, int alphabet) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng() % alphabet);
  return out;
}

// Geometric-like bytes: most mass on a few symbols, a long tail (entropy roughly 2-3 bits).
Bytes skewed_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::geometric_distribution<int> geo(0.3);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(std::min(geo(rng), 255));
  return out;
}

void expect_round_trip(const Bytes& in) {
  const Bytes blob = rans_encode_o0(in);
  ASSERT_LE(blob.size(), in.size() + 1);
  Bytes out(in.size(), 0xAA);
  const Status st = rans_decode_o0(blob, out);
  ASSERT_TRUE(st.ok()) << st.to_string() << " size " << in.size();
  ASSERT_EQ(out, in) << "size " << in.size();
}

std::uint32_t sum_of(const RansFrequencies& f) {
  return std::accumulate(f.begin(), f.end(), 0u);
}

TEST(RansNormalize, EmptyCountsGiveEmptyTable) {
  std::array<std::uint64_t, 256> counts{};
  EXPECT_EQ(sum_of(normalize_rans_frequencies(counts)), 0u);
}

TEST(RansNormalize, SingleSymbolTakesWholeScale) {
  std::array<std::uint64_t, 256> counts{};
  counts[77] = 5;
  const auto f = normalize_rans_frequencies(counts);
  EXPECT_EQ(f[77], kRansScale);
  EXPECT_EQ(sum_of(f), kRansScale);
}

TEST(RansNormalize, AllSymbolsPresentAndHugeCountsStayValid) {
  std::array<std::uint64_t, 256> counts{};
  for (int s = 0; s < 256; ++s) counts[s] = 1;
  counts[3] = ~std::uint64_t{0};  // would overflow any naive count * scale
  counts[4] = std::uint64_t{1} << 62;
  const auto f = normalize_rans_frequencies(counts);
  EXPECT_EQ(sum_of(f), kRansScale);
  for (int s = 0; s < 256; ++s) EXPECT_GE(f[s], 1) << s;
  EXPECT_GT(f[3], f[4]);
  EXPECT_GT(f[4], f[5]);
}

TEST(RansNormalize, ProportionalAndDeterministic) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::array<std::uint64_t, 256> counts{};
    const int used = 2 + static_cast<int>(rng() % 255);
    for (int i = 0; i < used; ++i) counts[rng() % 256] += 1 + rng() % 100000;
    const auto f = normalize_rans_frequencies(counts);
    EXPECT_EQ(f, normalize_rans_frequencies(counts));
    EXPECT_EQ(sum_of(f), kRansScale);
    // Cost of coding with f must be close to the entropy of the counts (within 1%  + 0.01 bit).
    double total = 0, entropy = 0, cost = 0;
    for (auto c : counts) total += static_cast<double>(c);
    for (int s = 0; s < 256; ++s) {
      if (counts[s] == 0) {
        EXPECT_EQ(f[s], 0);
        continue;
      }
      ASSERT_GE(f[s], 1);
      const double p = counts[s] / total;
      entropy -= p * std::log2(p);
      cost -= p * std::log2(f[s] / double(kRansScale));
    }
    EXPECT_LE(cost, entropy * 1.01 + 0.01) << "trial " << trial;
  }
}

TEST(RansRoundTrip, EmptyInput) {
  const Bytes blob = rans_encode_o0({});
  Bytes out;
  EXPECT_TRUE(rans_decode_o0(blob, out).ok());
  // An empty blob claims empty output: asking for more bytes is corrupt.
  Bytes one(1);
  EXPECT_EQ(rans_decode_o0(blob, one).code(), StatusCode::kCorruptData);
}

TEST(RansRoundTrip, SmallSizesAroundLaneCount) {
  for (std::size_t n = 1; n <= 70; ++n) {
    for (std::uint32_t seed = 0; seed < 6; ++seed) {
      expect_round_trip(random_bytes(n, seed * 1000 + static_cast<std::uint32_t>(n), 3));
      expect_round_trip(skewed_bytes(n, seed));
    }
  }
}

TEST(RansRoundTrip, ManySeedsAndOddSizes) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t n = rng() % 5000;
    const int alphabet = 1 + static_cast<int>(rng() % 256);
    expect_round_trip(trial % 2 ? skewed_bytes(n, trial) : random_bytes(n, trial, alphabet));
  }
}

TEST(RansRoundTrip, SingleSymbolInputIsTiny) {
  const Bytes in(100000, 'z');
  const Bytes blob = rans_encode_o0(in);
  EXPECT_EQ(blob.size(), 2u);
  expect_round_trip(in);
}

TEST(RansRoundTrip, AllByteValues) {
  Bytes in(256 * 40 + 3);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint8_t>(i * 7);
  expect_round_trip(in);
}

TEST(RansRoundTrip, RareSymbolsWithFrequencyOne) {
  // One common symbol and many that normalize to frequency 1 (the reciprocal special case).
  Bytes in(200000, 'e');
  for (int s = 0; s < 256; ++s) in[static_cast<std::size_t>(s) * 701] = static_cast<std::uint8_t>(s);
  expect_round_trip(in);
}

TEST(RansRoundTrip, OneMebibyteSkewedCompresses) {
  const Bytes in = skewed_bytes(1 << 20, 99);
  const Bytes blob = rans_encode_o0(in);
  // Entropy of geometric(0.3) is about 2.94 bits/byte; allow a little overhead, not 8 bits.
  EXPECT_LT(blob.size(), in.size() * 3 / 8 + 1000);
  expect_round_trip(in);
}

TEST(RansRoundTrip, IncompressibleFallsBackToRaw) {
  const Bytes in = random_bytes(4096, 5, 256);
  const Bytes blob = rans_encode_o0(in);
  EXPECT_EQ(blob.size(), in.size() + 1);
  EXPECT_EQ(blob[0], static_cast<std::uint8_t>(RansMode::kRaw));
  expect_round_trip(in);
}

TEST(RansFrequencyTable, SparseAndDenseTablesRoundTrip) {
  for (int present : {2, 5, kRansBitmapThreshold, kRansBitmapThreshold + 1, 256}) {
    RansFrequencies f{};
    std::uint32_t left = kRansScale;
    for (int i = 0; i < present; ++i) {
      const int s = (i * 97 + 11) % 256;  // distinct because gcd(97, 256) = 1
      f[s] = static_cast<std::uint16_t>(i + 1 == present ? left : 1 + i % 9);
      left -= f[s];
    }
    Bytes table;
    write_rans_frequencies(f, table);
    ByteReader r(table);
    RansFrequencies back;
    ASSERT_TRUE(read_rans_frequencies(r, back).ok()) << present;
    EXPECT_TRUE(r.at_end());
    EXPECT_EQ(back, f);
  }
}

// ---- malformed input ----

Bytes rans_blob_for(const Bytes& in) {
  Bytes blob = rans_encode_o0(in);
  EXPECT_EQ(blob[0], static_cast<std::uint8_t>(RansMode::kRans));
  return blob;
}

TEST(RansCorrupt, EveryTruncationFailsCleanly) {
  const Bytes in = skewed_bytes(3000, 3);
  const Bytes blob = rans_blob_for(in);
  Bytes out(in.size());
  for (std::size_t cut = 0; cut < blob.size(); ++cut) {
    const Status st = rans_decode_o0(ByteSpan(blob.data(), cut), out);
    EXPECT_FALSE(st.ok()) << "cut " << cut;
    EXPECT_TRUE(st.code() == StatusCode::kTruncated || st.code() == StatusCode::kCorruptData)
        << st.to_string();
  }
}

TEST(RansCorrupt, TrailingByteAndWrongSizeAreDetected) {
  const Bytes in = skewed_bytes(3000, 4);
  Bytes blob = rans_blob_for(in);
  Bytes out(in.size());
  Bytes longer = blob;
  longer.push_back(0);
  EXPECT_EQ(rans_decode_o0(longer, out).code(), StatusCode::kCorruptData);
  Bytes shorter_out(in.size() - 1);
  EXPECT_FALSE(rans_decode_o0(blob, shorter_out).ok());
}

TEST(RansCorrupt, BadTablesAreRejected) {
  // mode, present - 1 = 1, symbols 'a' and 'b' (gap 0), freqs - 1 = 2047 twice (varint FF 0F),
  // then 8 states of 2^16 (the encoder's initial state), and no stream: valid for 0 symbols.
  Bytes out;
  Bytes good = {static_cast<std::uint8_t>(RansMode::kRans), 1, 'a', 0, 0xFF, 0x0F, 0xFF, 0x0F};
  for (int j = 0; j < kRansLanes; ++j) good.insert(good.end(), {0, 0, 1, 0});
  EXPECT_TRUE(rans_decode_o0(good, out).ok());
  // Frequencies summing to 2049.
  Bytes bad_sum = good;
  bad_sum.erase(bad_sum.begin() + 6, bad_sum.begin() + 8);
  bad_sum.insert(bad_sum.begin() + 6, 0);
  EXPECT_EQ(rans_decode_o0(bad_sum, out).code(), StatusCode::kCorruptData);
  // The same table with a state below 2^16 is out of range.
  Bytes low_state = good;
  low_state[8 + 2] = 0;
  EXPECT_EQ(rans_decode_o0(low_state, out).code(), StatusCode::kCorruptData);
  // A symbol list that runs past 255.
  Bytes past = good;
  past[3] = 0xFF;
  EXPECT_EQ(rans_decode_o0(past, out).code(), StatusCode::kCorruptData);
  // Only one symbol in rANS mode.
  Bytes lone = {static_cast<std::uint8_t>(RansMode::kRans), 0, 'a', 0xFF, 0x1F};
  EXPECT_EQ(rans_decode_o0(lone, out).code(), StatusCode::kCorruptData);
  // Unknown mode.
  EXPECT_EQ(rans_decode_o0(Bytes{9}, out).code(), StatusCode::kCorruptData);
}

TEST(RansCorrupt, RandomBitFlipsNeverCrash) {
  const Bytes in = skewed_bytes(2000, 8);
  const Bytes blob = rans_blob_for(in);
  std::mt19937 rng(1);
  Bytes out(in.size());
  int detected = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    Bytes bad = blob;
    bad[rng() % bad.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    const Status st = rans_decode_o0(bad, out);
    if (!st.ok()) {
      ++detected;
      EXPECT_TRUE(st.code() == StatusCode::kTruncated || st.code() == StatusCode::kCorruptData);
    }
  }
  // The final-state check catches nearly every flip in the stream or the states.
  EXPECT_GT(detected, 1900);
}

}  // namespace
}  // namespace kolmo
