#include "entropy/huffman.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <queue>
#include <random>

namespace kolmo {
namespace {

Bytes geometric_bytes(std::size_t n, std::uint32_t seed, double p = 0.3) {
  std::mt19937 rng(seed);
  std::geometric_distribution<int> geo(p);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(std::min(geo(rng), 255));
  return out;
}

Bytes uniform_bytes(std::size_t n, std::uint32_t seed, int alphabet) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng() % alphabet);
  return out;
}

std::vector<std::uint64_t> fibonacci_counts(std::size_t n) {
  std::vector<std::uint64_t> c(n);
  std::uint64_t a = 1, b = 1;
  for (std::size_t i = 0; i < n; ++i) {
    c[i] = a;
    const std::uint64_t next = a + b;
    a = b;
    b = next > b ? next : b;  // saturate instead of wrapping for very long alphabets
  }
  return c;
}

// Kraft sum in units of 2^-32.
std::uint64_t kraft_sum(const std::vector<std::uint8_t>& lengths) {
  std::uint64_t k = 0;
  for (auto l : lengths) {
    if (l != 0) k += std::uint64_t{1} << (32 - l);
  }
  return k;
}

std::uint64_t coded_cost(std::span<const std::uint64_t> counts, const HuffmanCode& code) {
  std::uint64_t bits = 0;
  for (std::size_t s = 0; s < counts.size(); ++s) bits += counts[s] * code.lengths[s];
  return bits;
}

// Reference optimal cost without a limit: the sum of all merged weights of Huffman's algorithm.
std::uint64_t reference_huffman_cost(std::span<const std::uint64_t> counts) {
  std::priority_queue<std::uint64_t, std::vector<std::uint64_t>, std::greater<>> q;
  for (auto c : counts) {
    if (c) q.push(c);
  }
  if (q.size() == 1) return q.top();
  std::uint64_t cost = 0;
  while (q.size() > 1) {
    const std::uint64_t a = q.top();
    q.pop();
    const std::uint64_t b = q.top();
    q.pop();
    cost += a + b;
    q.push(a + b);
  }
  return cost;
}

// Reference optimal length-limited cost by package-merge (small alphabets only): each item
// carries how often it uses each symbol; the 2n-2 cheapest items of the final list give lengths.
std::uint64_t reference_limited_cost(std::span<const std::uint64_t> counts, int limit) {
  struct Item {
    std::uint64_t weight;
    std::vector<int> uses;
  };
  std::vector<Item> leaves;
  for (std::size_t s = 0; s < counts.size(); ++s) {
    if (!counts[s]) continue;
    Item it{counts[s], std::vector<int>(counts.size(), 0)};
    it.uses[s] = 1;
    leaves.push_back(it);
  }
  auto by_weight = [](const Item& a, const Item& b) { return a.weight < b.weight; };
  std::stable_sort(leaves.begin(), leaves.end(), by_weight);
  std::vector<Item> list = leaves;
  for (int level = 1; level < limit; ++level) {
    std::vector<Item> packages;
    for (std::size_t i = 0; i + 1 < list.size(); i += 2) {
      Item p{list[i].weight + list[i + 1].weight, list[i].uses};
      for (std::size_t s = 0; s < p.uses.size(); ++s) p.uses[s] += list[i + 1].uses[s];
      packages.push_back(p);
    }
    list = leaves;
    list.insert(list.end(), packages.begin(), packages.end());
    std::stable_sort(list.begin(), list.end(), by_weight);
  }
  std::uint64_t cost = 0;
  for (std::size_t i = 0; i < 2 * leaves.size() - 2; ++i) cost += list[i].weight;
  return cost;
}

void expect_prefix_free(const HuffmanCode& code) {
  for (std::size_t a = 0; a < code.lengths.size(); ++a) {
    for (std::size_t b = 0; b < code.lengths.size(); ++b) {
      const int la = code.lengths[a], lb = code.lengths[b];
      if (a == b || la == 0 || lb == 0 || la > lb) continue;
      // a's code must not be the first la bits of b's code.
      ASSERT_NE(code.codes[a], code.codes[b] >> (lb - la)) << a << " is a prefix of " << b;
    }
  }
}

