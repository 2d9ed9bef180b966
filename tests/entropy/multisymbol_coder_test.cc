#include "entropy/multisymbol_coder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace kolmo {
namespace {

// Zipf(s) over n symbols as probabilities (symbol 0 most likely).
std::vector<double> zipf(std::size_t n, double s) {
  std::vector<double> p(n);
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += p[i] = 1.0 / std::pow(static_cast<double>(i + 1), s);
  for (double& x : p) x /= sum;
  return p;
}

std::vector<std::uint32_t> sample(const std::vector<double>& p, std::size_t count,
                                  std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::discrete_distribution<std::uint32_t> dist(p.begin(), p.end());
  std::vector<std::uint32_t> out(count);
  for (auto& s : out) s = dist(rng);
  return out;
}

Bytes encode_static(const std::vector<std::uint32_t>& symbols, const CumulativeTable& table,
                    std::uint32_t scale_bits = kDefaultScaleBits) {
  RansEncoder enc(scale_bits);
  for (std::uint32_t s : symbols) enc.put(table.slice(s));
  auto out = enc.finish();
  EXPECT_TRUE(out.ok()) << out.status().to_string();
  return out.ok() ? *out : Bytes{};
}

std::vector<std::uint32_t> decode_static(const Bytes& stream, const CumulativeTable& table,
                                         std::size_t count, Status* status,
                                         std::uint32_t scale_bits = kDefaultScaleBits) {
  RansDecoder dec(stream, scale_bits);
  std::vector<std::uint32_t> out(count);
  for (auto& s : out) {
    s = dec.decode([&](std::uint32_t slot, SymbolSlice& sl) { return table.find(slot, sl); });
  }
  *status = dec.finish();
  return out;
}

std::vector<std::uint32_t> quantize_or_die(const std::vector<std::uint64_t>& counts,
                                           std::uint32_t scale_bits, bool keep_all) {
  auto q = quantize_frequencies(counts, scale_bits, keep_all);
  EXPECT_TRUE(q.ok()) << q.status().to_string();
  return q.ok() ? *q : std::vector<std::uint32_t>{};
}

TEST(MultisymbolCoder, QuantizationLossOnZipfIsBelowOneHundredthBitPerSymbol) {
  constexpr std::size_t kAlphabet = 50000;
  constexpr std::size_t kSymbols = 200000;
  const std::vector<double> p = zipf(kAlphabet, 1.1);
  const std::vector<std::uint32_t> symbols = sample(p, kSymbols, 2024);
  // Quantize the true distribution (as 2^40-scaled integer weights) to the coder's total.
  std::vector<std::uint64_t> weights(kAlphabet);
  for (std::size_t i = 0; i < kAlphabet; ++i) {
    weights[i] = static_cast<std::uint64_t>(std::llround(p[i] * 1099511627776.0));
  }
  const std::vector<std::uint32_t> freq = quantize_or_die(weights, kDefaultScaleBits, true);
  const CumulativeTable table(freq);
  ASSERT_EQ(table.total(), std::uint64_t{1} << kDefaultScaleBits);
  const Bytes stream = encode_static(symbols, table);
  double ideal = 0;
  for (std::uint32_t s : symbols) ideal -= std::log2(p[s]);
  const double loss = (8.0 * static_cast<double>(stream.size()) - ideal) / kSymbols;
  std::cout << "multisymbol coder: Zipf(1.1) over " << kAlphabet << " symbols, " << kSymbols
            << " samples: " << stream.size() << " bytes, ideal " << ideal / 8 << " bytes, loss "
            << loss << " bits/symbol\n";
  RecordProperty("loss_millibits_per_symbol", static_cast<int>(std::lround(loss * 1000)));
  EXPECT_LE(loss, 0.01);
  EXPECT_GT(loss, -0.05);  // sampling noise only: the coder cannot beat the entropy by much
  Status st;
  EXPECT_EQ(decode_static(stream, table, symbols.size(), &st), symbols);
  EXPECT_TRUE(st.ok()) << st.to_string();
}

TEST(MultisymbolCoder, RoundTripsAlphabetOf65536) {
  const std::vector<double> p = zipf(65536, 0.9);
  const std::vector<std::uint32_t> symbols = sample(p, 50000, 1);
  std::vector<std::uint64_t> counts(65536, 0);
  for (std::uint32_t s : symbols) ++counts[s];
  const CumulativeTable table(quantize_or_die(counts, kDefaultScaleBits, false));
  const Bytes stream = encode_static(symbols, table);
  Status st;
  EXPECT_EQ(decode_static(stream, table, symbols.size(), &st), symbols);
  EXPECT_TRUE(st.ok()) << st.to_string();
}

TEST(MultisymbolCoder, RoundTripsAlphabetOfOneMillionAtFinestScale) {
  constexpr std::size_t kAlphabet = 1000000;
  std::mt19937_64 rng(5);
  std::vector<std::uint64_t> counts(kAlphabet);
  for (auto& c : counts) c = rng() % 100;  // some symbols never occur
  counts[kAlphabet - 1] = 1;               // the very last symbol must be codable too
  const CumulativeTable table(quantize_or_die(counts, kMaxScaleBits, true));
  std::vector<std::uint32_t> symbols(40000);
  for (auto& s : symbols) s = static_cast<std::uint32_t>(rng() % kAlphabet);
  symbols.push_back(kAlphabet - 1);
  symbols.push_back(0);
  const Bytes stream = encode_static(symbols, table, kMaxScaleBits);
  Status st;
  EXPECT_EQ(decode_static(stream, table, symbols.size(), &st, kMaxScaleBits), symbols);
  EXPECT_TRUE(st.ok()) << st.to_string();
}

// An adaptive model: counts grow as symbols are seen and the table is re-quantized every 1024
// symbols. The encoder records slices going forwards; the decoder rebuilds the same tables.
class AdaptiveModel {
 public:
  explicit AdaptiveModel(std::size_t n) : counts_(n, 1) { rebuild(); }
  const CumulativeTable& table() const { return table_; }
  void learn(std::uint32_t s) {
    counts_[s] += 32;
    if (++seen_ % 1024 == 0) rebuild();
  }

