#include "tensor/safetensors_writer.h"

#include <algorithm>
#include <unordered_set>

#include "tensor/safetensors_json.h"

namespace kolmo::tensor {
namespace {

// The reference implementation aligns the data section to 8 bytes by padding the header.
constexpr std::size_t kHeaderAlignment = 8;

void append_u64_array(std::string& out, std::span<const std::uint64_t> values) {
  out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(values[i]);
  }
  out += ']';
}

Status check_spec(const TensorSpec& t, std::unordered_set<std::string_view>& names) {
  const std::string who = "tensor " + quote_name(t.name) + ": ";
  if (t.name == "__metadata__") return invalid_argument(who + "the name is reserved");
  if (!is_valid_utf8(t.name)) return invalid_argument(who + "the name is not valid UTF-8");
  if (!names.insert(t.name).second) return invalid_argument(who + "duplicate name");
  if (t.shape.size() > kMaxTensorRank) return invalid_argument(who + "too many dimensions");
  std::uint64_t size = dtype_size(t.dtype);
  for (const std::uint64_t dim : t.shape) {
    if (dim != 0 && size > UINT64_MAX / dim) return invalid_argument(who + "shape overflows");
    size *= dim;
  }
  if (size != t.data.size()) {
    return invalid_argument(who + "has " + std::to_string(t.data.size()) + " bytes, its shape " +
                            "and dtype need " + std::to_string(size));
  }
  return ok_status();
}

Status check_metadata(const std::vector<std::pair<std::string, std::string>>& metadata) {
  std::unordered_set<std::string_view> keys;
  for (const auto& [key, value] : metadata) {
    if (!is_valid_utf8(key) || !is_valid_utf8(value)) {
      return invalid_argument("__metadata__ entry " + quote_name(key) + " is not valid UTF-8");
    }
    if (!keys.insert(key).second) {
      return invalid_argument("duplicate __metadata__ key " + quote_name(key));
    }
  }
  return ok_status();
}

}  // namespace

Bytes safetensors_prefix(const SafetensorsHeader& header) {
  ByteWriter out;
  out.u64(header.header_bytes.size());
  out.bytes(header.header_bytes);
  return out.take();
}

Status SafetensorsWriter::write_prefix_once() {
  if (prefix_written_) return ok_status();
  prefix_written_ = true;
  return sink_.write(safetensors_prefix(header_));
}

Status SafetensorsWriter::write_data(ByteSpan bytes) {
  KOLMO_RETURN_IF_ERROR(write_prefix_once());
  if (bytes.size() > header_.data_size - written_) {
    return invalid_argument("safetensors writer: " + std::to_string(bytes.size()) +
                            " bytes would run past the data section (" +
                            std::to_string(header_.data_size - written_) + " bytes left)");
  }
  KOLMO_RETURN_IF_ERROR(sink_.write(bytes));
  written_ += bytes.size();
  // Zero-size ranges are passed over once the position reaches them.
  while (next_range_ < header_.layout.size()) {
    const DataRange& r = header_.layout[next_range_];
    if (written_ < r.offset + r.size) break;
    ++next_range_;
  }
  return ok_status();
}

Status SafetensorsWriter::write_range(ByteSpan bytes) {
  // Skip zero-size tensors sitting at the current position: they have nothing to write.
  while (next_range_ < header_.layout.size() && header_.layout[next_range_].size == 0) {
    ++next_range_;
  }
  if (next_range_ >= header_.layout.size()) {
    return invalid_argument("safetensors writer: every range is already written");
  }
  const DataRange& r = header_.layout[next_range_];
  if (written_ != r.offset || bytes.size() != r.size) {
    return invalid_argument("safetensors writer: range " + std::to_string(next_range_) +
                            " needs " + std::to_string(r.size) + " bytes at data offset " +
                            std::to_string(r.offset) + ", got " + std::to_string(bytes.size()) +
                            " at " + std::to_string(written_));
  }
  return write_data(bytes);
}

Status SafetensorsWriter::finish() {
  KOLMO_RETURN_IF_ERROR(write_prefix_once());
  if (written_ != header_.data_size) {
    return invalid_argument("safetensors writer: " + std::to_string(written_) + " of " +
                            std::to_string(header_.data_size) + " data bytes written");
  }
  return ok_status();
}

Expected<Bytes> assemble_safetensors(const SafetensorsHeader& header, ByteSpan data_section) {
  MemorySink sink;
  SafetensorsWriter writer(header, sink);
  KOLMO_RETURN_IF_ERROR(writer.write_data(data_section));
  KOLMO_RETURN_IF_ERROR(writer.finish());
  return std::move(sink.bytes());
}

Expected<Bytes> build_safetensors(
    std::span<const TensorSpec> tensors,
    const std::optional<std::vector<std::pair<std::string, std::string>>>& metadata) {
  std::unordered_set<std::string_view> names;
  for (const TensorSpec& t : tensors) KOLMO_RETURN_IF_ERROR(check_spec(t, names));
  if (metadata) KOLMO_RETURN_IF_ERROR(check_metadata(*metadata));

  std::string json = "{";
  if (metadata) {
    json += "\"__metadata__\":{";
    for (std::size_t i = 0; i < metadata->size(); ++i) {
      if (i > 0) json += ',';
      append_json_string(json, (*metadata)[i].first);
      json += ':';
      append_json_string(json, (*metadata)[i].second);
    }
    json += '}';
  }
  std::uint64_t offset = 0;
  for (const TensorSpec& t : tensors) {
    if (json.size() > 1) json += ',';
    append_json_string(json, t.name);
    json += ":{\"dtype\":\"";
    json += dtype_name(t.dtype);
    json += "\",\"shape\":";
    append_u64_array(json, t.shape);
    json += ",\"data_offsets\":";
    const std::uint64_t offsets[2] = {offset, offset + t.data.size()};
    append_u64_array(json, offsets);
    json += '}';
    offset += t.data.size();
  }
  json += '}';
  json.append((kHeaderAlignment - json.size() % kHeaderAlignment) % kHeaderAlignment, ' ');

  ByteWriter out;
  out.u64(json.size());
  out.bytes(as_bytes(json));
  for (const TensorSpec& t : tensors) out.bytes(t.data);
  return out.take();
}

}  // namespace kolmo::tensor
