// Checkpoint directories: the sharded layout with its index, a single model.safetensors, a single
// file, and the inconsistencies and path tricks that must be refused.
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tensor/checkpoint.h"
#include "tensor/safetensors_writer.h"
#include "tensor_test_util.h"

namespace kolmo::tensor {
namespace {

namespace fs = std::filesystem;
using testing::has_error;
using testing::pattern_bytes;

// A fresh directory under the system temp dir, removed with everything in it afterwards.
class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "kolmo_ckpt_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void write(const std::string& name, const Bytes& bytes) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream f(dir_ / name, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  void write(const std::string& name, std::string_view text) {
    write(name, Bytes(text.begin(), text.end()));
  }
  void write_shard(const std::string& name, const std::vector<std::string>& tensors) {
    std::vector<TensorSpec> specs;
    for (const std::string& t : tensors) specs.push_back({t, DType::kBF16, {2, 3}, pattern_bytes(12)});
    Expected<Bytes> file = build_safetensors(specs);
    ASSERT_TRUE(file.ok());
    write(name, *file);
  }
  // Two shards, an index, and the other files a model directory has.
  void write_sharded_model(const std::string& index) {
    write_shard("model-00001-of-00002.safetensors", {"a", "b"});
    write_shard("model-00002-of-00002.safetensors", {"c"});
    write(std::string(kCheckpointIndexName), index);
    write("config.json", "{}");
    write("tokenizer/vocab.txt", "hello\n");
  }

  fs::path dir_;
};

constexpr std::string_view kIndex = R"({
  "metadata": {"total_size": 36},
  "weight_map": {
    "b": "model-00001-of-00002.safetensors",
    "a": "model-00001-of-00002.safetensors",
    "c": "model-00002-of-00002.safetensors"
  }
})";

TEST_F(CheckpointTest, ShardedDirectory) {
  write_sharded_model(std::string(kIndex));
  Expected<Checkpoint> c = open_checkpoint(dir_);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->files, (std::vector<std::string>{"config.json", "model-00001-of-00002.safetensors",
                                                "model-00002-of-00002.safetensors",
                                                "model.safetensors.index.json",
                                                "tokenizer/vocab.txt"}));
  ASSERT_EQ(c->shards.size(), 2u);
  EXPECT_EQ(c->shards[0].file, "model-00001-of-00002.safetensors");
  EXPECT_EQ(c->shards[0].file_size, fs::file_size(dir_ / c->shards[0].file));
  EXPECT_EQ(c->shards[1].header.tensors.size(), 1u);
  ASSERT_TRUE(c->index.has_value());
  EXPECT_EQ(c->index->total_size, 36u);
  EXPECT_EQ(c->index->weight_map.front().first, "b");  // index order is kept
  EXPECT_EQ(c->tensor_count(), 3u);
  EXPECT_EQ(c->tensor_bytes(), 36u);
}

TEST_F(CheckpointTest, MissingShard) {
  write_sharded_model(std::string(kIndex));
  fs::remove(dir_ / "model-00002-of-00002.safetensors");
  EXPECT_TRUE(has_error(open_checkpoint(dir_).status(), StatusCode::kCorruptData,
                        "shard 'model-00002-of-00002.safetensors' named in "
                        "model.safetensors.index.json does not exist"));
}

TEST_F(CheckpointTest, TensorMissingFromItsShard) {
  write_sharded_model(R"({"weight_map": {"a": "model-00001-of-00002.safetensors",
      "b": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors",
      "d": "model-00002-of-00002.safetensors"}})");
  EXPECT_TRUE(has_error(open_checkpoint(dir_).status(), StatusCode::kCorruptData,
                        "tensor 'd' is not in model-00002-of-00002.safetensors"));
}

TEST_F(CheckpointTest, TensorInTheWrongShard) {
  write_sharded_model(R"({"weight_map": {"a": "model-00001-of-00002.safetensors",
      "b": "model-00002-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}})");
  EXPECT_TRUE(has_error(open_checkpoint(dir_).status(), StatusCode::kCorruptData,
                        "holds tensor 'b', which the weight_map puts in "
                        "model-00002-of-00002.safetensors"));
}

