// Static order-0 rANS throughput: encode and decode MB/s on English-like generated text (always)
// and on Calgary book1 when ../shared/data (or $KOLMO_DATA) has it.
//   build-h2/bench/micro/bench_rans_static --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "entropy/rans_static.h"

namespace kolmo {
namespace {

// Deterministic English-like text: words drawn with Zipf-like weights from a fixed list,
// separated by spaces with occasional punctuation and newlines (order-0 entropy ~4.2 bits).
Bytes english_like_text(std::size_t n) {
  static const char* const kWords[] = {
      "the", "of", "and", "to", "a", "in", "that", "is", "was", "he", "for", "it", "with", "as",
      "his", "on", "be", "at", "by", "had", "not", "are", "but", "from", "or", "have", "an",
      "they", "which", "one", "you", "were", "her", "all", "she", "there", "would", "their",
      "we", "him", "been", "has", "when", "who", "will", "more", "no", "if", "out", "so", "said",
      "what", "up", "its", "about", "into", "than", "them", "can", "only", "other", "new",
      "some", "could", "time", "these", "two", "may", "then", "do", "first", "any", "my", "now",
      "such", "like", "our", "over", "man", "me", "even", "most", "made", "after", "also",
      "did", "many", "before", "must", "through", "back", "years", "where", "much", "your",
      "way", "well", "down", "should", "because", "each", "just", "those", "people", "Mr",
      "how", "too", "little", "state", "good", "very", "make", "world", "still", "own", "see",
      "men", "work", "long", "get", "here", "between", "both", "life", "being", "under",
      "never", "day", "same", "another", "know", "while", "last", "might", "us", "great",
      "old", "year", "off", "come", "since", "against", "go", "came", "right", "used", "take",
      "three", "Bathsheba", "Gabriel", "farm", "shepherd", "sheep", "field", "morning"};
  constexpr std::size_t kCount = sizeof(kWords) / sizeof(kWords[0]);
  Bytes out;
  out.reserve(n + 16);
  std::uint64_t rng = 0x9E3779B97F4A7C15ull;
  auto next = [&rng] {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>(rng >> 33);
  };
  while (out.size() < n) {
    // Zipf-like: the product of two uniforms favours small indices.
    const std::size_t a = next() % kCount, b = next() % kCount;
    const std::string_view w = kWords[a * b / kCount];
    out.insert(out.end(), w.begin(), w.end());
    const std::uint32_t r = next() % 100;
    out.push_back(r < 6 ? ',' : r < 10 ? '.' : r < 12 ? '\n' : ' ');
    if (r >= 6 && r < 10) out.push_back(' ');
  }
  out.resize(n);
  return out;
}

Bytes read_book1() {
  namespace fs = std::filesystem;
  const char* env = std::getenv("KOLMO_DATA");
  const fs::path candidates[] = {
      env ? fs::path(env) / "text/calgary/book1" : fs::path(),
      fs::path("/work/shared/data/text/calgary/book1"),
      fs::path("../shared/data/text/calgary/book1"),
  };
  for (const auto& p : candidates) {
    if (!p.empty() && fs::is_regular_file(p)) {
      std::ifstream f(p, std::ios::binary);
      return Bytes(std::istreambuf_iterator<char>(f), {});
    }
  }
  return {};
}

const Bytes& input_for(int which) {
  static const Bytes text = english_like_text(1 << 20);
  static const Bytes book1 = read_book1();
  return which == 0 ? text : book1;
}

void BM_RansEncode(benchmark::State& state) {
  const Bytes& in = input_for(static_cast<int>(state.range(0)));
  if (in.empty()) {
    state.SkipWithError("book1 not found (set KOLMO_DATA)");
    return;
  }
  std::size_t blob_size = 0;
  for (auto _ : state) {
    Bytes blob = rans_encode_o0(in);
    blob_size = blob.size();
    benchmark::DoNotOptimize(blob.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
  state.counters["bits_per_byte"] = 8.0 * static_cast<double>(blob_size) / in.size();
}

void BM_RansDecode(benchmark::State& state) {
  const Bytes& in = input_for(static_cast<int>(state.range(0)));
  if (in.empty()) {
    state.SkipWithError("book1 not found (set KOLMO_DATA)");
    return;
  }
  const Bytes blob = rans_encode_o0(in);
  Bytes out(in.size());
  for (auto _ : state) {
    const Status st = rans_decode_o0(blob, out);
    if (!st.ok()) state.SkipWithError(st.to_string().c_str());
    benchmark::DoNotOptimize(out.data());
  }
  if (out != in) state.SkipWithError("round trip mismatch");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}

// Argument: 0 = generated English-like text (1 MiB), 1 = Calgary book1.
BENCHMARK(BM_RansEncode)->ArgName("book1")->Arg(0)->Arg(1);
BENCHMARK(BM_RansDecode)->ArgName("book1")->Arg(0)->Arg(1);

}  // namespace
}  // namespace kolmo

BENCHMARK_MAIN();
