// Checkpoint archives through the real binary: a generated checkpoint directory and a single
// .safetensors file are compressed with the tensor codec, restored byte for byte, tested and
// listed; refusals leave nothing behind. The SharedData suite does the same on the real model.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>

#include "cli/cli_harness.h"
#include "kolmo/bytes.h"
#include "tensor/safetensors_writer.h"
#include "test_data.h"

namespace kolmo::cli_test {
namespace {

std::string weights(tensor::DType d, std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  const std::size_t w = tensor::dtype_size(d);
  std::string out(n * w, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    const float v = dist(rng);
    std::uint32_t bits = 0;
    std::memcpy(&bits, &v, 4);
    if (w == 4) {
      std::memcpy(&out[4 * i], &bits, 4);
    } else {
      const std::uint16_t h = static_cast<std::uint16_t>(bits >> 16);
      std::memcpy(&out[2 * i], &h, 2);
    }
  }
  return out;
}

tensor::TensorSpec spec(std::string name, tensor::DType d, std::uint64_t n, std::uint32_t seed) {
  const std::string data = weights(d, n, seed);
  return {std::move(name), d, {n}, Bytes(data.begin(), data.end())};
}

std::string safetensors(const std::vector<tensor::TensorSpec>& tensors) {
  Expected<Bytes> b = tensor::build_safetensors(tensors);
  EXPECT_TRUE(b.ok()) << b.status().to_string();
  return b.ok() ? std::string(b->begin(), b->end()) : std::string();
}

// Relative path -> content hash ("dir" for directories): what must survive a round trip.
std::map<std::string, std::string> tree(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const std::string rel = e.path().lexically_relative(root).generic_string();
    out[rel] = e.is_directory() ? "dir" : std::to_string(hash_of(read_file(e.path())));
  }
  return out;
}

class CliTensorTest : public CliTest {
 protected:
  void make_checkpoint(const std::string& name) {
    const fs::path root = path(name);
    fs::create_directories(root / "sub" / "deeper");
    fs::create_directories(root / "empty");
    write_file(root / "model-00001-of-00002.safetensors",
               safetensors({spec("model.embed_tokens.weight", tensor::DType::kBF16, 4096, 1),
                            spec("model.layers.0.mlp.up_proj.weight", tensor::DType::kBF16, 8192, 2),
                            spec("model.layers.0.norm.weight", tensor::DType::kF32, 64, 3)}));
    write_file(root / "model-00002-of-00002.safetensors",
               safetensors({spec("model.layers.1.mlp.up_proj.weight", tensor::DType::kF16, 8192, 4),
                            spec("lm_head.weight", tensor::DType::kF32, 2048, 5)}));
    write_file(root / "model.safetensors.index.json",
               R"({"metadata":{},"weight_map":{)"
               R"("model.embed_tokens.weight":"model-00001-of-00002.safetensors",)"
               R"("model.layers.0.mlp.up_proj.weight":"model-00001-of-00002.safetensors",)"
               R"("model.layers.0.norm.weight":"model-00001-of-00002.safetensors",)"
               R"("model.layers.1.mlp.up_proj.weight":"model-00002-of-00002.safetensors",)"
               R"("lm_head.weight":"model-00002-of-00002.safetensors"}})");
    write_file(root / "config.json", R"({"hidden_size": 64})");
    write_file(root / "sub" / "deeper" / "tokenizer.txt", sample_data(5000, 3));
  }
  void make_single(const std::string& name) {
    write(name, safetensors({spec("model.layers.0.w", tensor::DType::kBF16, 8192, 7),
                             spec("model.layers.0.b", tensor::DType::kF32, 128, 8)}));
  }
  // No ".kolmo-tmp" leftovers anywhere in the test directory.
  bool no_temporaries() const {
    for (const auto& e : fs::recursive_directory_iterator(dir_)) {
      if (e.path().filename().string().find(".kolmo-tmp") != std::string::npos) return false;
    }
    return true;
  }
};

TEST_F(CliTensorTest, DirectoryRoundTrip) {
  make_checkpoint("ckpt");
  const RunResult packed = kolmo({"-q", "--codec", "tensor", "ckpt"});
  ASSERT_TRUE(packed.ok()) << packed.err;
  ASSERT_TRUE(exists("ckpt.kmo"));
  const RunResult restored = kolmo({"-q", "-d", "ckpt.kmo", "-o", "restored"});
  ASSERT_TRUE(restored.ok()) << restored.err;
  EXPECT_EQ(tree(path("restored")), tree(path("ckpt")));
  EXPECT_TRUE(no_temporaries());
}

TEST_F(CliTensorTest, TensorIsChosenForACheckpointDirectory) {
  make_checkpoint("ckpt");
  ASSERT_TRUE(kolmo({"-q", "ckpt/", "-o", "a.kmo"}).ok());
  const RunResult listed = kolmo({"-l", "a.kmo"});
  ASSERT_TRUE(listed.ok()) << listed.err;
  EXPECT_NE(listed.out.find("tensor"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("model-00002-of-00002.safetensors"), std::string::npos);
  EXPECT_NE(listed.out.find("sub/deeper/tokenizer.txt"), std::string::npos);
  const RunResult verbose = kolmo({"-l", "-v", "a.kmo"});
  ASSERT_TRUE(verbose.ok());
  EXPECT_NE(verbose.out.find("block"), std::string::npos);
  EXPECT_GT(verbose.out.size(), listed.out.size());
  EXPECT_TRUE(kolmo({"-t", "a.kmo"}).ok());
}

TEST_F(CliTensorTest, ModesToStdoutAndDefaultDestination) {
  make_checkpoint("ckpt");
  for (const char* codec : {"tensor:mode=df11", "tensor:mode=max"}) {
    SCOPED_TRACE(codec);
    const RunResult packed = kolmo({"-q", "-c", "--codec", codec, "ckpt"});
    ASSERT_TRUE(packed.ok()) << packed.err;
    write("copy.kmo", packed.out);
    ASSERT_TRUE(kolmo({"-t", "copy.kmo"}).ok());
    const RunResult restored = kolmo({"-q", "-d", "copy.kmo"});  // copy.kmo -> copy
    ASSERT_TRUE(restored.ok()) << restored.err;
    EXPECT_EQ(tree(path("copy")), tree(path("ckpt")));
    fs::remove_all(path("copy"));
  }
}

TEST_F(CliTensorTest, ArchivesAreIdenticalForAnyThreadCount) {
  make_checkpoint("ckpt");
  ASSERT_TRUE(kolmo({"-q", "-T", "1", "ckpt", "-o", "t1.kmo"}).ok());
  ASSERT_TRUE(kolmo({"-q", "-T", "2", "ckpt", "-o", "t2.kmo"}).ok());
  EXPECT_EQ(read("t1.kmo"), read("t2.kmo"));
}

TEST_F(CliTensorTest, SingleFileRoundTrip) {
  make_single("model.safetensors");
  const std::string original = read("model.safetensors");
  ASSERT_TRUE(kolmo({"-q", "model.safetensors"}).ok());
  ASSERT_TRUE(exists("model.safetensors.kmo"));
  ASSERT_TRUE(kolmo({"-l", "model.safetensors.kmo"}).out.find("tensor") != std::string::npos);
  const RunResult to_file = kolmo({"-q", "-d", "model.safetensors.kmo", "-o", "back.safetensors"});
  ASSERT_TRUE(to_file.ok()) << to_file.err;
  EXPECT_EQ(read("back.safetensors"), original);
  const RunResult to_stdout = kolmo({"-q", "-d", "-c", "model.safetensors.kmo"});
  ASSERT_TRUE(to_stdout.ok()) << to_stdout.err;
  EXPECT_EQ(to_stdout.out, original);
  fs::remove(path("model.safetensors"));
  ASSERT_TRUE(kolmo({"-q", "-d", "model.safetensors.kmo"}).ok());
  EXPECT_EQ(read("model.safetensors"), original);
  EXPECT_TRUE(no_temporaries());
}

TEST_F(CliTensorTest, ExistingDestinationNeedsForce) {
  make_checkpoint("ckpt");
  ASSERT_TRUE(kolmo({"-q", "ckpt", "-o", "a.kmo"}).ok());
  fs::create_directories(path("dest"));
  write("dest/mine.txt", "keep me");
  const RunResult refused = kolmo({"-q", "-d", "a.kmo", "-o", "dest"});
  EXPECT_EQ(refused.exit_code, 1);
  ASSERT_EQ(refused.err_lines().size(), 1u) << refused.err;
  EXPECT_NE(refused.err.find("already exists"), std::string::npos);
  EXPECT_EQ(read("dest/mine.txt"), "keep me");
  const RunResult forced = kolmo({"-q", "-f", "-d", "a.kmo", "-o", "dest"});
  ASSERT_TRUE(forced.ok()) << forced.err;
  EXPECT_EQ(tree(path("dest")), tree(path("ckpt")));
  EXPECT_TRUE(no_temporaries());
  // Compressing onto an existing archive is refused the same way.
  const RunResult again = kolmo({"-q", "ckpt", "-o", "a.kmo"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos);
}

TEST_F(CliTensorTest, CorruptArchiveLeavesNothing) {
  make_checkpoint("ckpt");
  ASSERT_TRUE(kolmo({"-q", "ckpt", "-o", "a.kmo"}).ok());
  std::string bytes = read("a.kmo");
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
  write("bad.kmo", bytes);
  const RunResult r = kolmo({"-q", "-d", "bad.kmo", "-o", "dest"});
  EXPECT_EQ(r.exit_code, 1);
  ASSERT_EQ(r.err_lines().size(), 1u) << r.err;
  EXPECT_EQ(r.err.rfind("kolmo: ", 0), 0u) << r.err;
  EXPECT_FALSE(exists("dest"));
  EXPECT_TRUE(no_temporaries());
  EXPECT_EQ(kolmo({"-q", "-t", "bad.kmo"}).exit_code, 1);
}

TEST_F(CliTensorTest, Refusals) {
  fs::create_directories(path("plain"));
  write("plain/a.txt", "text");
  const RunResult plain = kolmo({"-q", "plain"});  // not a checkpoint: refused as before
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_NE(plain.err.find("is a directory"), std::string::npos) << plain.err;
  EXPECT_FALSE(exists("plain.kmo"));

  make_checkpoint("ckpt");
  const RunResult dtype = kolmo({"-q", "--codec", "tensor:dtype=fp16", "ckpt"});
  EXPECT_EQ(dtype.exit_code, 1);
  EXPECT_EQ(dtype.err_lines().size(), 1u) << dtype.err;
  EXPECT_FALSE(exists("ckpt.kmo"));

  const RunResult other = kolmo({"-q", "--codec", "zstd", "ckpt"});  // only tensor archives dirs
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_FALSE(exists("ckpt.kmo"));

  const RunResult inside = kolmo({"-q", "ckpt", "-o", "ckpt/sub/self.kmo"});
  EXPECT_EQ(inside.exit_code, 1);
  EXPECT_NE(inside.err.find("inside the directory"), std::string::npos) << inside.err;
  EXPECT_FALSE(exists("ckpt/sub/self.kmo"));

  write("bad.safetensors", "this is not a safetensors file");
  const RunResult bad = kolmo({"-q", "bad.safetensors"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err_lines().size(), 1u) << bad.err;
  EXPECT_FALSE(exists("bad.safetensors.kmo"));
  EXPECT_TRUE(no_temporaries());
}

// A signal during a directory restore removes the temporary tree: afterwards there is either no
// destination or a complete one, and never a temporary directory.
TEST_F(CliTensorTest, InterruptedRestoreLeavesNoTemporaryDirectory) {
  fs::create_directories(path("big"));
  std::vector<tensor::TensorSpec> tensors;
  for (int layer = 0; layer < 8; ++layer) {
    tensors.push_back(spec("model.layers." + std::to_string(layer) + ".w", tensor::DType::kBF16,
                           1u << 20, static_cast<std::uint32_t>(layer)));
  }
  write_file(path("big") / "model.safetensors", safetensors(tensors));
  write_file(path("big") / "config.json", "{}");
  ASSERT_TRUE(kolmo({"-q", "-T", "2", "--codec", "tensor:mode=max", "big", "-o", "big.kmo"}).ok());
  const pid_t pid = start_kolmo(dir_, {"-q", "-T", "1", "-d", "big.kmo", "-o", "dest"});
  // Wait until the temporary directory exists (or the job ended), then interrupt.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::optional<RunResult> ended;
  while (std::chrono::steady_clock::now() < deadline && !(ended = poll_child(pid))) {
    bool temp_seen = false;
    for (const std::string& name : entries(dir_)) {
      temp_seen |= name.find(".dest.kolmo-tmp") != std::string::npos;
    }
    if (temp_seen) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (!ended) {
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    ended = wait_for(pid);
  }
  EXPECT_TRUE(ended->signal == SIGTERM || ended->ok());
  EXPECT_TRUE(no_temporaries());
  if (exists("dest")) {
    EXPECT_EQ(tree(path("dest")), tree(path("big")));
  }
}

// The real model through the CLI in each mode; prints the archive size as % of the directory.
class CliTensorSharedDataTest : public CliTensorTest,
                                public ::testing::WithParamInterface<std::string> {};

TEST_P(CliTensorSharedDataTest, ModelRoundTrips) {
  KOLMO_REQUIRE_DATA(data);
  const fs::path model = data / "models" / "kolmo-lm-24m";
  if (!fs::is_directory(model)) GTEST_SKIP() << model << " not found";
  const std::string codec = "tensor:mode=" + GetParam();
  const RunResult packed = kolmo({"-q", "-T", "2", "--codec", codec, model.string(), "-o", "m.kmo"});
  ASSERT_TRUE(packed.ok()) << packed.err;
  const RunResult restored = kolmo({"-q", "-T", "2", "-d", "m.kmo", "-o", "restored"});
  ASSERT_TRUE(restored.ok()) << restored.err;
  EXPECT_EQ(tree(path("restored")), tree(model));
  std::uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(model)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  const std::uint64_t size = fs::file_size(path("m.kmo"));
  std::printf("kolmo-lm-24m %s: %llu of %llu bytes = %.2f%%\n", codec.c_str(),
              static_cast<unsigned long long>(size), static_cast<unsigned long long>(total),
              100.0 * static_cast<double>(size) / static_cast<double>(total));
  EXPECT_LT(size, total);
}

INSTANTIATE_TEST_SUITE_P(Modes, CliTensorSharedDataTest, ::testing::Values("o0", "df11", "max"));

}  // namespace
}  // namespace kolmo::cli_test
