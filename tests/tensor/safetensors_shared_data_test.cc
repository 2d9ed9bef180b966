// The real sharded checkpoint in ../shared/data: every shard parses, agrees with the index, and
// comes back byte for byte when rewritten from its header and data ranges.
#include <gtest/gtest.h>

#include "kolmo/hash.h"
#include "tensor/checkpoint.h"
#include "tensor/safetensors_writer.h"
#include "test_data.h"

namespace kolmo::tensor {
namespace {

constexpr const char* kModelDir = "models/kolmo-lm-24m";

TEST(SafetensorsSharedData, ShardedModelMatchesItsIndex) {
  KOLMO_REQUIRE_DATA(data);
  const std::filesystem::path dir = data / kModelDir;
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " is absent";
  Expected<Checkpoint> c = open_checkpoint(dir);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  ASSERT_TRUE(c->index.has_value());
  EXPECT_EQ(c->shards.size(), 4u);
  EXPECT_EQ(c->tensor_count(), c->index->weight_map.size());
  ASSERT_TRUE(c->index->total_size.has_value());
  EXPECT_EQ(*c->index->total_size, 47727616u);
  EXPECT_EQ(c->tensor_bytes(), *c->index->total_size);
  for (const CheckpointShard& shard : c->shards) {
    for (const TensorInfo& t : shard.header.tensors) EXPECT_EQ(t.dtype, DType::kBF16) << t.name;
  }
  // Every file of the directory is listed, not only the shards.
  EXPECT_NE(std::find(c->files.begin(), c->files.end(), "config.json"), c->files.end());
}

TEST(SafetensorsSharedData, EveryShardRewritesByteIdentically) {
  KOLMO_REQUIRE_DATA(data);
  const std::filesystem::path dir = data / kModelDir;
  int shards = 0;
  for (const std::filesystem::path& path : kolmo::testing::files_below(dir)) {
    if (path.extension() != ".safetensors") continue;
    ++shards;
    const Bytes file = kolmo::testing::read_file(path);
    Expected<SafetensorsHeader> h = parse_safetensors_header(file, file.size());
    ASSERT_TRUE(h.ok()) << path << ": " << h.status().to_string();
    EXPECT_TRUE(h->fully_covered()) << path;
    MemorySink sink;
    SafetensorsWriter writer(*h, sink);
    const ByteSpan data_section = ByteSpan(file).subspan(h->data_offset());
    for (const DataRange& r : h->layout) {
      if (r.size == 0) continue;
      ASSERT_TRUE(writer.write_range(data_section.subspan(r.offset, r.size)).ok());
    }
    ASSERT_TRUE(writer.finish().ok());
    EXPECT_EQ(sink.bytes().size(), file.size()) << path;
    EXPECT_EQ(xxh64(sink.bytes()), xxh64(file)) << path;
  }
  if (shards == 0) GTEST_SKIP() << dir << " holds no shards";
  EXPECT_EQ(shards, 4);
}

}  // namespace
}  // namespace kolmo::tensor
