// Binary arithmetic coder throughput (bits/s) and, since o2 is built on it, o2 compress and
// decompress throughput (bytes/s) on generated English-like text.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "codecs/o2/o2_codec.h"
#include "entropy/binary_coder.h"
#include "kolmo/codec.h"

namespace kolmo {
namespace {

struct BitStream {
  std::vector<std::uint8_t> bits;
  std::vector<std::uint16_t> probs;
};

// Skewed bits with varied probabilities, as a context model would produce them.
const BitStream& sample_bits() {
  static const BitStream s = [] {
    BitStream b;
    std::mt19937_64 rng(1);
    constexpr std::size_t kBits = 1 << 20;
    b.bits.resize(kBits);
    b.probs.resize(kBits);
    for (std::size_t i = 0; i < kBits; ++i) {
      const auto p = static_cast<std::uint16_t>(1 + rng() % 65535);
      b.probs[i] = p;
      b.bits[i] = (rng() & 0xffff) < p;
    }
    return b;
  }();
  return s;
}

void BM_BinaryEncode(benchmark::State& state) {
  const BitStream& s = sample_bits();
  Bytes out;
  out.reserve(s.bits.size() / 4);
  for (auto _ : state) {
    out.clear();
    BinaryEncoder enc(out);
    for (std::size_t i = 0; i < s.bits.size(); ++i) enc.encode(s.bits[i], s.probs[i]);
    enc.finish();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bits/s"] = benchmark::Counter(
      static_cast<double>(s.bits.size()) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BinaryEncode);

void BM_BinaryDecode(benchmark::State& state) {
  const BitStream& s = sample_bits();
  Bytes stream;
  BinaryEncoder enc(stream);
  for (std::size_t i = 0; i < s.bits.size(); ++i) enc.encode(s.bits[i], s.probs[i]);
  enc.finish();
  for (auto _ : state) {
    BinaryDecoder dec(stream);
    std::uint32_t ones = 0;
    for (std::size_t i = 0; i < s.bits.size(); ++i) ones += dec.decode(s.probs[i]);
    benchmark::DoNotOptimize(ones);
  }
  state.counters["bits/s"] = benchmark::Counter(
      static_cast<double>(s.bits.size()) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BinaryDecode);

// ~1 MB of text from a Zipf-weighted vocabulary with punctuation.
const Bytes& sample_text() {
  static const Bytes text = [] {
    const char* const words[] = {"the ", "of ", "and ", "to ", "a ", "in ", "that ", "it ",
                                 "was ", "he ", "for ", "on ", "with ", "his ", "they ", "at ",
                                 "compression ", "model ", "context ", "probability ", "said ",
                                 "there ", "which ", "people ", "little ", "water ", "after ",
                                 "called ", "could ", "first ", "words ", "know ", "time. ",
                                 "long, ", "where\n", "Then "};
    constexpr std::size_t kWords = sizeof(words) / sizeof(words[0]);
    std::vector<double> w(kWords);
    for (std::size_t i = 0; i < kWords; ++i) w[i] = 1.0 / static_cast<double>(i + 1);
    std::mt19937_64 rng(2);
    std::discrete_distribution<std::size_t> pick(w.begin(), w.end());
    Bytes t;
    while (t.size() < (1 << 20)) {
      const std::string s = words[pick(rng)];
      t.insert(t.end(), s.begin(), s.end());
    }
    return t;
  }();
  return text;
}

void BM_O2Compress(benchmark::State& state) {
  const Bytes& text = sample_text();
  auto enc = o2_codec_info().make_encoder("", static_cast<int>(state.range(0)));
  if (!enc.ok()) {
    state.SkipWithError(enc.status().to_string().c_str());
    return;
  }
  EncodedBlock block;
  for (auto _ : state) {
    if (!(*enc)->encode_block(text, block).ok()) state.SkipWithError("encode failed");
    benchmark::DoNotOptimize(block.payload.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(text.size()) * state.iterations());
  state.counters["bits/byte"] = 8.0 * static_cast<double>(block.payload.size()) / text.size();
}
BENCHMARK(BM_O2Compress)->Arg(1)->Arg(5)->Arg(9)->Unit(benchmark::kMillisecond);

void BM_O2Decompress(benchmark::State& state) {
  const Bytes& text = sample_text();
  const CodecInfo info = o2_codec_info();
  auto enc = info.make_encoder("", static_cast<int>(state.range(0)));
  EncodedBlock block;
  if (!enc.ok() || !(*enc)->encode_block(text, block).ok()) {
    state.SkipWithError("encode failed");
    return;
  }
  Bytes out(text.size());
  for (auto _ : state) {
    if (!info.decode(block.params, block.payload, out, DecodeLimits{}).ok()) {
      state.SkipWithError("decode failed");
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(text.size()) * state.iterations());
}
BENCHMARK(BM_O2Decompress)->Arg(1)->Arg(5)->Arg(9)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kolmo

BENCHMARK_MAIN();
