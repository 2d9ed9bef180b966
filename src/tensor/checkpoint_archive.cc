// Writing checkpoint archives: which files become entries, and where blocks start.
#include "tensor/checkpoint_archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <system_error>

#include "kolmo/codec.h"
#include "kolmo/hash.h"
#include "tensor/checkpoint.h"
#include "tensor/safetensors.h"

#include "tensor/open_file.h"

namespace kolmo::tensor {
namespace fs = std::filesystem;
namespace {

// One block to be: a contiguous byte range of the file and the encoder for it.
struct Piece {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  const BlockEncoder* encoder = nullptr;
};

// Encoders by spec, created once and kept until the writer has finished (it needs them then).
class EncoderCache {
 public:
  Expected<const BlockEncoder*> get(const std::string& spec) {
    auto it = encoders_.find(spec);
    if (it == encoders_.end()) {
      KOLMO_ASSIGN_OR_RETURN(std::unique_ptr<BlockEncoder> e, make_encoder(spec, 0));
      it = encoders_.emplace(spec, std::move(e)).first;
    }
    return it->second.get();
  }

 private:
  std::map<std::string, std::unique_ptr<BlockEncoder>> encoders_;
};

std::string_view tensor_dtype_option(DType d) {
  switch (d) {
    case DType::kBF16: return "bf16";
    case DType::kF16: return "fp16";
    case DType::kF32: return "fp32";
    default: return "";
  }
}

// Cuts [offset, offset + size) into pieces of at most `limit` bytes.
void append_pieces(std::vector<Piece>& out, std::uint64_t offset, std::uint64_t size,
                   std::uint64_t limit, const BlockEncoder* encoder) {
  while (size > 0) {
    const std::uint64_t n = std::min(size, limit);
    out.push_back({offset, n, encoder});
    offset += n;
    size -= n;
  }
}

// Layout ranges [first, last) of one group, cut at tensor boundaries (see kMinTensorBlockBytes).
void append_tensor_pieces(std::vector<Piece>& out, const SafetensorsHeader& h, std::size_t first,
                          std::size_t last, std::uint64_t data_offset,
                          const BlockEncoder* encoder) {
  std::uint64_t start = h.layout[first].offset;
  std::uint64_t end = start;
  for (std::size_t k = first; k < last; ++k) {
    // Zero-size tensors place no bytes (and their offsets need not be in order).
    if (h.layout[k].size != 0) end = h.layout[k].offset + h.layout[k].size;
    if ((end - start >= kMinTensorBlockBytes || k + 1 == last) && end > start) {
      append_pieces(out, data_offset + start, end - start, kTensorBlockBytes, encoder);
      start = end;
    }
  }
}

// What a run of consecutive layout ranges shares: the spec that codes it and, for tensors, the
// transformer block (a run never crosses blocks, so one layer decodes alone).
struct GroupKey {
  std::string spec;
  std::optional<std::uint64_t> layer;
  bool mergeable = true;  // false: a float tensor outside any block stands alone

