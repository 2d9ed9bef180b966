// rANS multi-symbol coder throughput (symbols/s) on a Zipf(1.1) distribution over 50,000
// symbols, quantized to the default 2^24 total; decoding finds symbols by binary search.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "entropy/multisymbol_coder.h"

namespace kolmo {
namespace {

struct Fixture {
  std::vector<std::uint32_t> symbols;
  CumulativeTable table{std::vector<std::uint32_t>{1}};
  Bytes stream;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    constexpr std::size_t kAlphabet = 50000;
    std::vector<double> p(kAlphabet);
    for (std::size_t i = 0; i < kAlphabet; ++i) p[i] = 1.0 / std::pow(double(i + 1), 1.1);
    std::vector<std::uint64_t> weights(kAlphabet);
    double sum = 0;
    for (double x : p) sum += x;
    for (std::size_t i = 0; i < kAlphabet; ++i) {
      weights[i] = static_cast<std::uint64_t>(p[i] / sum * 1e15) + 1;
    }
    Fixture fx;
    fx.table = CumulativeTable(*quantize_frequencies(weights, kDefaultScaleBits, true));
    std::mt19937_64 rng(1);
    std::discrete_distribution<std::uint32_t> dist(p.begin(), p.end());
    fx.symbols.resize(1 << 20);
    for (auto& s : fx.symbols) s = dist(rng);
    RansEncoder enc;
    for (std::uint32_t s : fx.symbols) enc.put(fx.table.slice(s));
    fx.stream = *enc.finish();
    return fx;
  }();
  return f;
}

void BM_RansEncode(benchmark::State& state) {
  const Fixture& f = fixture();
  for (auto _ : state) {
    RansEncoder enc;
    for (std::uint32_t s : f.symbols) enc.put(f.table.slice(s));
    auto out = enc.finish();
    benchmark::DoNotOptimize(out);
  }
  state.counters["symbols/s"] = benchmark::Counter(
      static_cast<double>(f.symbols.size()) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RansEncode)->Unit(benchmark::kMillisecond);

void BM_RansDecode(benchmark::State& state) {
  const Fixture& f = fixture();
  for (auto _ : state) {
    RansDecoder dec(f.stream);
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < f.symbols.size(); ++i) {
      sum += dec.decode([&](std::uint32_t slot, SymbolSlice& s) { return f.table.find(slot, s); });
    }
    benchmark::DoNotOptimize(sum);
    if (!dec.finish().ok()) state.SkipWithError("decode failed");
  }
  state.counters["symbols/s"] = benchmark::Counter(
      static_cast<double>(f.symbols.size()) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RansDecode)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kolmo

BENCHMARK_MAIN();