void expect_blob_round_trip(const Bytes& in, int max_length = kDefaultHuffmanLength) {
  const Bytes blob = huffman_encode_bytes(in, max_length);
  ASSERT_LE(blob.size(), in.size() + 1);
  Bytes out(in.size(), 0x55);
  const Status st = huffman_decode_bytes(blob, out);
  ASSERT_TRUE(st.ok()) << st.to_string() << " size " << in.size();
  ASSERT_EQ(out, in) << "size " << in.size();
}

// ---- construction ----

TEST(HuffmanBuild, NoSymbolAndOneSymbol) {
  std::vector<std::uint64_t> counts(10, 0);
  auto none = build_huffman_code(counts, 11);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->max_length, 0);
  counts[7] = 99;
  auto one = build_huffman_code(counts, 11);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->lengths[7], 1);
  EXPECT_EQ(one->max_length, 1);
}

TEST(HuffmanBuild, RejectsBadArguments) {
  std::vector<std::uint64_t> counts(5, 1);
  EXPECT_EQ(build_huffman_code(counts, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(build_huffman_code(counts, 33).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(build_huffman_code(counts, 2).status().code(), StatusCode::kInvalidArgument);  // 5 > 4
  EXPECT_TRUE(build_huffman_code(counts, 3).ok());
}

TEST(HuffmanBuild, UnlimitedCodesAreOptimal) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 100; ++trial) {
    std::vector<std::uint64_t> counts(2 + rng() % 300);
    for (auto& c : counts) c = rng() % 4 == 0 ? 0 : 1 + rng() % (1u << (rng() % 20));
    counts[0] = counts[0] ? counts[0] : 1;
    counts[1] = counts[1] ? counts[1] : 1;
    auto code = build_huffman_code(counts, 32);
    ASSERT_TRUE(code.ok());
    EXPECT_EQ(coded_cost(counts, *code), reference_huffman_cost(counts)) << "trial " << trial;
    EXPECT_EQ(kraft_sum(code->lengths), std::uint64_t{1} << 32);
  }
}

TEST(HuffmanBuild, LimitHoldsForEveryLimitOnFibonacciCounts) {
  for (int limit = kMinHuffmanLimit; limit <= kMaxHuffmanLength; ++limit) {
    for (std::size_t n : {std::size_t{3}, std::size_t{4}, std::size_t{20}, std::size_t{60},
                          std::size_t{256}, std::size_t{3000}}) {
      if (n > (std::uint64_t{1} << limit)) continue;
      const auto counts = fibonacci_counts(n);
      auto code = build_huffman_code(counts, limit);
      ASSERT_TRUE(code.ok()) << code.status().to_string();
      EXPECT_LE(code->max_length, limit) << "limit " << limit << " n " << n;
      EXPECT_EQ(kraft_sum(code->lengths), std::uint64_t{1} << 32) << "limit " << limit;
      EXPECT_TRUE(check_code_lengths(code->lengths, limit).ok());
      if (n <= 256) expect_prefix_free(*code);
    }
  }
}

TEST(HuffmanBuild, LimitedCodesAreOptimal) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 60; ++trial) {
    const std::size_t n = 6 + rng() % 20;
    std::vector<std::uint64_t> counts(n);
    // Skewed counts: exponentials with random rates make the unlimited code deep.
    for (auto& c : counts) c = 1 + (std::uint64_t{1} << (rng() % 24)) + rng() % 7;
    const int min_limit = std::bit_width(n - 1);
    const int limit = min_limit + static_cast<int>(rng() % 4);
    auto code = build_huffman_code(counts, limit);
    ASSERT_TRUE(code.ok());
    ASSERT_LE(code->max_length, limit);
    EXPECT_EQ(coded_cost(counts, *code), reference_limited_cost(counts, limit))
        << "trial " << trial << " limit " << limit;
    EXPECT_EQ(kraft_sum(code->lengths), std::uint64_t{1} << 32);
  }
}

