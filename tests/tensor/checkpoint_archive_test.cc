// Checkpoint archives on generated checkpoints: byte-identical round trips, reproducible output
// for any thread count, single-tensor and single-layer decoding, exotic float values.
#include "tensor/checkpoint_archive.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kolmo/hash.h"
#include "kolmo/io.h"
#include "tensor/safetensors_writer.h"
#include "tensor/tensor_reader.h"
#include "tensor/tensor_test_util.h"

namespace kolmo::tensor {
namespace {
namespace fs = std::filesystem;

Bytes read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

void write_all(const fs::path& p, ByteSpan data) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// Weight-like values: a narrow bell of exponents, random mantissas.
Bytes float_bytes(DType d, std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  Bytes out(n * dtype_size(d));
  for (std::size_t i = 0; i < n; ++i) {
    const float v = dist(rng);
    std::uint32_t bits = 0;
    std::memcpy(&bits, &v, 4);
    if (d == DType::kF32) {
      store_le32(&out[4 * i], bits);
    } else if (d == DType::kBF16) {
      store_le16(&out[2 * i], static_cast<std::uint16_t>(bits >> 16));
    } else {  // fp16 bit patterns: sign, small exponent, random mantissa
      const std::uint16_t h = static_cast<std::uint16_t>(((bits >> 16) & 0x8000) |
                                                         ((10 + rng() % 6) << 10) | (rng() & 0x3FF));
      store_le16(&out[2 * i], h);
    }
  }
  return out;
}

// NaNs with payloads, infinities, signed zeros, subnormals, largest finite: every bit pattern
// must survive, since the codec never interprets values.
Bytes special_bytes(DType d) {
  Bytes out;
  if (d == DType::kF32) {
    for (std::uint32_t v : {0x7FC00001u, 0xFFC12345u, 0x7F800001u, 0x7F800000u, 0xFF800000u,
                            0x80000000u, 0x00000000u, 0x00000001u, 0x807FFFFFu, 0x7F7FFFFFu}) {
      out.resize(out.size() + 4);
      store_le32(&out[out.size() - 4], v);
    }
  } else {
    const std::vector<std::uint16_t> bf16 = {0x7FC1, 0xFFFF, 0x7F81, 0x7F80, 0xFF80,
                                             0x8000, 0x0000, 0x0001, 0x807F, 0x7F7F};
    const std::vector<std::uint16_t> fp16 = {0x7E01, 0xFFFF, 0x7C01, 0x7C00, 0xFC00,
                                             0x8000, 0x0000, 0x0001, 0x83FF, 0x7BFF};
    for (std::uint16_t v : d == DType::kBF16 ? bf16 : fp16) {
      out.resize(out.size() + 2);
      store_le16(&out[out.size() - 2], v);
    }
  }
  return out;
}

TensorSpec spec(std::string name, DType d, std::vector<std::uint64_t> shape, Bytes data) {
  return TensorSpec{std::move(name), d, std::move(shape), std::move(data)};
}

class CheckpointArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kolmo_ckpt_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    build_checkpoint(dir_ / "ckpt");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void build_checkpoint(const fs::path& root) {
    std::vector<TensorSpec> shard1 = {
        spec("model.embed_tokens.weight", DType::kBF16, {64, 32}, float_bytes(DType::kBF16, 2048, 1)),
        spec("model.layers.0.self_attn.q_proj.weight", DType::kBF16, {32, 32},
             float_bytes(DType::kBF16, 1024, 2)),
        spec("model.layers.0.mlp.up_proj.weight", DType::kBF16, {64, 32},
             float_bytes(DType::kBF16, 2048, 3)),
        spec("model.layers.0.input_layernorm.weight", DType::kF32, {32},
             float_bytes(DType::kF32, 32, 4)),
        spec("model.layers.0.special", DType::kBF16, {10}, special_bytes(DType::kBF16)),
        spec("model.position_ids", DType::kI64, {4}, testing::pattern_bytes(32, 9)),
    };
    std::vector<TensorSpec> shard2 = {
        spec("model.layers.1.self_attn.q_proj.weight", DType::kF16, {32, 32},
             float_bytes(DType::kF16, 1024, 5)),
        spec("model.layers.1.special16", DType::kF16, {10}, special_bytes(DType::kF16)),
        spec("model.layers.1.special32", DType::kF32, {10}, special_bytes(DType::kF32)),
        spec("model.norm.weight", DType::kF32, {32}, float_bytes(DType::kF32, 32, 6)),
        spec("lm_head.weight", DType::kF32, {16, 32}, float_bytes(DType::kF32, 512, 7)),
    };
    std::string index = R"({"metadata":{"total_size":1},"weight_map":{)";
    bool first = true;
    for (auto* shard : {&shard1, &shard2}) {
      const std::string file = shard == &shard1 ? "model-00001-of-00002.safetensors"
                                                : "model-00002-of-00002.safetensors";
      for (const TensorSpec& t : *shard) {
        index += std::string(first ? "" : ",") + "\"" + t.name + "\":\"" + file + "\"";
        first = false;
        originals_[t.name] = t.data;
      }
      Expected<Bytes> bytes = build_safetensors(*shard);
      ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
      write_all(root / file, *bytes);
    }
    index += "}}";
    write_all(root / "model.safetensors.index.json", as_bytes(index));
    write_all(root / "config.json", as_bytes(R"({"hidden_size": 32, "num_layers": 2})"));
    write_all(root / "extra" / "deep" / "notes.txt", as_bytes("nested file\n"));
    write_all(root / "empty.txt", {});
    fs::create_directories(root / "empty_dir");
    ::chmod((root / "config.json").c_str(), 0640);
  }

