// GPU decode of tensor mode=df11 against the CPU decoder and against a device-to-device copy.
//
//   bench_tensor_gpu [--model DIR] [--reps N] [--copies K] [--json FILE]
//
// Compresses the bf16 weights of a safetensors checkpoint (default: kolmo-lm-24m under
// $KOLMO_DATA or ../shared/data; headers skipped, 16 MiB blocks, as the tensor codec test does)
// in mode=df11, plus generated fp16 and fp32 blocks. For each set: decodes every block on the
// GPU and on the CPU, compares byte for byte (PASS/FAIL, FNV-1a 64 of both), then times the GPU
// decode (cudaEvents, `reps` launches of all blocks) and cudaMemcpyAsync device-to-device of the
// same size. `copies` > 1 decodes the model's blocks that many times into one larger buffer (a
// longer launch sequence, like a bigger model). Prints a table and one JSON object.
// Exit status: 0 when everything matched, 1 on a mismatch, 2 on a setup error.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "codecs/tensor/cuda/df11_gpu_plan.h"
#include "codecs/tensor/tensor_decode.h"
#include "codecs/tensor/tensor_encode.h"
#include "codecs/tensor/tensor_format.h"
#include "kolmo/tensor_gpu.h"

namespace kolmo {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kBlockBytes = 16u << 20;

struct Options {
  fs::path model;
  int reps = 100;
  int copies = 8;
  std::string json;
  bool dry_run = false;  // CPU side only: encode, CPU decode, GPU plan and tables; no device
};

#define CUDA_OK(expr)                                                                  \
  do {                                                                                 \
    const cudaError_t e_ = (expr);                                                     \
    if (e_ != cudaSuccess) {                                                           \
      std::fprintf(stderr, "CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, \
                   __LINE__);                                                          \
      std::exit(2);                                                                    \
    }                                                                                  \
  } while (0)

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "bench_tensor_gpu: %s\n", what.c_str());
  std::exit(2);
}

fs::path default_model_dir() {
  const char* env = std::getenv("KOLMO_DATA");
  const fs::path data = env != nullptr && *env != '\0' ? fs::path(env) : fs::path("../shared/data");
  return data / "models" / "kolmo-lm-24m";
}

// FNV-1a, 64 bits: a fingerprint of the decoded bytes to print (no library needed).
std::uint64_t fnv1a64(ByteSpan data) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const std::uint8_t b : data) h = (h ^ b) * 0x100000001b3ull;
  return h;
}

Bytes read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) fail("cannot read " + p.string());
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

// The data sections of every *.safetensors file of dir, in name order (8-byte LE header length,
// then the header, then the data; the model's tensors are all BF16).
Bytes model_weights(const fs::path& dir) {
  std::vector<fs::path> shards;
  if (!fs::is_directory(dir)) fail("no model directory " + dir.string());
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".safetensors") shards.push_back(entry.path());
  }
  std::sort(shards.begin(), shards.end());
  if (shards.empty()) fail("no .safetensors file in " + dir.string());
  Bytes all;
  for (const auto& shard : shards) {
    const Bytes file = read_file(shard);
    if (file.size() < 8) fail("short safetensors file " + shard.string());
    const std::uint64_t header = load_le64(file.data());
    if (header > file.size() - 8) fail("bad safetensors header in " + shard.string());
    all.insert(all.end(), file.begin() + static_cast<std::ptrdiff_t>(8 + header), file.end());
  }
  return all;
}

// Generated weights of a dtype: random sign/mantissa, exponents near 2^-6, a few NaN/Inf/0.
Bytes generated(tensor::Dtype d, std::size_t bytes, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(bytes);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  const std::size_t width = static_cast<std::size_t>(tensor::element_bytes(d));
  for (std::size_t i = width - 1; i < bytes; i += width) {
    const std::uint32_t r = rng();
    if (r % 1009 == 0) continue;
    const std::uint32_t spread = static_cast<std::uint32_t>(__builtin_ctz(r | 0x100u));
    out[i] = static_cast<std::uint8_t>((out[i] & 0x80) | ((0x3c - spread / 2) & 0x7f));
  }
  return out;
}

struct EncodedSet {
  std::string name;
  tensor::Dtype dtype;
  Bytes original;
  std::vector<EncodedBlock> blocks;
  std::vector<std::size_t> sizes;
  double encode_seconds = 0;
};