TEST(HuffmanBuild, AverageLengthNearEntropyOnSkewedSource) {
  const Bytes data = geometric_bytes(1 << 20, 5, 0.25);
  std::vector<std::uint64_t> counts(256, 0);
  for (auto b : data) ++counts[b];
  double entropy = 0;
  for (auto c : counts) {
    if (c) entropy -= c / double(data.size()) * std::log2(c / double(data.size()));
  }
  auto code = build_huffman_code(counts, kDefaultHuffmanLength);
  ASSERT_TRUE(code.ok());
  const double average = double(coded_cost(counts, *code)) / data.size();
  auto unlimited = build_huffman_code(counts, 32);
  const double unlimited_average = double(coded_cost(counts, *unlimited)) / data.size();

  EXPECT_GT(entropy, 2.5);
  EXPECT_LT(entropy, 4.0);
  EXPECT_GE(average, entropy);
  // Measured: entropy 3.245, unlimited Huffman 3.286, limit 11 3.299 bits/symbol. Huffman's own
  // redundancy here is ~0.04 bit; the limit may add little on top of it.
  EXPECT_LT(average, entropy + 0.06) << "entropy " << entropy;
  EXPECT_LT(average, unlimited_average + 0.02) << "unlimited " << unlimited_average;
}

TEST(HuffmanBuild, HugeCountsDoNotOverflow) {
  std::vector<std::uint64_t> counts = {~std::uint64_t{0}, ~std::uint64_t{0}, 1, 1, 5};
  auto code = build_huffman_code(counts, 4);
  ASSERT_TRUE(code.ok());
  EXPECT_LE(code->lengths[0], 2);
  EXPECT_LE(code->lengths[1], 2);
  EXPECT_EQ(kraft_sum(code->lengths), std::uint64_t{1} << 32);
}

TEST(HuffmanBuild, CanonicalCodesFollowLengthThenSymbol) {
  const std::vector<std::uint8_t> lengths = {3, 3, 3, 3, 3, 2, 4, 4};
  auto code = canonical_huffman_code(lengths);
  ASSERT_TRUE(code.ok());
  // Worked example: length 2 first (symbol 5 = 00), then 3s = 010..110, then 4s = 1110, 1111.
  const std::vector<std::uint32_t> expected = {2, 3, 4, 5, 6, 0, 14, 15};
  EXPECT_EQ(code->codes, expected);
}

// ---- code length tables ----

TEST(HuffmanLengths, SerializationRoundTrips) {
  std::mt19937 rng(2);
  for (std::size_t alphabet : {1, 2, 256, 1000, 65536}) {
    std::vector<std::uint8_t> lengths(alphabet);
    for (auto& l : lengths) l = rng() % 3 ? 0 : static_cast<std::uint8_t>(rng() % 33);
    Bytes out;
    write_code_lengths(lengths, out);
    ByteReader r(out);
    std::vector<std::uint8_t> back;
    ASSERT_TRUE(read_code_lengths(r, alphabet, back).ok());
    EXPECT_TRUE(r.at_end());
    EXPECT_EQ(back, lengths);
  }
}

TEST(HuffmanLengths, MalformedTablesAreRejected) {
  std::vector<std::uint8_t> lengths;
  {
    const Bytes bad = {33};  // length over 32
    ByteReader r(bad);
    EXPECT_EQ(read_code_lengths(r, 1, lengths).code(), StatusCode::kCorruptData);
  }
  {
    const Bytes bad = {0x40 | 5, 10};  // run of 12 in an alphabet of 4
    ByteReader r(bad);
    EXPECT_EQ(read_code_lengths(r, 4, lengths).code(), StatusCode::kCorruptData);
  }
  {
    const Bytes bad = {1, 1};  // 2 of 3 lengths
    ByteReader r(bad);
    EXPECT_EQ(read_code_lengths(r, 3, lengths).code(), StatusCode::kTruncated);
  }
  const std::vector<std::uint8_t> oversubscribed = {1, 1, 2};
  EXPECT_EQ(check_code_lengths(oversubscribed, 32).code(), StatusCode::kCorruptData);
  const std::vector<std::uint8_t> incomplete = {1, 2, 0};
  EXPECT_EQ(check_code_lengths(incomplete, 32).code(), StatusCode::kCorruptData);
  const std::vector<std::uint8_t> over_limit = {1, 2, 3, 3};
  EXPECT_EQ(check_code_lengths(over_limit, 2).code(), StatusCode::kCorruptData);
  EXPECT_TRUE(check_code_lengths(over_limit, 3).ok());
  EXPECT_FALSE(HuffmanDecoder::create(oversubscribed).ok());
  EXPECT_FALSE(HuffmanDecoder::create(incomplete).ok());
  const std::vector<std::uint8_t> lone = {0, 1};
  EXPECT_TRUE(check_code_lengths(lone, 32).ok());
}

