// Decode-for-inference access to a checkpoint archive: list its tensors and decode one tensor,
// or one transformer block, without reading the rest. Each safetensors entry's header is parsed
// from the entry's first bytes (its own zstd block); a tensor then costs only the blocks that
// cover it, which the archive's index locates.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kolmo/archive.h"
#include "kolmo/container.h"
#include "kolmo/io.h"
#include "kolmo/status.h"
#include "tensor/safetensors.h"

namespace kolmo::tensor {

struct ArchivedTensor {
  TensorInfo info;            // offset relative to its file's data section
  std::size_t entry = 0;      // index into TensorReader::entries()
  std::uint64_t file_offset = 0;  // where its bytes start in the entry's file
};

class TensorReader {
 public:
  // Reads the archive's index and every safetensors header. `file` must outlive the reader.
  static Expected<std::unique_ptr<TensorReader>> open(const RandomAccessSource& file,
                                                      const DecompressOptions& opts = {});
  // The same from a path; the reader owns the descriptor.
  static Expected<std::unique_ptr<TensorReader>> open(const std::filesystem::path& path,
                                                      const DecompressOptions& opts = {});
  ~TensorReader();
  TensorReader(const TensorReader&) = delete;
  TensorReader& operator=(const TensorReader&) = delete;

  const std::vector<EntryInfo>& entries() const { return entries_; }
  // Every tensor of every safetensors entry, in entry order, then file order.
  const std::vector<ArchivedTensor>& tensors() const { return tensors_; }
  const ArchivedTensor* find(std::string_view name) const;

  Expected<Bytes> read_tensor(std::string_view name) const;
  // `out` must be exactly the tensor's size.
  Status read_tensor_into(std::string_view name, MutableByteSpan out) const;
  // Reads decode only the blocks that cover the tensors, up to opts.threads blocks at once.
  // All tensors of transformer block n (names as transformer_layer_of reads them), in order.
  Expected<std::vector<std::pair<std::string, Bytes>>> read_layer(std::uint64_t n) const;

 private:
  TensorReader() = default;
  Status load(const RandomAccessSource& file, const DecompressOptions& opts);
  Status load_entry(std::size_t index);

  struct Owned;
  std::unique_ptr<Owned> owned_;  // the descriptor when opened from a path
  const RandomAccessSource* file_ = nullptr;
  DecompressOptions opts_;
  ArchiveInfo info_;
  std::vector<EntryInfo> entries_;
  std::vector<ArchivedTensor> tensors_;
  std::unordered_map<std::string, std::size_t> by_name_;
};

}  // namespace kolmo::tensor