 private:
  void rebuild() {
    auto q = quantize_frequencies(counts_, kDefaultScaleBits, true);
    table_ = CumulativeTable(*q);
  }
  std::vector<std::uint64_t> counts_;
  CumulativeTable table_{std::vector<std::uint32_t>{1}};
  std::size_t seen_ = 0;
};

TEST(MultisymbolCoder, RoundTripsWithAdaptiveFrequencies) {
  constexpr std::size_t kAlphabet = 70000;
  const std::vector<std::uint32_t> symbols = sample(zipf(kAlphabet, 1.2), 30000, 3);
  RansEncoder enc;
  AdaptiveModel em(kAlphabet);
  for (std::uint32_t s : symbols) {
    enc.put(em.table().slice(s));
    em.learn(s);
  }
  auto stream = enc.finish();
  ASSERT_TRUE(stream.ok());
  // Adaptation must pay off against a uniform code over the alphabet (16.1 bits per symbol).
  EXPECT_LT(stream->size() * 8, symbols.size() * 12);
  RansDecoder dec(*stream);
  AdaptiveModel dm(kAlphabet);
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const std::uint32_t s =
        dec.decode([&](std::uint32_t slot, SymbolSlice& sl) { return dm.table().find(slot, sl); });
    ASSERT_EQ(s, symbols[i]) << i;
    dm.learn(s);
  }
  EXPECT_TRUE(dec.finish().ok());
}

