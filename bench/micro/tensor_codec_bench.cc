// Tensor codec throughput, one thread: encode and decode GB/s of output (bf16 bytes) for each
// mode on a generated 16 MiB bf16 tensor, and on the kolmo-lm-24m weights when ../shared/data
// (or $KOLMO_DATA) has them.
//   build-t2/bench/micro/bench_tensor_codec --benchmark_repetitions=3
// The payload ratio is reported as the counter "ratio" (compressed / original).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "codecs/tensor/tensor_codec.h"
#include "kolmo/codec.h"

namespace kolmo {
namespace {

// 8M bf16 weights, approximately Gaussian (sum of four uniforms), standard deviation ~2^-6.
Bytes generated_bf16(std::size_t n) {
  std::mt19937 rng(42);
  Bytes out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t sum = 0;
    for (int k = 0; k < 4; ++k) sum += static_cast<std::int64_t>(rng() >> 12) - (1 << 19);
    const float f = static_cast<float>(sum) * 0x1p-26f;
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    out.push_back(static_cast<std::uint8_t>(u >> 16));
    out.push_back(static_cast<std::uint8_t>(u >> 24));
  }
  return out;
}

// The data sections of the four kolmo-lm-24m shards (headers skipped), or nothing.
Bytes model_weights() {
  namespace fs = std::filesystem;
  const char* env = std::getenv("KOLMO_DATA");
  fs::path dir;
  for (const fs::path& base : {env != nullptr && *env != '\0' ? fs::path(env) : fs::path(),
                              fs::path("/work/shared/data"), fs::path("../shared/data")}) {
    if (!base.empty() && fs::is_directory(base / "models" / "kolmo-lm-24m")) {
      dir = base / "models" / "kolmo-lm-24m";
      break;
    }
  }
  if (dir.empty()) return {};
  Bytes all;
  for (int shard = 1; shard <= 4; ++shard) {
    std::ifstream f(dir / ("model-0000" + std::to_string(shard) + "-of-00004.safetensors"),
                    std::ios::binary);
    const Bytes file((std::istreambuf_iterator<char>(f)), {});
    if (file.size() < 8) return {};
    const std::uint64_t header = load_le64(file.data());
    if (header > file.size() - 8) return {};
    all.insert(all.end(), file.begin() + static_cast<std::ptrdiff_t>(8 + header), file.end());
  }
  return all;
}

const Bytes& input(int which) {
  static const Bytes generated = generated_bf16(8 << 20);
  static const Bytes model = model_weights();
  return which == 0 ? generated : model;
}

const char* const kModes[] = {"tensor:mode=o0", "tensor:mode=df11", "tensor:mode=max"};

// The container cuts the input into preferred_block_size() blocks; so does the benchmark.
void BM_TensorEncode(benchmark::State& state) {
  const Bytes& in = input(static_cast<int>(state.range(1)));
  if (in.empty()) return state.SkipWithError("kolmo-lm-24m weights not found");
  auto enc = make_encoder(kModes[state.range(0)], 0);
  const std::size_t block = (*enc)->preferred_block_size();
  std::size_t compressed = 0;
  for (auto _ : state) {
    compressed = 0;
    for (std::size_t at = 0; at < in.size(); at += block) {
      EncodedBlock out;
      (void)(*enc)->encode_block(ByteSpan(in).subspan(at, std::min(block, in.size() - at)), out);
      compressed += out.payload.size();
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
  state.counters["ratio"] = static_cast<double>(compressed) / static_cast<double>(in.size());
}

void BM_TensorDecode(benchmark::State& state) {
  const Bytes& in = input(static_cast<int>(state.range(1)));
  if (in.empty()) return state.SkipWithError("kolmo-lm-24m weights not found");
  auto enc = make_encoder(kModes[state.range(0)], 0);
  const std::size_t block = (*enc)->preferred_block_size();
  std::vector<EncodedBlock> blocks;
  for (std::size_t at = 0; at < in.size(); at += block) {
    blocks.emplace_back();
    (void)(*enc)->encode_block(ByteSpan(in).subspan(at, std::min(block, in.size() - at)),
                               blocks.back());
  }
  const CodecInfo info = tensor_codec_info();
  Bytes out(in.size());
  for (auto _ : state) {
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      const std::size_t at = b * block;
      const MutableByteSpan span =
          MutableByteSpan(out).subspan(at, std::min(block, in.size() - at));
      if (!info.decode(blocks[b].params, blocks[b].payload, span, {}).ok()) {
        return state.SkipWithError("decode failed");
      }
    }
    benchmark::DoNotOptimize(out.data());
  }
  if (out != in) state.SkipWithError("round trip mismatch");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}

// Args: {mode (0 o0, 1 df11, 2 max), input (0 generated 16 MiB, 1 kolmo-lm-24m)}.
BENCHMARK(BM_TensorEncode)->ArgsProduct({{0, 1, 2}, {0, 1}})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TensorDecode)->ArgsProduct({{0, 1, 2}, {0, 1}})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kolmo

BENCHMARK_MAIN();