  Bytes archive(const fs::path& input, TensorMode mode = TensorMode::kO0, unsigned threads = 1) {
    MemorySink sink;
    CheckpointArchiveOptions opts;
    opts.mode = mode;
    opts.threads = threads;
    const Status s = write_checkpoint_archive(input, sink, opts);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return std::move(sink.bytes());
  }

  // Relative path -> hash of every file, and the set of directories.
  static std::map<std::string, std::uint64_t> tree_hashes(const fs::path& root) {
    std::map<std::string, std::uint64_t> out;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      const std::string rel = e.path().lexically_relative(root).generic_string();
      out[rel] = e.is_directory() ? 0 : xxh64(read_all(e.path()));
    }
    return out;
  }

  fs::path dir_;
  std::map<std::string, Bytes> originals_;
};

TEST(CheckpointArchiveNames, TransformerLayer) {
  EXPECT_EQ(transformer_layer_of("model.layers.7.mlp.up_proj.weight"), 7u);
  EXPECT_EQ(transformer_layer_of("transformer.h.11.attn.c_attn.weight"), 11u);
  EXPECT_EQ(transformer_layer_of("blocks.3.norm.weight"), 3u);
  EXPECT_EQ(transformer_layer_of("layers.0.w"), 0u);
  EXPECT_FALSE(transformer_layer_of("model.embed_tokens.weight").has_value());
  EXPECT_FALSE(transformer_layer_of("graph.3.x").has_value());  // "h." must start a component
  EXPECT_FALSE(transformer_layer_of("model.layers.x.w").has_value());
  EXPECT_FALSE(transformer_layer_of("model.layers.12").has_value());  // no trailing component
}

TEST(CheckpointArchiveNames, TensorOptions) {
  EXPECT_EQ(*parse_checkpoint_tensor_options(""), TensorMode::kO0);
  EXPECT_EQ(*parse_checkpoint_tensor_options("mode=df11"), TensorMode::kDf11);
  EXPECT_EQ(*parse_checkpoint_tensor_options("mode=max"), TensorMode::kMax);
  EXPECT_FALSE(parse_checkpoint_tensor_options("dtype=fp16").ok());
  EXPECT_FALSE(parse_checkpoint_tensor_options("mode=fast").ok());
}

TEST_F(CheckpointArchiveTest, DirectoryRoundTripsInEveryMode) {
  for (TensorMode mode : {TensorMode::kO0, TensorMode::kDf11, TensorMode::kMax}) {
    SCOPED_TRACE(std::string(tensor_mode_name(mode)));
    const Bytes kmo = archive(dir_ / "ckpt", mode);
    const fs::path dest = dir_ / ("out_" + std::string(tensor_mode_name(mode)));
    fs::create_directories(dest);
    MemorySource source(kmo);
    const Status s = extract_checkpoint_archive(source, dest, {});
    ASSERT_TRUE(s.ok()) << s.to_string();
    EXPECT_EQ(tree_hashes(dest), tree_hashes(dir_ / "ckpt"));
    struct stat a {}, b {};
    ASSERT_EQ(::stat((dest / "config.json").c_str(), &a), 0);
    ASSERT_EQ(::stat((dir_ / "ckpt" / "config.json").c_str(), &b), 0);
    EXPECT_EQ(a.st_mode & 07777, 0640u);
    EXPECT_EQ(a.st_mtim.tv_sec, b.st_mtim.tv_sec);
    EXPECT_EQ(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);
  }
}

TEST_F(CheckpointArchiveTest, TensorBlocksAreUsed) {
  const Bytes kmo = archive(dir_ / "ckpt");
  MemorySource source(kmo);
  Expected<ArchiveInfo> info = read_archive_info(source);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  std::size_t tensor_blocks = 0;
  for (const BlockInfo& b : info->blocks) tensor_blocks += b.codec == CodecId::kTensor;
  EXPECT_GE(tensor_blocks, 4u);
}

TEST_F(CheckpointArchiveTest, IdenticalForAnyThreadCount) {
  const Bytes one = archive(dir_ / "ckpt", TensorMode::kO0, 1);
  const Bytes two = archive(dir_ / "ckpt", TensorMode::kO0, 2);
  ASSERT_FALSE(one.empty());
  EXPECT_EQ(one, two);
}

