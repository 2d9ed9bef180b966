#include "tensor/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <unordered_map>

#include "kolmo/io.h"
#include "tensor/safetensors_json.h"

#include "tensor/open_file.h"

namespace kolmo::tensor {
namespace fs = std::filesystem;
namespace {

Status open_error(const fs::path& path) {
  return io_error("cannot open " + path.string() + ": " + std::strerror(errno));
}

// Every regular file below root (symbolic links to files included: Hugging Face caches are made
// of them). Anything the archive could not store faithfully is an error, not silently left out.
Expected<std::vector<std::string>> list_files(const fs::path& root) {
  std::vector<std::string> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, ec);
  if (ec) return io_error("cannot list " + root.string() + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return io_error("cannot list " + root.string() + ": " + ec.message());
    const fs::directory_entry& entry = *it;
    const fs::file_status target = entry.status(ec);
    if (ec) {
      std::error_code link_ec;
      if (entry.is_symlink(link_ec)) {
        return unsupported(entry.path().string() + " is a dangling symbolic link");
      }
      return io_error("cannot stat " + entry.path().string() + ": " + ec.message());
    }
    if (fs::is_regular_file(target)) {
      files.push_back(entry.path().lexically_relative(root).generic_string());
    } else if (!fs::is_directory(target) || entry.is_symlink(ec)) {
      // Directory links are not followed (they can loop); sockets, fifos, dangling links and
      // devices have no content to archive.
      return unsupported(entry.path().string() +
                         " is neither a regular file nor a directory (or links to a directory)");
    }
  }
  if (ec) return io_error("cannot list " + root.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

Expected<CheckpointShard> read_shard(const fs::path& root, const std::string& file) {
  const fs::path path = root / file;
  OpenFile f(path);
  if (f.fd() < 0) return open_error(path);
  FdSource source(f.fd(), path.string());
  if (!source.size_known()) return unsupported(path.string() + " is not a regular file");
  Expected<SafetensorsHeader> header = read_safetensors_header(source);
  if (!header.ok()) return header.status().with_context(file);
  return CheckpointShard{file, source.size(), std::move(header).value()};
}

Expected<std::string> read_index_text(const fs::path& path) {
  OpenFile f(path);
  if (f.fd() < 0) return open_error(path);
  FdSource source(f.fd(), path.string());
  if (!source.size_known()) return unsupported(path.string() + " is not a regular file");
  if (source.size() > kMaxCheckpointIndexBytes) {
    return limit_exceeded(path.string() + " has " + std::to_string(source.size()) +
                          " bytes, more than an index file may have");
  }
  std::string text(source.size(), '\0');
  KOLMO_RETURN_IF_ERROR(source.read_at(
      0, MutableByteSpan(reinterpret_cast<std::uint8_t*>(text.data()), text.size())));
  return text;
}

// Every weight_map tensor is in the shard it names, and every shard tensor is listed there.
Status check_index_against_shards(const CheckpointIndex& index,
                                  const std::vector<CheckpointShard>& shards) {
  std::unordered_map<std::string_view, std::string_view> shard_of;
  for (const auto& [tensor, shard] : index.weight_map) shard_of.emplace(tensor, shard);
  for (const CheckpointShard& shard : shards) {
    for (const TensorInfo& t : shard.header.tensors) {
      const auto it = shard_of.find(t.name);
      if (it == shard_of.end()) {
        return corrupt_data(shard.file + " holds tensor " + quote_name(t.name) +
                            ", which the weight_map does not list");
      }
      if (it->second != shard.file) {
        return corrupt_data(shard.file + " holds tensor " + quote_name(t.name) +
                            ", which the weight_map puts in " + std::string(it->second));
      }
    }
  }
  for (const auto& entry : index.weight_map) {
    // Not a structured binding: clang 14 cannot capture those in a lambda.
    const std::string& tensor = entry.first;
    const std::string& shard_name = entry.second;
    const auto shard = std::find_if(shards.begin(), shards.end(), [&](const CheckpointShard& s) {
      return s.file == shard_name;
    });
    if (shard == shards.end() || shard->header.find(tensor) < 0) {
      return corrupt_data("tensor " + quote_name(tensor) + " is not in " + shard_name +
                          ", where the weight_map puts it");
    }
  }
  return ok_status();
}

Expected<Checkpoint> open_sharded(Checkpoint checkpoint) {
  const fs::path index_path = checkpoint.root / kCheckpointIndexName;
  KOLMO_ASSIGN_OR_RETURN(const std::string text, read_index_text(index_path));
  KOLMO_ASSIGN_OR_RETURN(CheckpointIndex index, parse_checkpoint_index(text));
  std::vector<std::string> shard_names;
  for (const auto& entry : index.weight_map) shard_names.push_back(entry.second);
  std::sort(shard_names.begin(), shard_names.end());
  shard_names.erase(std::unique(shard_names.begin(), shard_names.end()), shard_names.end());
  for (const std::string& name : shard_names) {
    if (!std::binary_search(checkpoint.files.begin(), checkpoint.files.end(), name)) {
      return corrupt_data("shard " + quote_name(name) + " named in " +
                          std::string(kCheckpointIndexName) + " does not exist");
    }
    KOLMO_ASSIGN_OR_RETURN(CheckpointShard shard, read_shard(checkpoint.root, name));
    checkpoint.shards.push_back(std::move(shard));
  }
  KOLMO_RETURN_IF_ERROR(check_index_against_shards(index, checkpoint.shards));
  checkpoint.index = std::move(index);
  return checkpoint;
}

}  // namespace

std::size_t Checkpoint::tensor_count() const {
  std::size_t n = 0;
  for (const CheckpointShard& s : shards) n += s.header.tensors.size();
  return n;
}

std::uint64_t Checkpoint::tensor_bytes() const {
  std::uint64_t n = 0;
  for (const CheckpointShard& s : shards) n += s.header.tensor_bytes();
  return n;
}

Expected<Checkpoint> open_checkpoint(const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec) return io_error("cannot open " + path.string() + ": " + ec.message());
  Checkpoint checkpoint;
  if (fs::is_regular_file(status)) {
    checkpoint.root = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    const std::string name = path.filename().string();
    checkpoint.files.push_back(name);
    KOLMO_ASSIGN_OR_RETURN(CheckpointShard shard, read_shard(checkpoint.root, name));
    checkpoint.shards.push_back(std::move(shard));
    return checkpoint;
  }
  if (!fs::is_directory(status)) {
    return invalid_argument(path.string() + " is neither a file nor a directory");
  }
  checkpoint.root = path;
  KOLMO_ASSIGN_OR_RETURN(checkpoint.files, list_files(path));
  const auto has = [&](std::string_view name) {
    return std::binary_search(checkpoint.files.begin(), checkpoint.files.end(), name);
  };
  if (has(kCheckpointIndexName)) return open_sharded(std::move(checkpoint));
  if (has(kSingleShardName)) {
    KOLMO_ASSIGN_OR_RETURN(CheckpointShard shard,
                           read_shard(checkpoint.root, std::string(kSingleShardName)));
    checkpoint.shards.push_back(std::move(shard));
    return checkpoint;
  }
  return invalid_argument(path.string() + " holds neither " + std::string(kCheckpointIndexName) +
                          " nor " + std::string(kSingleShardName));
}

}  // namespace kolmo::tensor