EncodedSet encode_set(std::string name, tensor::Dtype d, Bytes data) {
  EncodedSet set{std::move(name), d, std::move(data), {}, {}, 0};
  auto enc = make_tensor_encoder("dtype=" + std::string(tensor::dtype_name(d)) + ",mode=df11", 0);
  if (!enc.ok()) fail(enc.status().to_string());
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t at = 0; at < set.original.size(); at += kBlockBytes) {
    const std::size_t n = std::min(kBlockBytes, set.original.size() - at);
    EncodedBlock block;
    const Status s = (*enc)->encode_block(ByteSpan(set.original).subspan(at, n), block);
    if (!s.ok()) fail(s.to_string());
    set.blocks.push_back(std::move(block));
    set.sizes.push_back(n);
  }
  set.encode_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return set;
}

struct Result {
  std::string name;
  std::string dtype;
  std::size_t output_bytes = 0;
  std::size_t compressed_bytes = 0;
  int copies = 1;
  bool match = false;
  std::uint64_t gpu_hash = 0;
  std::uint64_t cpu_hash = 0;
  double cpu_decode_gbs = 0;
  double gpu_decode_gbs = 0;
  double copy_gbs = 0;
  double gpu_ms = 0;
};

// Seconds per repetition of fn() on the stream, by cudaEvents, after warm-up launches.
template <typename Fn>
double time_on_stream(cudaStream_t stream, int reps, Fn&& fn) {
  for (int i = 0; i < 3; ++i) fn();
  cudaEvent_t start, stop;
  CUDA_OK(cudaEventCreate(&start));
  CUDA_OK(cudaEventCreate(&stop));
  CUDA_OK(cudaEventRecord(start, stream));
  for (int i = 0; i < reps; ++i) fn();
  CUDA_OK(cudaEventRecord(stop, stream));
  CUDA_OK(cudaEventSynchronize(stop));
  float ms = 0;
  CUDA_OK(cudaEventElapsedTime(&ms, start, stop));
  CUDA_OK(cudaEventDestroy(start));
  CUDA_OK(cudaEventDestroy(stop));
  return ms / 1e3 / reps;
}

Result run_set(const EncodedSet& set, int copies, int reps, cudaStream_t stream) {
  Result r;
  r.name = set.name;
  r.dtype = std::string(tensor::dtype_name(set.dtype));
  r.copies = copies;
  // CPU reference: the registered decoder, block by block, timed once.
  Bytes cpu(set.original.size());
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t at = 0;
  for (std::size_t i = 0; i < set.blocks.size(); ++i) {
    const Status s = decode_tensor_block(set.blocks[i].params, set.blocks[i].payload,
                                   MutableByteSpan(cpu).subspan(at, set.sizes[i]), DecodeLimits{});
    if (!s.ok()) fail("CPU decode: " + s.to_string());
    at += set.sizes[i];
  }
  const double cpu_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.cpu_decode_gbs = static_cast<double>(cpu.size()) / cpu_s / 1e9;
  if (cpu != set.original) fail("CPU decode differs from the original in " + set.name);

  std::vector<GpuBlock> batch;
  std::size_t offset = 0;
  for (int c = 0; c < copies; ++c) {
    for (std::size_t i = 0; i < set.blocks.size(); ++i) {
      batch.push_back(GpuBlock{set.blocks[i].params, set.blocks[i].payload, offset, set.sizes[i]});
      offset += set.sizes[i];
      // Keep every block's output 256-byte aligned, as separate tensors would be.
      offset = (offset + 255) / 256 * 256;
    }
  }
  auto uploaded = GpuDf11Blocks::upload(batch, stream);
  if (!uploaded.ok()) fail("upload: " + uploaded.status().to_string());
  r.output_bytes = set.original.size() * static_cast<std::size_t>(copies);
  r.compressed_bytes = uploaded->compressed_bytes();
  const std::size_t buffer = uploaded->output_bytes();
  void* out = nullptr;
  void* copy_src = nullptr;
  CUDA_OK(cudaMalloc(&out, buffer));
  CUDA_OK(cudaMalloc(&copy_src, buffer));
  CUDA_OK(cudaMemset(out, 0xa5, buffer));
  CUDA_OK(cudaMemset(copy_src, 0x5a, buffer));

  // Bit identity: every copy of every block against the CPU decode.
  Status s = uploaded->launch(out, buffer, stream);
  if (s.ok()) s = uploaded->finish(stream);
  if (!s.ok()) fail("GPU decode: " + s.to_string());
  Bytes gpu_all(buffer);
  CUDA_OK(cudaMemcpy(gpu_all.data(), out, buffer, cudaMemcpyDeviceToHost));
  r.match = true;
  Bytes gpu_first;  // the first copy, gathered, for the hash
  for (std::size_t b = 0; b < batch.size(); ++b) {
    const std::size_t i = b % set.blocks.size();
    std::size_t cpu_at = 0;
    for (std::size_t k = 0; k < i; ++k) cpu_at += set.sizes[k];
    const auto gpu_block = gpu_all.begin() + static_cast<std::ptrdiff_t>(batch[b].out_offset);
    if (!std::equal(gpu_block, gpu_block + static_cast<std::ptrdiff_t>(set.sizes[i]),
                    cpu.begin() + static_cast<std::ptrdiff_t>(cpu_at))) {
      r.match = false;
    }
    if (b < set.blocks.size()) {
      gpu_first.insert(gpu_first.end(), gpu_block, gpu_block + static_cast<std::ptrdiff_t>(set.sizes[i]));
    }
  }
  r.gpu_hash = fnv1a64(gpu_first);
  r.cpu_hash = fnv1a64(cpu);

  const double decode_s = time_on_stream(stream, reps, [&] {
    const Status ls = uploaded->launch(out, buffer, stream);
    if (!ls.ok()) fail("launch: " + ls.to_string());
  });
  s = uploaded->finish(stream);
  if (!s.ok()) fail("GPU decode (timed): " + s.to_string());
  const double copy_s = time_on_stream(stream, reps, [&] {
    CUDA_OK(cudaMemcpyAsync(out, copy_src, r.output_bytes, cudaMemcpyDeviceToDevice, stream));
  });
  r.gpu_ms = decode_s * 1e3;
  r.gpu_decode_gbs = static_cast<double>(r.output_bytes) / decode_s / 1e9;
  r.copy_gbs = static_cast<double>(r.output_bytes) / copy_s / 1e9;
  CUDA_OK(cudaFree(out));
  CUDA_OK(cudaFree(copy_src));
  return r;
}

