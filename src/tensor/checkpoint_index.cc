// Parsing model.safetensors.index.json with nlohmann-json, without exceptions: the non-throwing
// parse, a callback that catches duplicate keys (which nlohmann would silently resolve to the last
// one; for weight_map that would hide a tensor mapped to two shards), and type checks before
// every access.
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "tensor/checkpoint.h"
#include "tensor/safetensors_json.h"

namespace kolmo::tensor {
namespace {

using Json = nlohmann::ordered_json;

// A shard must be a plain file name in the checkpoint directory: no way out of it.
Status check_shard_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." ||
      name.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
    return corrupt_data("checkpoint index: shard name " + quote_name(name) +
                        " is not a plain file name");
  }
  return ok_status();
}

Expected<Json> parse_json_strict(std::string_view text) {
  std::vector<std::unordered_set<std::string>> open_objects;
  std::string duplicate;
  bool has_duplicate = false;
  const Json::parser_callback_t on_event = [&](int /*depth*/, Json::parse_event_t event,
                                               Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == Json::parse_event_t::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == Json::parse_event_t::key && !open_objects.empty() && parsed.is_string()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second && !has_duplicate) {
        has_duplicate = true;
        duplicate = key;
      }
    }
    return true;
  };
  Json json = Json::parse(text.begin(), text.end(), on_event, /*allow_exceptions=*/false);
  if (json.is_discarded()) return corrupt_data("checkpoint index: invalid JSON");
  if (has_duplicate) return corrupt_data("checkpoint index: duplicate key " + quote_name(duplicate));
  return json;
}

Expected<std::optional<std::uint64_t>> read_total_size(const Json& root) {
  const auto metadata = root.find("metadata");
  if (metadata == root.end() || metadata->is_null()) return std::optional<std::uint64_t>();
  if (!metadata->is_object()) return corrupt_data("checkpoint index: metadata is not an object");
  const auto total = metadata->find("total_size");
  if (total == metadata->end()) return std::optional<std::uint64_t>();
  if (!total->is_number_unsigned()) {
    return corrupt_data("checkpoint index: metadata.total_size is not a non-negative integer");
  }
  return std::optional<std::uint64_t>(total->get<std::uint64_t>());
}

}  // namespace

Expected<CheckpointIndex> parse_checkpoint_index(std::string_view json_text) {
  KOLMO_ASSIGN_OR_RETURN(const Json root, parse_json_strict(json_text));
  if (!root.is_object()) return corrupt_data("checkpoint index: not a JSON object");
  CheckpointIndex index;
  KOLMO_ASSIGN_OR_RETURN(index.total_size, read_total_size(root));
  const auto weight_map = root.find("weight_map");
  if (weight_map == root.end() || !weight_map->is_object()) {
    return corrupt_data("checkpoint index: weight_map is missing or not an object");
  }
  for (const auto& [tensor, shard] : weight_map->items()) {
    if (!shard.is_string()) {
      return corrupt_data("checkpoint index: weight_map entry " + quote_name(tensor) +
                          " is not a string");
    }
    const auto& shard_name = shard.get_ref<const std::string&>();
    KOLMO_RETURN_IF_ERROR(check_shard_name(shard_name));
    index.weight_map.emplace_back(tensor, shard_name);
  }
  return index;
}

}  // namespace kolmo::tensor
