// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header length N, N bytes of JSON (an object of tensor name -> {dtype, shape, data_offsets} plus
// an optional "__metadata__" object of strings, padded with spaces), then the data section.
//
// The parser validates everything a codec relies on and records what byte-identical restoration
// needs: the exact header bytes (padding included) and the data section as an ordered list of
// ranges, tensors and the gaps between them, that together cover it exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kolmo/bytes.h"
#include "kolmo/io.h"
#include "kolmo/status.h"
#include "tensor/dtype.h"

namespace kolmo::tensor {

constexpr std::uint64_t kSafetensorsLengthBytes = 8;
// The reference implementation refuses larger headers; so do we, before allocating.
constexpr std::uint64_t kMaxSafetensorsHeaderBytes = std::uint64_t{100} << 20;
// PyTorch's limit on dimensions; anything deeper is garbage, not a tensor.
constexpr std::size_t kMaxTensorRank = 64;

struct TensorInfo {
  std::string name;
  DType dtype = DType::kU8;
  std::vector<std::uint64_t> shape;  // empty for a scalar
  std::uint64_t offset = 0;          // relative to the start of the data section
  std::uint64_t size = 0;            // bytes: product(shape) * dtype_size(dtype)

  std::uint64_t element_count() const { return size / dtype_size(dtype); }
};

// One piece of the data section: a tensor's bytes or bytes no tensor covers.
struct DataRange {
  enum class Kind : std::uint8_t { kTensor, kGap };
  Kind kind = Kind::kGap;
  std::uint64_t offset = 0;  // relative to the start of the data section
  std::uint64_t size = 0;
  std::size_t tensor = 0;  // index into SafetensorsHeader::tensors when kind == kTensor

  bool is_tensor() const { return kind == Kind::kTensor; }
};

struct SafetensorsHeader {
  // The N header bytes exactly as in the file (JSON plus trailing padding), without the length.
  Bytes header_bytes;
  std::uint64_t json_size = 0;  // header_bytes[0, json_size) is the JSON object, the rest spaces
  std::uint64_t data_size = 0;  // file size - 8 - N

  // In file order: sorted by offset (zero-size tensors before a tensor at the same offset, ties
  // in JSON order).
  std::vector<TensorInfo> tensors;
  // Indices into `tensors` in the order the names appear in the JSON.
  std::vector<std::size_t> json_order;
  // "__metadata__" entries in JSON order; has_metadata tells an empty object from none.
  std::vector<std::pair<std::string, std::string>> metadata;
  bool has_metadata = false;

  // Ordered, non-overlapping, covering [0, data_size) exactly. Zero-size tensors appear as
  // ranges of size 0; gaps never have size 0.
  std::vector<DataRange> layout;

  std::uint64_t data_offset() const { return kSafetensorsLengthBytes + header_bytes.size(); }
  std::uint64_t file_size() const { return data_offset() + data_size; }
  // True when the tensors cover every data byte (no gaps), as the reference writer produces.
  bool fully_covered() const;
  // Sum of all tensor sizes.
  std::uint64_t tensor_bytes() const;
  // Index into `tensors` of the tensor with this name, or -1.
  std::ptrdiff_t find(std::string_view name) const;
};

// Reads and validates the 8-byte header length of a file of file_size bytes.
Expected<std::uint64_t> parse_safetensors_header_length(ByteSpan first_bytes,
                                                        std::uint64_t file_size);

// Parses the header of a file of file_size bytes from its first bytes (at least 8 + N of them;
// the whole file is fine). Errors: kTruncated when the file is shorter than its header or its
// tensors say, kCorruptData for a header length above kMaxSafetensorsHeaderBytes, bad JSON or
// inconsistent tensors (the message names the tensor and the problem), kUnsupported for the
// sub-byte dtypes.
Expected<SafetensorsHeader> parse_safetensors_header(ByteSpan first_bytes,
                                                     std::uint64_t file_size);

// Same, reading just the header from a file or memory.
Expected<SafetensorsHeader> read_safetensors_header(const RandomAccessSource& file);

}  // namespace kolmo::tensor