TEST_F(CheckpointTest, ShardTensorNotInTheWeightMap) {
  write_sharded_model(R"({"weight_map": {"a": "model-00001-of-00002.safetensors",
      "c": "model-00002-of-00002.safetensors"}})");
  EXPECT_TRUE(has_error(open_checkpoint(dir_).status(), StatusCode::kCorruptData,
                        "holds tensor 'b', which the weight_map does not list"));
}

TEST_F(CheckpointTest, CorruptShardIsNamed) {
  write_sharded_model(std::string(kIndex));
  write("model-00002-of-00002.safetensors", "garbage!garbage!");
  EXPECT_TRUE(has_error(open_checkpoint(dir_).status(), StatusCode::kCorruptData,
                        "model-00002-of-00002.safetensors: "));
}

TEST_F(CheckpointTest, PathTraversalInShardNames) {
  write_shard("model.safetensors", {"a"});
  for (const char* shard : {"../model.safetensors", "sub/model.safetensors", "..",
                            "/etc/passwd", "a\\\\b", ""}) {
    write(std::string(kCheckpointIndexName),
          std::string(R"({"weight_map": {"a": ")") + shard + "\"}}");
    EXPECT_TRUE(has_error(open_checkpoint(dir_).status(), StatusCode::kCorruptData,
                          "is not a plain file name"))
        << shard;
  }
}

TEST_F(CheckpointTest, SingleModelFileDirectory) {
  write_shard("model.safetensors", {"w"});
  write("config.json", "{}");
  Expected<Checkpoint> c = open_checkpoint(dir_);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_FALSE(c->index.has_value());
  ASSERT_EQ(c->shards.size(), 1u);
  EXPECT_EQ(c->shards[0].file, "model.safetensors");
  EXPECT_EQ(c->files.size(), 2u);
}

TEST_F(CheckpointTest, SingleFilePath) {
  write_shard("weights.safetensors", {"w", "v"});
  write("other.txt", "not part of it");
  Expected<Checkpoint> c = open_checkpoint(dir_ / "weights.safetensors");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->root, dir_);
  EXPECT_EQ(c->files, std::vector<std::string>{"weights.safetensors"});
  EXPECT_EQ(c->tensor_count(), 2u);
}

TEST_F(CheckpointTest, DirectoryWithoutModel) {
  write("config.json", "{}");
  EXPECT_TRUE(has_error(open_checkpoint(dir_).status(), StatusCode::kInvalidArgument,
                        "holds neither"));
  EXPECT_TRUE(has_error(open_checkpoint(dir_ / "absent").status(), StatusCode::kIoError,
                        "absent"));
}

TEST_F(CheckpointTest, DanglingLinkIsNotSilentlySkipped) {
  write_shard("model.safetensors", {"w"});
  fs::create_symlink(dir_ / "nowhere", dir_ / "dangling");
  EXPECT_TRUE(has_error(open_checkpoint(dir_).status(), StatusCode::kUnsupported, "dangling"));
}

TEST(CheckpointIndex, ParsesWeightMapAndTotalSize) {
  Expected<CheckpointIndex> index = parse_checkpoint_index(kIndex);
  ASSERT_TRUE(index.ok()) << index.status().to_string();
  EXPECT_EQ(index->weight_map.size(), 3u);
  EXPECT_EQ(index->total_size, 36u);
  Expected<CheckpointIndex> bare = parse_checkpoint_index(R"({"weight_map":{}})");
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(bare->total_size.has_value());
}

TEST(CheckpointIndex, RefusesMalformedIndexes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "invalid JSON"},
      {"[]", "not a JSON object"},
      {R"({"metadata":{}})", "weight_map is missing"},
      {R"({"weight_map":[]})", "weight_map is missing or not an object"},
      {R"({"weight_map":{"a":1}})", "weight_map entry 'a' is not a string"},
      {R"({"weight_map":{"a":"x","a":"y"}})", "duplicate key 'a'"},
      {R"({"weight_map":{},"weight_map":{}})", "duplicate key 'weight_map'"},
      {R"({"metadata":{"total_size":-1},"weight_map":{}})", "total_size"},
      {R"({"metadata":{"total_size":"1"},"weight_map":{}})", "total_size"},
      {R"({"metadata":3,"weight_map":{}})", "metadata is not an object"},
  };
  for (const auto& [text, fragment] : cases) {
    EXPECT_TRUE(has_error(parse_checkpoint_index(text).status(), StatusCode::kCorruptData,
                          fragment))
        << text;
  }
}

}  // namespace
}  // namespace kolmo::tensor
