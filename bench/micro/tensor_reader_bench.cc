// Decode-for-inference throughput: every tensor of the kolmo-lm-24m checkpoint archive (mode o0,
// or df11/max) decoded into caller memory through TensorReader, with 1 and 2 threads. GB/s are of
// decoded tensor bytes over wall time (UseRealTime), since the threads are the point.
//   build/bench/micro/bench_tensor_reader --benchmark_repetitions=3
// Skips with a message when ../shared/data (or $KOLMO_DATA) lacks the model.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "kolmo/io.h"
#include "tensor/checkpoint_archive.h"
#include "tensor/tensor_reader.h"

namespace kolmo {
namespace {

namespace fs = std::filesystem;

fs::path model_dir() {
  const char* env = std::getenv("KOLMO_DATA");
  for (const fs::path& base : {env != nullptr && *env != '\0' ? fs::path(env) : fs::path(),
                              fs::path("/work/shared/data"), fs::path("../shared/data")}) {
    if (!base.empty() && fs::is_directory(base / "models" / "kolmo-lm-24m")) {
      return base / "models" / "kolmo-lm-24m";
    }
  }
  return {};
}

// The archive of the model in `mode`, built once per mode and kept for the process.
const Bytes* model_archive(tensor::TensorMode mode) {
  static std::vector<std::unique_ptr<Bytes>> archives(3);
  std::unique_ptr<Bytes>& slot = archives[static_cast<int>(mode)];
  if (!slot) {
    const fs::path dir = model_dir();
    if (dir.empty()) return nullptr;
    MemorySink sink;
    tensor::CheckpointArchiveOptions opts;
    opts.mode = mode;
    opts.threads = 2;
    if (!tensor::write_checkpoint_archive(dir, sink, opts).ok()) return nullptr;
    slot = std::make_unique<Bytes>(std::move(sink.bytes()));
  }
  return slot.get();
}

void BM_ReadAllTensors(benchmark::State& state, tensor::TensorMode mode) {
  const Bytes* archive = model_archive(mode);
  if (archive == nullptr) {
    state.SkipWithError("kolmo-lm-24m not found under $KOLMO_DATA or ../shared/data");
    return;
  }
  MemorySource source(*archive);
  DecompressOptions opts;
  opts.threads = static_cast<unsigned>(state.range(0));
  Expected<std::unique_ptr<tensor::TensorReader>> reader = tensor::TensorReader::open(source, opts);
  if (!reader.ok()) {
    state.SkipWithError(reader.status().to_string().c_str());
    return;
  }
  std::vector<Bytes> buffers;
  std::size_t total = 0;
  for (const tensor::ArchivedTensor& t : (*reader)->tensors()) {
    buffers.emplace_back(t.info.size);
    total += t.info.size;
  }
  for (auto _ : state) {
    for (std::size_t i = 0; i < buffers.size(); ++i) {
      const Status s = (*reader)->read_tensor_into((*reader)->tensors()[i].info.name, buffers[i]);
      if (!s.ok()) {
        state.SkipWithError(s.to_string().c_str());
        return;
      }
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total));
  state.counters["tensors"] = static_cast<double>(buffers.size());
}

BENCHMARK_CAPTURE(BM_ReadAllTensors, o0, tensor::TensorMode::kO0)
    ->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ReadAllTensors, df11, tensor::TensorMode::kDf11)
    ->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kolmo

BENCHMARK_MAIN();
