// Writing safetensors files: byte-identical reproduction of a parsed file from its header and
// data ranges (what a decoder does), and building a new canonical file from tensors (for tests
// and tools).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kolmo/bytes.h"
#include "kolmo/io.h"
#include "kolmo/status.h"
#include "tensor/safetensors.h"

namespace kolmo::tensor {

// Everything before the data section: the 8-byte length and the exact header bytes.
Bytes safetensors_prefix(const SafetensorsHeader& header);

// Streams a file described by a parsed header into a sink: the prefix first, then the data
// section in any chunking, in layout order. finish() fails unless exactly data_size data bytes
// arrived, so a short or long reconstruction never passes silently. The header must outlive the
// writer.
class SafetensorsWriter {
 public:
  SafetensorsWriter(const SafetensorsHeader& header, ByteSink& sink)
      : header_(header), sink_(sink) {}

  // Writes the data section bytes that follow the ones written so far.
  Status write_data(ByteSpan bytes);
  // Writes the bytes of the next layout range, which must be exactly that range's size: the
  // checked form for writers that produce one tensor or gap at a time.
  Status write_range(ByteSpan bytes);
  Status finish();

  std::uint64_t data_written() const { return written_; }
  // Index of the layout range the next data byte belongs to (layout.size() when all are done).
  std::size_t next_range() const { return next_range_; }

 private:
  Status write_prefix_once();

  const SafetensorsHeader& header_;
  ByteSink& sink_;
  bool prefix_written_ = false;
  std::uint64_t written_ = 0;
  std::size_t next_range_ = 0;
};

// The whole file from a parsed header and its data section (data_size bytes).
Expected<Bytes> assemble_safetensors(const SafetensorsHeader& header, ByteSpan data_section);

struct TensorSpec {
  std::string name;
  DType dtype = DType::kU8;
  std::vector<std::uint64_t> shape;
  Bytes data;  // product(shape) * dtype_size(dtype) bytes
};

// A new file as the reference writer lays it out: compact JSON with "__metadata__" first (when
// given), the tensors in the given order packed back to back from offset 0, and the header padded
// with spaces to a multiple of 8 bytes. Unlike the reference, the order is the caller's (it sorts
// by dtype and name), so tests control the layout. Fails with kInvalidArgument on duplicate or
// non-UTF-8 names, "__metadata__" as a tensor name, or data of the wrong size.
Expected<Bytes> build_safetensors(
    std::span<const TensorSpec> tensors,
    const std::optional<std::vector<std::pair<std::string, std::string>>>& metadata =
        std::nullopt);

}  // namespace kolmo::tensor
