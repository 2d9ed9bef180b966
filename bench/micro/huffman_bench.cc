// Canonical Huffman throughput on a skewed 256-symbol source shaped like BF16 exponents
// (two-sided geometric around 122, entropy ~3 bits), 1 MiB, with the default limit of 11.
//   build-h2/bench/micro/bench_huffman --benchmark_repetitions=5
// Counters: bits_per_symbol (blob size incl. header), code_bits (average code length),
// entropy (order-0 entropy of the input).
#include <benchmark/benchmark.h>

#include <bit>
#include <cmath>
#include <cstdint>

#include "entropy/huffman.h"

namespace kolmo {
namespace {

// Deterministic: an LCG, and a two-sided geometric distance from the centre with ratio 1/2,
// so that each step away halves the probability (the shape of trained-weight exponents).
Bytes exponent_like_bytes(std::size_t n) {
  Bytes out(n);
  std::uint64_t rng = 12345;
  for (auto& b : out) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    const std::uint32_t r = static_cast<std::uint32_t>(rng >> 32);
    const int distance = std::countl_zero(r | 1u);  // P(d) = 2^-(d+1)
    const int side = static_cast<int>((rng >> 20) & 1);
    b = static_cast<std::uint8_t>(122 + (side ? distance : -distance - 1));
  }
  return out;
}

const Bytes& input() {
  static const Bytes data = exponent_like_bytes(1 << 20);
  return data;
}

void add_size_counters(benchmark::State& state, const Bytes& in, std::size_t blob_size) {
  std::vector<std::uint64_t> counts(256, 0);
  for (auto b : in) ++counts[b];
  double entropy = 0;
  for (auto c : counts) {
    if (c) entropy -= c / double(in.size()) * std::log2(c / double(in.size()));
  }
  auto code = build_huffman_code(counts, kDefaultHuffmanLength);
  double bits = 0;
  for (int s = 0; s < 256; ++s) bits += double(counts[s]) * code->lengths[s];
  state.counters["bits_per_symbol"] = 8.0 * double(blob_size) / double(in.size());
  state.counters["code_bits"] = bits / double(in.size());
  state.counters["entropy"] = entropy;
}

void BM_HuffmanEncode(benchmark::State& state) {
  const Bytes& in = input();
  std::size_t size = 0;
  for (auto _ : state) {
    Bytes blob = huffman_encode_bytes(in);
    size = blob.size();
    benchmark::DoNotOptimize(blob.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
  add_size_counters(state, in, size);
}

void BM_HuffmanDecode(benchmark::State& state) {
  const Bytes& in = input();
  const Bytes blob = huffman_encode_bytes(in);
  Bytes out(in.size());
  for (auto _ : state) {
    const Status st = huffman_decode_bytes(blob, out);
    if (!st.ok()) state.SkipWithError(st.to_string().c_str());
    benchmark::DoNotOptimize(out.data());
  }
  if (out != in) state.SkipWithError("round trip mismatch");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}

// One stream through the low-level decoder (what a tensor codec calling decode() gets).
void BM_HuffmanDecodeOneStream(benchmark::State& state) {
  const Bytes& in = input();
  std::vector<std::uint64_t> counts(256, 0);
  for (auto b : in) ++counts[b];
  auto code = build_huffman_code(counts, kDefaultHuffmanLength);
  Bytes stream;
  (void)HuffmanEncoder(*code).encode(in, stream);
  auto decoder = HuffmanDecoder::create(code->lengths);
  Bytes out(in.size());
  for (auto _ : state) {
    const Status st = decoder->decode(stream, out);
    if (!st.ok()) state.SkipWithError(st.to_string().c_str());
    benchmark::DoNotOptimize(out.data());
  }
  if (out != in) state.SkipWithError("round trip mismatch");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}

BENCHMARK(BM_HuffmanEncode);
BENCHMARK(BM_HuffmanDecode);
BENCHMARK(BM_HuffmanDecodeOneStream);

}  // namespace
}  // namespace kolmo

BENCHMARK_MAIN();