  bool joins(const GroupKey& next) const {
    return mergeable && next.mergeable && spec == next.spec && layer == next.layer;
  }
};

GroupKey key_of(const SafetensorsHeader& h, const DataRange& r, TensorMode mode) {
  if (!r.is_tensor()) return {"zstd", std::nullopt, true};
  const TensorInfo& t = h.tensors[r.tensor];
  const std::string_view dtype = tensor_dtype_option(t.dtype);
  if (dtype.empty()) return {"zstd", std::nullopt, true};
  GroupKey key;
  key.spec = "tensor:dtype=" + std::string(dtype) + ",mode=" + std::string(tensor_mode_name(mode));
  key.layer = transformer_layer_of(t.name);
  key.mergeable = key.layer.has_value();
  return key;
}

Expected<std::vector<Piece>> safetensors_pieces(const SafetensorsHeader& h, TensorMode mode,
                                                EncoderCache& encoders) {
  std::vector<Piece> pieces;
  KOLMO_ASSIGN_OR_RETURN(const BlockEncoder* zstd, encoders.get("zstd"));
  append_pieces(pieces, 0, h.data_offset(), kOtherBlockBytes, zstd);
  std::size_t i = 0;
  while (i < h.layout.size()) {
    if (h.layout[i].size == 0) {  // zero-size tensors have no bytes to place
      ++i;
      continue;
    }
    const GroupKey key = key_of(h, h.layout[i], mode);
    const std::uint64_t start = h.layout[i].offset;
    std::uint64_t end = start + h.layout[i].size;
    std::size_t j = i + 1;
    for (; j < h.layout.size(); ++j) {
      if (h.layout[j].size == 0) continue;
      if (!key.joins(key_of(h, h.layout[j], mode))) break;
      end = h.layout[j].offset + h.layout[j].size;
    }
    KOLMO_ASSIGN_OR_RETURN(const BlockEncoder* encoder, encoders.get(key.spec));
    if (key.spec == "zstd") {
      append_pieces(pieces, h.data_offset() + start, end - start, kOtherBlockBytes, encoder);
    } else if (mode == TensorMode::kDf11) {
      // 64 MiB is a multiple of every element size, so a cut never splits an element.
      append_pieces(pieces, h.data_offset() + start, end - start, kTensorGroupBlockBytes, encoder);
    } else {
      append_tensor_pieces(pieces, h, i, j, h.data_offset(), encoder);
    }
    i = j;
  }
  return pieces;
}

struct FileJob {
  std::string entry;  // '/'-separated, relative
  fs::path path;
  std::optional<SafetensorsHeader> header;  // for safetensors files
};

struct DirJob {
  std::string entry;
  fs::path path;
};

std::int64_t mtime_ns(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

Status stat_error(const fs::path& p) {
  return io_error("cannot stat " + p.string() + ": " + std::strerror(errno));
}

// Every directory below root (not following links), sorted: they become directory entries so
// that empty ones and their modes survive.
Expected<std::vector<DirJob>> list_directories(const fs::path& root) {
  std::vector<DirJob> dirs;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, ec);
  if (ec) return io_error("cannot list " + root.string() + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return io_error("cannot list " + root.string() + ": " + ec.message());
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      dirs.push_back({it->path().lexically_relative(root).generic_string(), it->path()});
    }
  }
  std::sort(dirs.begin(), dirs.end(), [](const DirJob& a, const DirJob& b) {
    return a.entry < b.entry;
  });
  return dirs;
}

Expected<std::vector<FileJob>> plan_files(const Checkpoint& cp) {
  std::vector<FileJob> jobs;
  for (const std::string& f : cp.files) {
    FileJob job{f, cp.root / f, std::nullopt};
    for (const CheckpointShard& s : cp.shards) {
      if (s.file == f) job.header = s.header;
    }
    // A stray .safetensors file outside the index still gets tensor blocks when it parses;
    // when it does not, it is stored as plain bytes (it is still restored exactly).
    if (!job.header && is_safetensors_name(f)) {
      OpenFile file(job.path);
      if (file.fd() < 0) return io_error("cannot open " + job.path.string() + ": " + std::strerror(errno));
      FdSource source(file.fd(), job.path.string());
      if (Expected<SafetensorsHeader> h = read_safetensors_header(source); h.ok()) {
        job.header = std::move(h).value();
      }
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

class Archiver {
 public:
  Archiver(ArchiveWriter& writer, EncoderCache& encoders, const CheckpointArchiveOptions& opts)
      : writer_(writer), encoders_(encoders), opts_(opts) {}

  Status add_directory(const DirJob& d) {
    struct stat st {};
    if (::stat(d.path.c_str(), &st) != 0) return stat_error(d.path);
    return writer_.add_directory(d.entry, st.st_mode & 07777, mtime_ns(st));
  }

  Status add_file(const FileJob& job) {
    OpenFile file(job.path);
    if (file.fd() < 0) return io_error("cannot open " + job.path.string() + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(file.fd(), &st) != 0) return stat_error(job.path);
    if (!S_ISREG(st.st_mode)) return unsupported(job.path.string() + " is not a regular file");
    const std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
    std::vector<Piece> pieces;
    if (job.header && job.header->file_size() == size) {
      KOLMO_ASSIGN_OR_RETURN(pieces, safetensors_pieces(*job.header, opts_.mode, encoders_));
    } else {
      KOLMO_ASSIGN_OR_RETURN(const BlockEncoder* zstd, encoders_.get("zstd"));
      append_pieces(pieces, 0, size, kOtherBlockBytes, zstd);
    }
    KOLMO_RETURN_IF_ERROR(writer_.begin_file(job.entry, st.st_mode & 07777, mtime_ns(st), size));
    FdSource source(file.fd(), job.path.string());
    Xxh64Stream hash;
    for (const Piece& p : pieces) {
      if (opts_.cancel != nullptr && opts_.cancel->load()) return cancelled("cancelled");
      // One block-sized read at a time: a shard is never held whole.
      Bytes data(p.size);
      KOLMO_RETURN_IF_ERROR(source.read_at(p.offset, data));
      hash.update(data);
      KOLMO_RETURN_IF_ERROR(writer_.add_block(std::move(data), *p.encoder));
    }
    if (opts_.digests != nullptr) opts_.digests->push_back({job.entry, size, hash.digest()});
    return ok_status();
  }

 private:
  ArchiveWriter& writer_;
  EncoderCache& encoders_;
  const CheckpointArchiveOptions& opts_;
};

}  // namespace

std::string_view tensor_mode_name(TensorMode mode) {
  switch (mode) {
    case TensorMode::kO0: return "o0";
    case TensorMode::kDf11: return "df11";
    case TensorMode::kMax: return "max";
  }
  return "o0";
}

Expected<TensorMode> parse_checkpoint_tensor_options(std::string_view options) {
  TensorMode mode = TensorMode::kO0;
  while (!options.empty()) {
    const std::size_t comma = options.find(',');
    const std::string_view item = options.substr(0, comma);
    options = comma == std::string_view::npos ? std::string_view() : options.substr(comma + 1);
    if (item == "mode=o0") {
      mode = TensorMode::kO0;
    } else if (item == "mode=df11") {
      mode = TensorMode::kDf11;
    } else if (item == "mode=max") {
      mode = TensorMode::kMax;
    } else if (item.substr(0, 6) == "dtype=") {
      return invalid_argument("tensor: dtype comes from each tensor of a checkpoint; give only mode=");
    } else {
      return invalid_argument("tensor: bad option '" + std::string(item) +
                              "' for a checkpoint (known: mode=o0|df11|max)");
    }
  }
  return mode;
}

std::optional<std::uint64_t> transformer_layer_of(std::string_view name) {
  for (const std::string_view marker : {"layers.", "h.", "blocks."}) {
    for (std::size_t pos = name.find(marker); pos != std::string_view::npos;
         pos = name.find(marker, pos + 1)) {
      if (pos != 0 && name[pos - 1] != '.') continue;  // "mlp.h." yes, "graph." no
      std::size_t i = pos + marker.size();
      std::uint64_t value = 0;
      std::size_t digits = 0;
      while (i < name.size() && name[i] >= '0' && name[i] <= '9' && digits < 9) {
        value = value * 10 + static_cast<std::uint64_t>(name[i] - '0');
        ++i;
        ++digits;
      }
      if (digits > 0 && i < name.size() && name[i] == '.') return value;
    }
  }
  return std::nullopt;
}

bool is_safetensors_name(std::string_view path) {
  constexpr std::string_view kExt = ".safetensors";
  return path.size() > kExt.size() && path.substr(path.size() - kExt.size()) == kExt;
}

Status write_checkpoint_archive(const fs::path& input, ByteSink& out,
                                const CheckpointArchiveOptions& opts) {
  KOLMO_ASSIGN_OR_RETURN(const Checkpoint cp, open_checkpoint(input));
  std::error_code ec;
  const bool is_dir = fs::is_directory(input, ec);
  std::vector<DirJob> dirs;
  if (is_dir) {
    KOLMO_ASSIGN_OR_RETURN(dirs, list_directories(cp.root));
  }
  KOLMO_ASSIGN_OR_RETURN(const std::vector<FileJob> files, plan_files(cp));
  ArchiveWriterOptions wopts;
  wopts.threads = opts.threads;
  wopts.progress = opts.progress;
  wopts.cancel = opts.cancel;
  for (const FileJob& f : files) {
    wopts.total_bytes += static_cast<std::uint64_t>(fs::file_size(f.path, ec));
  }
  // Declared before the writer: blocks still in flight when the writer is destroyed (after an
  // error) use these encoders, so they must be destroyed after it.
  EncoderCache encoders;
  KOLMO_ASSIGN_OR_RETURN(std::unique_ptr<ArchiveWriter> writer, make_archive_writer(out, wopts));
  Archiver archiver(*writer, encoders, opts);
  // Directories first (sorted, so parents precede children), then the files in sorted order.
  for (const DirJob& d : dirs) KOLMO_RETURN_IF_ERROR(archiver.add_directory(d));
  for (const FileJob& f : files) {
    KOLMO_RETURN_IF_ERROR(archiver.add_file(f).with_context(f.entry));
  }
  Expected<CompressStats> stats = writer->finish();
  return stats.status();
}

}  // namespace kolmo::tensor
