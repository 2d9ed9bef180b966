#include "tensor/safetensors.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "tensor/safetensors_json.h"

namespace kolmo::tensor {
namespace {

std::string shape_string(const std::vector<std::uint64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::string range_string(std::uint64_t begin, std::uint64_t end) {
  // Appended piecewise: gcc 12 warns falsely (-Wrestrict) on "literal" + std::string.
  std::string s = "[";
  s += std::to_string(begin);
  s += ", ";
  s += std::to_string(end);
  s += ')';
  return s;
}

// Checks one entry on its own (dtype, shape, offsets against the data section size) and turns it
// into a TensorInfo.
Expected<TensorInfo> validate_entry(RawTensorEntry& raw, std::uint64_t data_size) {
  const std::string who = "tensor " + quote_name(raw.name) + ": ";
  const std::optional<DType> dtype = parse_dtype(raw.dtype);
  if (!dtype) {
    if (is_known_unsupported_dtype(raw.dtype)) {
      return unsupported(who + "dtype " + raw.dtype + " (sub-byte) is not supported");
    }
    return corrupt_data(who + "unknown dtype " + quote_name(raw.dtype));
  }
  // Like the reference implementation, any overflow on the way is an error, even if a later
  // zero dimension would bring the product back to 0.
  std::uint64_t size = dtype_size(*dtype);
  for (const std::uint64_t dim : raw.shape) {
    if (dim != 0 && size > UINT64_MAX / dim) {
      return corrupt_data(who + "shape " + shape_string(raw.shape) + " of " +
                          std::string(dtype_name(*dtype)) + " overflows 64 bits");
    }
    size *= dim;
  }
  if (raw.begin > raw.end) {
    return corrupt_data(who + "data_offsets " + range_string(raw.begin, raw.end) +
                        " end before they begin");
  }
  if (raw.end - raw.begin != size) {
    return corrupt_data(who + "data_offsets " + range_string(raw.begin, raw.end) +
                        " do not match dtype " + std::string(dtype_name(*dtype)) + " x shape " +
                        shape_string(raw.shape) + " (" + std::to_string(size) + " bytes)");
  }
  if (raw.end > data_size) {
    return truncated(who + "data_offsets " + range_string(raw.begin, raw.end) +
                     " reach past the end of the data section (" + std::to_string(data_size) +
                     " bytes)");
  }
  TensorInfo info;
  info.name = std::move(raw.name);
  info.dtype = *dtype;
  info.shape = std::move(raw.shape);
  info.offset = raw.begin;
  info.size = size;
  return info;
}

// Sorts tensors into file order, rejects overlaps and builds the layout with its gaps.
Status lay_out(std::vector<TensorInfo> json_tensors, SafetensorsHeader& header) {
  std::vector<std::size_t> order(json_tensors.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Zero-size tensors sort before a tensor starting at the same offset; stable keeps JSON order.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const TensorInfo& x = json_tensors[a];
    const TensorInfo& y = json_tensors[b];
    if (x.offset != y.offset) return x.offset < y.offset;
    return x.size < y.size;
  });
  header.json_order.assign(order.size(), 0);
  header.tensors.reserve(order.size());
  std::uint64_t covered_to = 0;  // end of the data bytes claimed so far
  const TensorInfo* last = nullptr;
  for (const std::size_t json_index : order) {
    TensorInfo& t = json_tensors[json_index];
    if (t.offset < covered_to) {
      // Also catches a zero-size tensor strictly inside another: it would break the layout order.
      return corrupt_data("tensors " + quote_name(last->name) + " " +
                          range_string(last->offset, last->offset + last->size) + " and " +
                          quote_name(t.name) + " " + range_string(t.offset, t.offset + t.size) +
                          " overlap");
    }
    if (t.offset > covered_to) {
      header.layout.push_back({DataRange::Kind::kGap, covered_to, t.offset - covered_to, 0});
    }
    header.json_order[json_index] = header.tensors.size();
    header.layout.push_back(
        {DataRange::Kind::kTensor, t.offset, t.size, header.tensors.size()});
    covered_to = t.offset + t.size;
    header.tensors.push_back(std::move(t));
    last = &header.tensors.back();
  }
  if (covered_to < header.data_size) {
    header.layout.push_back(
        {DataRange::Kind::kGap, covered_to, header.data_size - covered_to, 0});
  }
  return ok_status();
}

}  // namespace

bool SafetensorsHeader::fully_covered() const {
  return std::none_of(layout.begin(), layout.end(),
                      [](const DataRange& r) { return !r.is_tensor(); });
}

std::uint64_t SafetensorsHeader::tensor_bytes() const {
  std::uint64_t total = 0;
  for (const TensorInfo& t : tensors) total += t.size;
  return total;
}

std::ptrdiff_t SafetensorsHeader::find(std::string_view name) const {
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].name == name) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