Options parse_args(int argc, char** argv) {
  Options o;
  o.model = default_model_dir();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail("missing value after " + a);
      return argv[++i];
    };
    if (a == "--model") {
      o.model = value();
    } else if (a == "--reps") {
      o.reps = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--copies") {
      o.copies = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--dry-run") {
      o.dry_run = true;
    } else if (a == "--json") {
      o.json = value();
    } else {
      fail("unknown argument " + a + " (--model DIR --reps N --copies K --json FILE --dry-run)");
    }
  }
  return o;
}

std::string to_json(const std::vector<Result>& results, const std::string& device) {
  std::string j = "{\"device\": \"" + device + "\", \"results\": [";
  char line[1024];
  for (std::size_t i = 0; i < results.size(); ++i) {
    const Result& r = results[i];
    std::snprintf(line, sizeof line,
                  "%s\n  {\"set\": \"%s\", \"dtype\": \"%s\", \"copies\": %d, \"output_bytes\": %zu, "
                  "\"compressed_bytes\": %zu, \"bit_identical\": %s, \"gpu_fnv1a64\": \"%016llx\", "
                  "\"cpu_fnv1a64\": \"%016llx\", \"gpu_decode_ms\": %.4f, \"gpu_decode_GBps\": %.1f, "
                  "\"d2d_copy_GBps\": %.1f, \"decode_over_copy\": %.3f, \"cpu_decode_GBps\": %.3f}",
                  i == 0 ? "" : ",", r.name.c_str(), r.dtype.c_str(), r.copies, r.output_bytes,
                  r.compressed_bytes, r.match ? "true" : "false",
                  static_cast<unsigned long long>(r.gpu_hash),
                  static_cast<unsigned long long>(r.cpu_hash), r.gpu_ms, r.gpu_decode_gbs,
                  r.copy_gbs, r.gpu_decode_gbs / r.copy_gbs, r.cpu_decode_gbs);
    j += line;
  }
  return j + "\n]}\n";
}

// Everything the GPU run does on the host, to check a machine without a GPU: the CPU decode of
// every block against the original, and the GPU decoder's host-side plan and table.
int dry_run(const std::vector<EncodedSet>& sets) {
  for (const EncodedSet& set : sets) {
    std::size_t at = 0;
    for (std::size_t i = 0; i < set.blocks.size(); ++i) {
      const EncodedBlock& b = set.blocks[i];
      Bytes cpu(set.sizes[i]);
      const Status s = decode_tensor_block(b.params, b.payload, cpu, DecodeLimits{});
      if (!s.ok()) fail("CPU decode: " + s.to_string());
      if (!std::equal(cpu.begin(), cpu.end(), set.original.begin() + static_cast<std::ptrdiff_t>(at))) {
        fail("CPU decode differs in " + set.name);
      }
      auto plan = tensor::gpu::plan_df11_block(b.params, b.payload, set.sizes[i]);
      if (!plan.ok()) fail("GPU plan: " + plan.status().to_string());
      if (plan->elements == 0) {
        std::printf("  %s %s block %zu: %zu tail bytes only\n", set.name.c_str(),
                    std::string(tensor::dtype_name(set.dtype)).c_str(), i, plan->tail.size());
        at += set.sizes[i];
        continue;
      }
      auto table = tensor::gpu::build_df11_table(plan->lengths);
      if (!table.ok()) fail("GPU table: " + table.status().to_string());
      std::printf("  %s %s block %zu: %llu elements, %llu threads, %llu thread blocks, longest code %u bits\n",
                  set.name.c_str(), std::string(tensor::dtype_name(set.dtype)).c_str(), i,
                  static_cast<unsigned long long>(plan->elements),
                  static_cast<unsigned long long>(plan->threads),
                  static_cast<unsigned long long>(plan->blocks), table->max_length);
      at += set.sizes[i];
    }
  }
  std::printf("dry run: CPU decode and GPU plans OK (no device used)\n");
  return 0;
}

