#include "tensor/tensor_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tensor/checkpoint_archive.h"

namespace kolmo::tensor {

// The descriptor and source of a reader opened from a path.
struct TensorReader::Owned {
  int fd = -1;
  std::unique_ptr<FdSource> source;
  ~Owned() {
    if (fd >= 0) ::close(fd);
  }
};

TensorReader::~TensorReader() = default;

Expected<std::unique_ptr<TensorReader>> TensorReader::open(const RandomAccessSource& file,
                                                           const DecompressOptions& opts) {
  std::unique_ptr<TensorReader> reader(new TensorReader());
  KOLMO_RETURN_IF_ERROR(reader->load(file, opts));
  return reader;
}

Expected<std::unique_ptr<TensorReader>> TensorReader::open(const std::filesystem::path& path,
                                                           const DecompressOptions& opts) {
  auto owned = std::make_unique<Owned>();
  owned->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (owned->fd < 0) return io_error("cannot open " + path.string() + ": " + std::strerror(errno));
  owned->source = std::make_unique<FdSource>(owned->fd, path.string());
  if (!owned->source->size_known()) return unsupported(path.string() + " is not a regular file");
  std::unique_ptr<TensorReader> reader(new TensorReader());
  const RandomAccessSource& file = *owned->source;
  reader->owned_ = std::move(owned);
  KOLMO_RETURN_IF_ERROR(reader->load(file, opts));
  return reader;
}

Status TensorReader::load(const RandomAccessSource& file, const DecompressOptions& opts) {
  file_ = &file;
  opts_ = opts;
  KOLMO_ASSIGN_OR_RETURN(info_, read_archive_info(file, opts));
  KOLMO_ASSIGN_OR_RETURN(entries_, read_entries(file, info_, opts));
  for (std::size_t i = 0; i < entries_.size(); ++i) KOLMO_RETURN_IF_ERROR(load_entry(i));
  return ok_status();
}

Status TensorReader::load_entry(std::size_t index) {
  const EntryInfo& e = entries_[index];
  if (e.kind != EntryKind::kFile || !is_safetensors_name(e.path)) return ok_status();
  if (e.size < kSafetensorsLengthBytes) return ok_status();
  KOLMO_ASSIGN_OR_RETURN(const Bytes length,
                         read_entry_range(*file_, info_, e, 0, kSafetensorsLengthBytes, opts_));
  Expected<std::uint64_t> n = parse_safetensors_header_length(length, e.size);
  // A file that is named .safetensors but is not one was archived as plain bytes: no tensors.
  if (!n.ok()) return ok_status();
  KOLMO_ASSIGN_OR_RETURN(
      const Bytes prefix,
      read_entry_range(*file_, info_, e, 0, kSafetensorsLengthBytes + *n, opts_));
  Expected<SafetensorsHeader> header = parse_safetensors_header(prefix, e.size);
  if (!header.ok()) return ok_status();
  for (const TensorInfo& t : header->tensors) {
    ArchivedTensor a{t, index, header->data_offset() + t.offset};
    // The first of two same-named tensors wins; sharded checkpoints never repeat a name.
    if (by_name_.emplace(t.name, tensors_.size()).second) tensors_.push_back(std::move(a));
  }
  return ok_status();
}

const ArchivedTensor* TensorReader::find(std::string_view name) const {
  const auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &tensors_[it->second];
}

Expected<Bytes> TensorReader::read_tensor(std::string_view name) const {
  const ArchivedTensor* t = find(name);
  if (t == nullptr) return invalid_argument("no tensor named '" + std::string(name) + "'");
  if (t->info.size == 0) return Bytes{};
  return read_entry_range(*file_, info_, entries_[t->entry], t->file_offset, t->info.size, opts_);
}

Status TensorReader::read_tensor_into(std::string_view name, MutableByteSpan out) const {
  const ArchivedTensor* t = find(name);
  if (t == nullptr) return invalid_argument("no tensor named '" + std::string(name) + "'");
  if (out.size() != t->info.size) {
    return invalid_argument("tensor '" + std::string(name) + "' has " +
                            std::to_string(t->info.size) + " bytes, the buffer " +
                            std::to_string(out.size()));
  }
  if (out.empty()) return ok_status();
  return read_entry_range_into(*file_, info_, entries_[t->entry], t->file_offset, out, opts_);
}

Expected<std::vector<std::pair<std::string, Bytes>>> TensorReader::read_layer(
    std::uint64_t n) const {
  std::vector<const ArchivedTensor*> layer;
  for (const ArchivedTensor& t : tensors_) {
    if (transformer_layer_of(t.info.name) == n) layer.push_back(&t);
  }
  // Tensors of one block lie back to back and share blocks: read each contiguous run once, so
  // that no block is decoded twice, then cut it into tensors.
  std::vector<std::pair<std::string, Bytes>> out;
  std::size_t i = 0;
  while (i < layer.size()) {
    std::size_t j = i + 1;
    std::uint64_t end = layer[i]->file_offset + layer[i]->info.size;
    while (j < layer.size() && layer[j]->entry == layer[i]->entry && layer[j]->file_offset == end) {
      end += layer[j]->info.size;
      ++j;
    }
    const std::uint64_t start = layer[i]->file_offset;
    Bytes run;
    if (end > start) {
      KOLMO_ASSIGN_OR_RETURN(run, read_entry_range(*file_, info_, entries_[layer[i]->entry], start,
                                                   end - start, opts_));
    }
    for (std::size_t k = i; k < j; ++k) {
      const auto from = run.begin() + static_cast<std::ptrdiff_t>(layer[k]->file_offset - start);
      out.emplace_back(layer[k]->info.name,
                       Bytes(from, from + static_cast<std::ptrdiff_t>(layer[k]->info.size)));
    }
    i = j;
  }
  return out;
}

}  // namespace kolmo::tensor
