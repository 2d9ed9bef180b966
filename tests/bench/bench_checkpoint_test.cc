// `kolmo bench` on model checkpoints: tensor specs through the checkpoint archive, baselines on
// the concatenated files, the order-0 bound field, -T, and bad checkpoint paths.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bench/bench_main.h"
#include "kolmo/io.h"
#include "tensor/checkpoint_archive.h"
#include "tensor/safetensors_writer.h"

namespace kolmo::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// BF16 weights with a trained-like exponent spread: N(0, scale) rounded down to bf16.
Bytes bf16_weights(std::size_t count, float scale, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  Bytes out(count * 2);
  for (std::size_t i = 0; i < count; ++i) {
    const float v = normal(rng);
    std::uint32_t bits = 0;
    std::memcpy(&bits, &v, 4);
    out[2 * i] = static_cast<std::uint8_t>(bits >> 16);
    out[2 * i + 1] = static_cast<std::uint8_t>(bits >> 24);
  }
  return out;
}

void write_file(const fs::path& path, const Bytes& data) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// A small checkpoint directory: one bf16 shard (two transformer blocks, an embedding, an I64
// buffer) and a config file. Removed at the end of the test.
class CheckpointDir {
 public:
  CheckpointDir()
      : root_(fs::temp_directory_path() / ("kolmo_bench_ckpt_" + std::to_string(getpid()))) {
    fs::remove_all(root_);
    fs::create_directories(root_);
    std::vector<tensor::TensorSpec> specs;
    specs.push_back({"model.embed.weight", tensor::DType::kBF16, {64, 32}, bf16_weights(2048, 0.02f, 1)});
    for (int layer = 0; layer < 2; ++layer) {
      const std::string p = "model.layers." + std::to_string(layer) + ".";
      specs.push_back({p + "mlp.weight", tensor::DType::kBF16, {128, 64},
                       bf16_weights(8192, 0.05f, 10 + layer)});
      specs.push_back({p + "norm.weight", tensor::DType::kBF16, {64},
                       bf16_weights(64, 1.0f, 20 + layer)});
    }
    Bytes positions(8 * 16);
    for (std::size_t i = 0; i < 16; ++i) positions[8 * i] = static_cast<std::uint8_t>(i);
    specs.push_back({"model.positions", tensor::DType::kI64, {16}, positions});
    Expected<Bytes> file = tensor::build_safetensors(specs);
    EXPECT_TRUE(file.ok()) << file.status().to_string();
    if (file.ok()) write_file(root_ / "model.safetensors", *file);
    const std::string config = R"({"model_type": "test", "hidden_size": 64})";
    write_file(root_ / "config.json", Bytes(config.begin(), config.end()));
  }
  ~CheckpointDir() { fs::remove_all(root_); }
  const fs::path& root() const { return root_; }
  std::uint64_t total_bytes() const {
    std::uint64_t total = 0;
    for (const auto& e : fs::directory_iterator(root_)) total += e.file_size();
    return total;
  }

 private:
  fs::path root_;
};

struct RunResult {
  int status;
  std::string out;
  std::string err;
};

RunResult run_in_process(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int status = run_bench(args, out, err);
  return {status, out.str(), err.str()};
}

std::vector<json> json_rows(const std::string& text) {
  std::vector<json> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) rows.push_back(json::parse(line));
  return rows;
}

std::uint64_t archive_size(const fs::path& input, tensor::TensorMode mode) {
  MemorySink sink;
  tensor::CheckpointArchiveOptions opts;
  opts.mode = mode;
  const Status s = tensor::write_checkpoint_archive(input, sink, opts);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return sink.bytes().size();
}