int run(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  if (!o.dry_run && !gpu_decoder_available()) {
    fail("no CUDA device: " + gpu_device_description());
  }
  const std::string device = gpu_device_description();
  std::printf("device: %s\nmodel: %s\nreps: %d\n", device.c_str(), o.model.string().c_str(), o.reps);
  std::vector<EncodedSet> sets;
  if (fs::is_directory(o.model)) {
    sets.push_back(encode_set("kolmo-lm-24m", tensor::Dtype::kBf16, model_weights(o.model)));
  } else {
    std::printf("MODEL NOT FOUND at %s: generated bf16 weights instead\n", o.model.string().c_str());
    sets.push_back(encode_set("generated", tensor::Dtype::kBf16, generated(tensor::Dtype::kBf16, 48u << 20, 3)));
  }
  sets.push_back(encode_set("generated", tensor::Dtype::kFp16, generated(tensor::Dtype::kFp16, (32u << 20) + 1, 1)));
  sets.push_back(encode_set("generated", tensor::Dtype::kFp32, generated(tensor::Dtype::kFp32, (32u << 20) + 3, 2)));
  for (const EncodedSet& s : sets) {
    std::size_t compressed = 0;
    for (const auto& b : s.blocks) compressed += b.params.size() + b.payload.size();
    std::printf("encoded %-13s %-4s %zu -> %zu bytes (%.3f%%) in %zu blocks, %.2f s on the CPU\n",
                s.name.c_str(), std::string(tensor::dtype_name(s.dtype)).c_str(), s.original.size(),
                compressed, 100.0 * static_cast<double>(compressed) / static_cast<double>(s.original.size()),
                s.blocks.size(), s.encode_seconds);
  }
  if (o.dry_run) return dry_run(sets);
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreate(&stream));
  std::vector<Result> results;
  results.push_back(run_set(sets[0], 1, o.reps, stream));
  if (o.copies > 1) results.push_back(run_set(sets[0], o.copies, o.reps, stream));
  results.push_back(run_set(sets[1], 1, o.reps, stream));
  results.push_back(run_set(sets[2], 1, o.reps, stream));
  CUDA_OK(cudaStreamDestroy(stream));

  std::printf("\n%-13s %-4s %6s %12s %6s %-16s %10s %11s %10s %8s %9s\n", "set", "dtype", "copies",
              "output B", "check", "fnv1a64", "decode ms", "decode GB/s", "copy GB/s", "fraction",
              "CPU GB/s");
  bool all_match = true;
  for (const Result& r : results) {
    all_match = all_match && r.match && r.gpu_hash == r.cpu_hash;
    std::printf("%-13s %-4s %6d %12zu %6s %016llx %10.4f %11.1f %10.1f %8.3f %9.3f\n",
                r.name.c_str(), r.dtype.c_str(), r.copies, r.output_bytes,
                r.match && r.gpu_hash == r.cpu_hash ? "PASS" : "FAIL",
                static_cast<unsigned long long>(r.gpu_hash), r.gpu_ms, r.gpu_decode_gbs,
                r.copy_gbs, r.gpu_decode_gbs / r.copy_gbs, r.cpu_decode_gbs);
  }
  std::printf("(GB/s = output bytes / time, 1 GB = 1e9 B; copy = cudaMemcpyAsync device-to-device "
              "of the same byte count; fraction = decode / copy)\n");
  const std::string json = to_json(results, device);
  std::printf("\nJSON %s", json.c_str());
  if (!o.json.empty()) {
    std::ofstream(o.json) << json;
  }
  std::printf("\n%s: CPU and GPU decoders %s\n", all_match ? "PASS" : "FAIL",
              all_match ? "agree bit for bit" : "DISAGREE");
  return all_match ? 0 : 1;
}

}  // namespace
}  // namespace kolmo

int main(int argc, char** argv) { return kolmo::run(argc, argv); }