Expected<std::uint64_t> parse_safetensors_header_length(ByteSpan first_bytes,
                                                        std::uint64_t file_size) {
  if (file_size < kSafetensorsLengthBytes || first_bytes.size() < kSafetensorsLengthBytes) {
    return truncated("a safetensors file starts with an 8-byte header length; the file has " +
                     std::to_string(std::min<std::uint64_t>(file_size, first_bytes.size())) +
                     " bytes");
  }
  const std::uint64_t n = load_le64(first_bytes.data());
  if (n > kMaxSafetensorsHeaderBytes) {
    return corrupt_data("safetensors header length " + std::to_string(n) +
                        " exceeds the maximum of " + std::to_string(kMaxSafetensorsHeaderBytes) +
                        " bytes");
  }
  if (n > file_size - kSafetensorsLengthBytes) {
    return truncated("safetensors header length " + std::to_string(n) + " exceeds the " +
                     std::to_string(file_size - kSafetensorsLengthBytes) +
                     " bytes that follow it");
  }
  return n;
}

Expected<SafetensorsHeader> parse_safetensors_header(ByteSpan first_bytes,
                                                     std::uint64_t file_size) {
  KOLMO_ASSIGN_OR_RETURN(const std::uint64_t n,
                         parse_safetensors_header_length(first_bytes, file_size));
  if (first_bytes.size() - kSafetensorsLengthBytes < n) {
    return truncated("safetensors header of " + std::to_string(n) + " bytes, but only " +
                     std::to_string(first_bytes.size() - kSafetensorsLengthBytes) +
                     " bytes of it are available");
  }
  const ByteSpan json = first_bytes.subspan(kSafetensorsLengthBytes, n);
  KOLMO_ASSIGN_OR_RETURN(
      RawHeader raw,
      parse_header_json({reinterpret_cast<const char*>(json.data()), json.size()}));

  SafetensorsHeader header;
  header.header_bytes.assign(json.begin(), json.end());
  header.json_size = raw.json_size;
  header.data_size = file_size - kSafetensorsLengthBytes - n;
  header.metadata = std::move(raw.metadata);
  header.has_metadata = raw.has_metadata;

  std::vector<TensorInfo> json_tensors;
  json_tensors.reserve(raw.tensors.size());
  for (RawTensorEntry& entry : raw.tensors) {
    KOLMO_ASSIGN_OR_RETURN(TensorInfo info, validate_entry(entry, header.data_size));
    json_tensors.push_back(std::move(info));
  }
  KOLMO_RETURN_IF_ERROR(lay_out(std::move(json_tensors), header));
  return header;
}

Expected<SafetensorsHeader> read_safetensors_header(const RandomAccessSource& file) {
  const std::uint64_t file_size = file.size();
  std::uint8_t length_bytes[kSafetensorsLengthBytes] = {};
  if (file_size >= kSafetensorsLengthBytes) {
    KOLMO_RETURN_IF_ERROR(file.read_at(0, length_bytes));
  }
  KOLMO_ASSIGN_OR_RETURN(
      const std::uint64_t n,
      parse_safetensors_header_length(ByteSpan(length_bytes, file_size >= 8 ? 8 : 0), file_size));
  // n is bounded by kMaxSafetensorsHeaderBytes and the file size, so this allocation is too.
  Bytes prefix(kSafetensorsLengthBytes + n);
  KOLMO_RETURN_IF_ERROR(file.read_at(0, prefix));
  return parse_safetensors_header(prefix, file_size);
}

}  // namespace kolmo::tensor