// ---- streams ----

template <typename Symbol>
void expect_stream_round_trip(const std::vector<Symbol>& symbols, std::size_t alphabet, int limit) {
  std::vector<std::uint64_t> counts(alphabet, 0);
  for (auto s : symbols) ++counts[s];
  auto code = build_huffman_code(counts, limit);
  ASSERT_TRUE(code.ok());
  Bytes stream;
  ASSERT_TRUE(HuffmanEncoder(*code).encode(symbols, stream).ok());
  auto decoder = HuffmanDecoder::create(code->lengths, limit);
  ASSERT_TRUE(decoder.ok());
  std::vector<Symbol> out(symbols.size());
  const Status st = decoder->decode(stream, std::span<Symbol>(out));
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(out, symbols);
}

TEST(HuffmanStream, LargeAlphabetWithLongCodesUsesSlowPath) {
  // Fibonacci-like frequencies over 40 symbols and limit 32: codes far longer than the table.
  std::vector<std::uint16_t> symbols;
  const auto counts = fibonacci_counts(30);
  for (std::size_t s = 0; s < counts.size(); ++s) {
    for (std::uint64_t k = 0; k < std::min<std::uint64_t>(counts[s], 3000); ++k) {
      symbols.push_back(static_cast<std::uint16_t>(s * 1000));
    }
  }
  std::shuffle(symbols.begin(), symbols.end(), std::mt19937(4));
  // Every limit: also covers each symbols-per-flush/refill grouping of the encoder and decoder.
  for (int limit = 5; limit <= 32; ++limit) expect_stream_round_trip(symbols, 30000, limit);
}

TEST(HuffmanStream, FullSixteenBitAlphabet) {
  std::mt19937 rng(9);
  std::vector<std::uint16_t> symbols(200000);
  for (auto& s : symbols) s = static_cast<std::uint16_t>(rng() % 65536 & (rng() % 65536));
  expect_stream_round_trip(symbols, 65536, 32);
  expect_stream_round_trip(symbols, 65536, 20);
}

TEST(HuffmanStream, ByteSymbolsEveryLimit) {
  const Bytes data = geometric_bytes(5000, 1, 0.2);
  const std::vector<std::uint8_t> symbols(data.begin(), data.end());
  for (int limit = 8; limit <= 32; ++limit) expect_stream_round_trip(symbols, 256, limit);
}

TEST(HuffmanStream, SymbolWithoutCodeIsRejectedByEncoder) {
  std::vector<std::uint64_t> counts = {5, 0, 5};
  auto code = build_huffman_code(counts, 8);
  Bytes out;
  const std::vector<std::uint8_t> symbols = {0, 1};
  EXPECT_EQ(HuffmanEncoder(*code).encode(symbols, out).code(), StatusCode::kInvalidArgument);
  const std::vector<std::uint16_t> too_big = {0, 300};
  EXPECT_EQ(HuffmanEncoder(*code).encode(too_big, out).code(), StatusCode::kInvalidArgument);
}

TEST(HuffmanStream, SingleSymbolCodeRejectsTheUnusedBit) {
  auto decoder = HuffmanDecoder::create(std::vector<std::uint8_t>{0, 0, 1});
  ASSERT_TRUE(decoder.ok());
  std::vector<std::uint8_t> out(8);
  EXPECT_TRUE(decoder->decode(Bytes{0x00}, out).ok());
  EXPECT_EQ(out, std::vector<std::uint8_t>(8, 2));
  EXPECT_EQ(decoder->decode(Bytes{0x10}, out).code(), StatusCode::kCorruptData);
}

TEST(HuffmanStream, EmptyCodeRefusesToDecodeSymbolsInsteadOfLooping) {
  // Found by fuzz_df11_gpu_plan: an all-zero length table with bytes requested used to spin in
  // the multi-symbol loop (its one table slot decodes nothing and consumes no bits).
  auto decoder = HuffmanDecoder::create(std::vector<std::uint8_t>(256, 0));
  ASSERT_TRUE(decoder.ok());
  std::vector<std::uint8_t> out(4096);
  EXPECT_EQ(decoder->decode(Bytes(64, 0), out).code(), StatusCode::kCorruptData);
  std::vector<std::uint8_t> none;
  EXPECT_TRUE(decoder->decode(ByteSpan{}, none).ok());
}