TEST_F(CheckpointArchiveTest, ReadTensorEqualsOriginal) {
  const Bytes kmo = archive(dir_ / "ckpt", TensorMode::kDf11);
  MemorySource source(kmo);
  auto reader = TensorReader::open(source);
  ASSERT_TRUE(reader.ok()) << reader.status().to_string();
  EXPECT_EQ((*reader)->tensors().size(), originals_.size());
  for (const auto& [name, bytes] : originals_) {
    SCOPED_TRACE(name);
    Expected<Bytes> got = (*reader)->read_tensor(name);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    EXPECT_EQ(*got, bytes);
    Bytes into(bytes.size());
    ASSERT_TRUE((*reader)->read_tensor_into(name, into).ok());
    EXPECT_EQ(into, bytes);
  }
  Bytes wrong(3);
  EXPECT_FALSE((*reader)->read_tensor_into("lm_head.weight", wrong).ok());
  EXPECT_FALSE((*reader)->read_tensor("no.such.tensor").ok());
}

TEST_F(CheckpointArchiveTest, ReadLayerReturnsTheBlocksTensors) {
  const Bytes kmo = archive(dir_ / "ckpt");
  MemorySource source(kmo);
  auto reader = TensorReader::open(source);
  ASSERT_TRUE(reader.ok()) << reader.status().to_string();
  for (std::uint64_t layer : {0u, 1u}) {
    auto tensors = (*reader)->read_layer(layer);
    ASSERT_TRUE(tensors.ok()) << tensors.status().to_string();
    std::size_t expected = 0;
    for (const auto& [name, bytes] : originals_) expected += transformer_layer_of(name) == layer;
    EXPECT_EQ(tensors->size(), expected);
    for (const auto& [name, bytes] : *tensors) {
      EXPECT_EQ(transformer_layer_of(name), layer);
      EXPECT_EQ(bytes, originals_[name]) << name;
    }
  }
  auto none = (*reader)->read_layer(99);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(CheckpointArchiveTest, SpecialValuesSurvive) {
  const Bytes kmo = archive(dir_ / "ckpt", TensorMode::kMax);
  MemorySource source(kmo);
  auto reader = TensorReader::open(source);
  ASSERT_TRUE(reader.ok()) << reader.status().to_string();
  EXPECT_EQ(*(*reader)->read_tensor("model.layers.0.special"), special_bytes(DType::kBF16));
  EXPECT_EQ(*(*reader)->read_tensor("model.layers.1.special16"), special_bytes(DType::kF16));
  EXPECT_EQ(*(*reader)->read_tensor("model.layers.1.special32"), special_bytes(DType::kF32));
}

TEST_F(CheckpointArchiveTest, SingleFileArchive) {
  const fs::path file = dir_ / "ckpt" / "model-00002-of-00002.safetensors";
  const Bytes kmo = archive(file);
  MemorySource listing(kmo);
  Expected<ArchiveInfo> info = read_archive_info(listing);
  ASSERT_TRUE(info.ok());
  Expected<std::vector<EntryInfo>> entries = read_entries(listing, *info, {});
  ASSERT_TRUE(entries.ok());
  ASSERT_TRUE(is_single_file_archive(*entries));
  EXPECT_EQ((*entries)[0].path, "model-00002-of-00002.safetensors");
  MemorySource source(kmo);
  MemorySink out;
  Expected<EntryInfo> entry = extract_single_file(source, out, {});
  ASSERT_TRUE(entry.ok()) << entry.status().to_string();
  EXPECT_EQ(out.bytes(), read_all(file));
}

TEST_F(CheckpointArchiveTest, DirectoryArchiveIsNotASingleFile) {
  const Bytes kmo = archive(dir_ / "ckpt");
  MemorySource source(kmo);
  MemorySink out;
  EXPECT_FALSE(extract_single_file(source, out, {}).ok());
}

TEST_F(CheckpointArchiveTest, CorruptArchiveFails) {
  Bytes kmo = archive(dir_ / "ckpt");
  kmo[kmo.size() / 2] ^= 0x40;
  const fs::path dest = dir_ / "bad";
  fs::create_directories(dest);
  MemorySource source(kmo);
  EXPECT_FALSE(extract_checkpoint_archive(source, dest, {}).ok());
}

TEST_F(CheckpointArchiveTest, RefusesToOverwriteAnExistingFile) {
  const Bytes kmo = archive(dir_ / "ckpt");
  const fs::path dest = dir_ / "busy";
  write_all(dest / "config.json", as_bytes("mine"));
  MemorySource source(kmo);
  EXPECT_FALSE(extract_checkpoint_archive(source, dest, {}).ok());
  EXPECT_EQ(read_all(dest / "config.json"), Bytes({'m', 'i', 'n', 'e'}));
}

TEST_F(CheckpointArchiveTest, NotACheckpoint) {
  fs::create_directories(dir_ / "plain");
  write_all(dir_ / "plain" / "a.txt", as_bytes("x"));
  MemorySink sink;
  EXPECT_FALSE(write_checkpoint_archive(dir_ / "plain", sink, {}).ok());
}

}  // namespace
}  // namespace kolmo::tensor