TEST(BenchCheckpoint, TensorThroughTheArchiveAndZstdOnTheConcatenation) {
  CheckpointDir ckpt;
  const auto r = run_in_process({"--json", "--codec", "tensor,zstd:3", ckpt.root().string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rows = json_rows(r.out);
  ASSERT_EQ(rows.size(), 2u) << r.out;
  const json& tensor_row = rows[0];
  const json& zstd_row = rows[1];
  EXPECT_EQ(tensor_row["codec"], "kmo:tensor:mode=o0");
  EXPECT_EQ(zstd_row["codec"], "zstd:3");
  for (const json& row : rows) {
    EXPECT_EQ(row["file"], ckpt.root().string());
    EXPECT_TRUE(row["roundtrip_ok"].get<bool>()) << row.dump();
    EXPECT_EQ(row["threads"], 1);
    EXPECT_EQ(row["input_bytes"].get<std::uint64_t>(), ckpt.total_bytes());
    ASSERT_TRUE(row.contains("order0_bound_fraction")) << row.dump();
    const double bound = row["order0_bound_fraction"].get<double>();
    EXPECT_GT(bound, 0.0);
    EXPECT_LT(bound, 1.0);
    EXPECT_EQ(bound, tensor_row["order0_bound_fraction"].get<double>()) << "a property of the input";
  }
  EXPECT_EQ(tensor_row["output_bytes"].get<std::uint64_t>(),
            archive_size(ckpt.root(), tensor::TensorMode::kO0));
  // Gaussian bf16 exponents carry well under 8 bits, so the tensor archive beats plain zstd.
  EXPECT_LT(tensor_row["output_bytes"].get<std::uint64_t>(),
            zstd_row["output_bytes"].get<std::uint64_t>());
}

TEST(BenchCheckpoint, ModeShorthandsThreadsAndASingleSafetensorsFile) {
  CheckpointDir ckpt;
  const fs::path shard = ckpt.root() / "model.safetensors";
  const auto r = run_in_process(
      {"--json", "-T", "2", "--codec", "tensor:df11,tensor:mode=max", shard.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rows = json_rows(r.out);
  ASSERT_EQ(rows.size(), 2u) << r.out;
  EXPECT_EQ(rows[0]["codec"], "kmo:tensor:mode=df11");
  EXPECT_EQ(rows[1]["codec"], "kmo:tensor:mode=max");
  for (const json& row : rows) {
    EXPECT_TRUE(row["roundtrip_ok"].get<bool>()) << row.dump();
    EXPECT_EQ(row["threads"], 2);
    EXPECT_EQ(row["input_bytes"].get<std::uint64_t>(), fs::file_size(shard));
  }
  EXPECT_EQ(rows[0]["output_bytes"].get<std::uint64_t>(),
            archive_size(shard, tensor::TensorMode::kDf11));
  EXPECT_EQ(rows[1]["output_bytes"].get<std::uint64_t>(),
            archive_size(shard, tensor::TensorMode::kMax));
}

TEST(BenchCheckpoint, TableShowsTheBoundLine) {
  CheckpointDir ckpt;
  const auto r = run_in_process({"--codec", "tensor", ckpt.root().string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("order-0 exponent bound: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("% of the bytes"), std::string::npos) << r.out;
}

TEST(BenchCheckpoint, CsvKeepsItsColumns) {
  CheckpointDir ckpt;
  const auto r = run_in_process({"--csv", "--codec", "tensor,zstd:3", ckpt.root().string()});
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream in(r.out);
  std::string header, row;
  ASSERT_TRUE(std::getline(in, header));
  EXPECT_EQ(header.find("order0_bound_fraction"), std::string::npos);
  const auto commas = [](const std::string& s) { return std::count(s.begin(), s.end(), ','); };
  while (std::getline(in, row)) EXPECT_EQ(commas(row), commas(header)) << row;
}

TEST(BenchCheckpoint, BadCheckpointPathsGiveOneErrorLineAndExit1) {
  const fs::path empty_dir =
      fs::temp_directory_path() / ("kolmo_bench_notckpt_" + std::to_string(getpid()));
  fs::create_directories(empty_dir);
  const fs::path bad_shard = empty_dir / "broken.safetensors";
  write_file(bad_shard, Bytes{1, 2, 3});
  const fs::path plain_dir = empty_dir / "plain";
  fs::create_directories(plain_dir);
  for (const fs::path& path : {plain_dir, bad_shard, empty_dir / "missing"}) {
    const auto r = run_in_process({"--json", "--codec", "tensor,zstd:3", path.string()});
    EXPECT_EQ(r.status, 1) << path;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << path << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("kolmo bench: ", 0), 0u) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  fs::remove_all(empty_dir);
}

TEST(BenchCheckpoint, CheckpointOnlyOptionsAreRefusedPerCheckpoint) {
  CheckpointDir ckpt;
  // Valid for a raw file (the dtype is given), refused for a checkpoint (dtype comes from the
  // tensors); the other codec still runs.
  const auto r = run_in_process(
      {"--json", "--codec", "tensor:dtype=bf16,mode=o0,zstd:3", ckpt.root().string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("dtype"), std::string::npos) << r.err;
  const auto rows = json_rows(r.out);
  ASSERT_EQ(rows.size(), 1u) << r.out;
  EXPECT_EQ(rows[0]["codec"], "zstd:3");
}

}  // namespace
}  // namespace kolmo::bench