TEST(MultisymbolCoder, OneSymbolWithAllTheMassCostsNothing) {
  std::vector<std::uint64_t> counts(100000, 0);
  counts[777] = 5;
  const std::vector<std::uint32_t> freq = quantize_or_die(counts, kDefaultScaleBits, false);
  EXPECT_EQ(freq[777], 1u << kDefaultScaleBits);
  const CumulativeTable table(freq);
  const std::vector<std::uint32_t> symbols(100000, 777);
  const Bytes stream = encode_static(symbols, table);
  EXPECT_EQ(stream.size(), 8u);  // just the final state
  Status st;
  EXPECT_EQ(decode_static(stream, table, symbols.size(), &st), symbols);
  EXPECT_TRUE(st.ok());
}

TEST(MultisymbolCoder, EmptyStreamRoundTrips) {
  RansEncoder enc;
  auto stream = enc.finish();
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(stream->size(), 8u);
  RansDecoder dec(*stream);
  EXPECT_TRUE(dec.finish().ok());
  RansDecoder nothing(ByteSpan{});
  EXPECT_EQ(nothing.finish().code(), StatusCode::kCorruptData);
}

TEST(MultisymbolCoder, QuantizeKeepsEveryPossibleSymbolAndSumsExactly) {
  // Heavily skewed counts over more symbols than a small total comfortably holds.
  std::vector<std::uint64_t> counts(4000, 0);
  counts[0] = 1000000000;
  for (std::size_t i = 1; i < counts.size(); i += 2) counts[i] = 1;
  const auto freq = quantize_or_die(counts, 12, true);
  ASSERT_EQ(freq.size(), counts.size());
  EXPECT_EQ(std::accumulate(freq.begin(), freq.end(), std::uint64_t{0}), 4096u);
  for (std::uint32_t f : freq) EXPECT_GE(f, 1u);
  EXPECT_GT(freq[0], 90u);
  const auto sparse = quantize_or_die(counts, 12, false);
  EXPECT_EQ(sparse[2], 0u);
  EXPECT_GE(sparse[1], 1u);
  EXPECT_EQ(std::accumulate(sparse.begin(), sparse.end(), std::uint64_t{0}), 4096u);
}

TEST(MultisymbolCoder, QuantizeRefusesImpossibleRequests) {
  std::vector<std::uint64_t> counts(5000, 1);
  EXPECT_EQ(quantize_frequencies(counts, 12).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(quantize_frequencies(std::vector<std::uint64_t>(10, 0), 12).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(quantize_frequencies(counts, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(quantize_frequencies(counts, kMaxScaleBits + 1).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(MultisymbolCoder, EncoderRejectsInvalidSlices) {
  RansEncoder enc(16);
  enc.put(0, 0);
  EXPECT_EQ(enc.finish().status().code(), StatusCode::kInvalidArgument);
  enc.put(65535, 2);
  EXPECT_EQ(enc.finish().status().code(), StatusCode::kInvalidArgument);
  enc.put(65535, 1);
  EXPECT_TRUE(enc.finish().ok());
  RansEncoder bad_scale(40);
  EXPECT_EQ(bad_scale.finish().status().code(), StatusCode::kInvalidArgument);
}

TEST(MultisymbolCoder, CorruptOrTruncatedStreamsFailCleanly) {
  const std::vector<double> p = zipf(1000, 1.0);
  const std::vector<std::uint32_t> symbols = sample(p, 20000, 4);
  std::vector<std::uint64_t> counts(1000, 0);
  for (std::uint32_t s : symbols) ++counts[s];
  const CumulativeTable table(quantize_or_die(counts, kDefaultScaleBits, true));
  const Bytes stream = encode_static(symbols, table);
  std::mt19937_64 rng(6);
  int detected = 0;
  for (int trial = 0; trial < 40; ++trial) {
    Bytes bad = stream;
    if (trial % 2 == 0) {
      bad[rng() % bad.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    } else {
      bad.resize(rng() % bad.size());
    }
    Status st;
    const auto out = decode_static(bad, table, symbols.size(), &st);
    for (std::uint32_t s : out) ASSERT_LT(s, 1000u);  // bounded garbage at worst
    detected += !st.ok() || out != symbols;
  }
  EXPECT_EQ(detected, 40);
}

}  // namespace
}  // namespace kolmo