TEST(HuffmanStream, TruncatedAndPaddedStreamsFail) {
  const Bytes data = geometric_bytes(3000, 6);
  std::vector<std::uint64_t> counts(256, 0);
  for (auto b : data) ++counts[b];
  auto code = build_huffman_code(counts, 11);
  Bytes stream;
  ASSERT_TRUE(HuffmanEncoder(*code).encode(data, stream).ok());
  auto decoder = HuffmanDecoder::create(code->lengths);
  Bytes out(data.size());
  for (std::size_t cut = 0; cut < stream.size(); cut += 7) {
    EXPECT_EQ(decoder->decode(ByteSpan(stream.data(), cut), out).code(), StatusCode::kTruncated)
        << cut;
  }
  Bytes longer = stream;
  longer.push_back(0);
  EXPECT_EQ(decoder->decode(longer, out).code(), StatusCode::kCorruptData);
}

// ---- blobs ----

TEST(HuffmanBlob, EmptyAndTinyInputs) {
  expect_blob_round_trip({});
  for (std::size_t n = 1; n <= 70; ++n) {
    for (std::uint32_t seed = 0; seed < 5; ++seed) {
      expect_blob_round_trip(uniform_bytes(n, seed * 100 + static_cast<std::uint32_t>(n), 3));
      expect_blob_round_trip(geometric_bytes(n, seed));
    }
  }
}

TEST(HuffmanBlob, ManySeedsSizesAndLimits) {
  std::mt19937 rng(17);
  for (int trial = 0; trial < 150; ++trial) {
    const std::size_t n = rng() % 20000;
    const int limit = 8 + static_cast<int>(rng() % 25);
    expect_blob_round_trip(trial % 2 ? geometric_bytes(n, trial, 0.05 + (rng() % 50) / 100.0)
                                     : uniform_bytes(n, trial, 1 + rng() % 256),
                           limit);
  }
}

TEST(HuffmanBlob, SingleSymbolAllSymbolsAndRaw) {
  const Bytes same(100000, 'q');
  EXPECT_EQ(huffman_encode_bytes(same).size(), 2u);
  expect_blob_round_trip(same);
  Bytes all(256 * 50 + 1);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint8_t>(i * 13);
  expect_blob_round_trip(all);
  const Bytes noise = uniform_bytes(5000, 3, 256);
  EXPECT_EQ(huffman_encode_bytes(noise)[0], static_cast<std::uint8_t>(HuffmanMode::kRaw));
  expect_blob_round_trip(noise);
}

TEST(HuffmanBlob, OneMebibyteSkewedCompresses) {
  const Bytes in = geometric_bytes(1 << 20, 12);
  const Bytes blob = huffman_encode_bytes(in);
  EXPECT_LT(blob.size(), in.size() * 3 / 8 + 1000);  // entropy ~2.94 bits, not 8
  expect_blob_round_trip(in);
}

TEST(HuffmanBlob, EveryTruncationAndBitFlipFailsCleanly) {
  const Bytes in = geometric_bytes(3000, 13);
  const Bytes blob = huffman_encode_bytes(in);
  ASSERT_EQ(blob[0], static_cast<std::uint8_t>(HuffmanMode::kHuffman));
  Bytes out(in.size());
  for (std::size_t cut = 0; cut < blob.size(); ++cut) {
    const Status st = huffman_decode_bytes(ByteSpan(blob.data(), cut), out);
    EXPECT_TRUE(st.code() == StatusCode::kTruncated || st.code() == StatusCode::kCorruptData)
        << "cut " << cut << ": " << st.to_string();
  }
  std::mt19937 rng(5);
  for (int trial = 0; trial < 2000; ++trial) {
    Bytes bad = blob;
    bad[rng() % bad.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    const Status st = huffman_decode_bytes(bad, out);
    if (!st.ok()) {
      EXPECT_TRUE(st.code() == StatusCode::kTruncated || st.code() == StatusCode::kCorruptData);
    }
  }
}

}  // namespace
}  // namespace kolmo
