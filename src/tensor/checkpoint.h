// A model checkpoint on disk: a directory of safetensors shards with a
// model.safetensors.index.json (the Hugging Face sharded layout), a directory with a single
// model.safetensors, or one .safetensors file. Besides the shards, a directory holds config,
// tokenizer and other files; the archive stores all of them, so the checkpoint lists every file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kolmo/status.h"
#include "tensor/safetensors.h"

namespace kolmo::tensor {

inline constexpr std::string_view kCheckpointIndexName = "model.safetensors.index.json";
inline constexpr std::string_view kSingleShardName = "model.safetensors";
// Index files of real checkpoints are kilobytes; anything this large is not one.
inline constexpr std::uint64_t kMaxCheckpointIndexBytes = std::uint64_t{64} << 20;

struct CheckpointIndex {
  // Tensor name -> shard file name, in the order of the index file.
  std::vector<std::pair<std::string, std::string>> weight_map;
  std::optional<std::uint64_t> total_size;  // metadata.total_size when present
};

struct CheckpointShard {
  std::string file;  // relative to Checkpoint::root
  std::uint64_t file_size = 0;
  SafetensorsHeader header;
};

struct Checkpoint {
  std::filesystem::path root;      // the directory holding every file below
  std::vector<std::string> files;  // every regular file, relative to root, '/'-separated, sorted
  std::vector<CheckpointShard> shards;  // sorted by file name
  std::optional<CheckpointIndex> index;  // when the checkpoint has an index file

  std::size_t tensor_count() const;
  std::uint64_t tensor_bytes() const;  // sum over all shards of the tensor sizes
};

// Parses model.safetensors.index.json text. Rejects bad JSON, duplicate keys, a missing or
// malformed weight_map, shard names that are not plain file names (path separators, "..").
Expected<CheckpointIndex> parse_checkpoint_index(std::string_view json_text);

// Opens a checkpoint directory (with an index, else with model.safetensors) or a single
// safetensors file, parses every shard header and checks the index against them: every shard
// exists, every weight_map tensor is in its shard and every shard tensor is in the weight_map
// under that shard. metadata.total_size is recorded, not enforced (writers disagree on it).
Expected<Checkpoint> open_checkpoint(const std::filesystem::path& path);

}  // namespace kolmo::tensor
