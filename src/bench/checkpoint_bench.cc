#include "bench/checkpoint_bench.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <unordered_map>

#include "codecs/tensor/tensor_stats.h"
#include "kolmo/archive.h"
#include "kolmo/container.h"
#include "kolmo/io.h"
#include "tensor/checkpoint.h"
#include "tensor/checkpoint_archive.h"

namespace kolmo::bench {
namespace {

namespace fs = std::filesystem;

// "literal" + std::string temporary trips gcc 12's -Wrestrict false positive; append instead.
std::string quoted(std::string_view before, const fs::path& path, std::string_view after = "") {
  std::string text(before);
  text += '\'';
  text += path.string();
  text += '\'';
  text += after;
  return text;
}

Status read_file_into(const fs::path& path, std::uint64_t size, std::uint8_t* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(quoted("cannot open ", path));
  in.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(size));
  // Exactly `size` bytes: a file that changed size since it was listed is an error, not a
  // silently short benchmark input.
  if (static_cast<std::uint64_t>(in.gcount()) != size || in.peek() != std::char_traits<char>::eof()) {
    return io_error(quoted("", path, " changed size while being read"));
  }
  return ok_status();
}

// Lists the checkpoint's files with their offsets and reads them into one buffer.
Status read_files(const tensor::Checkpoint& ckpt, CheckpointInput& input) {
  std::uint64_t total = 0;
  for (const std::string& name : ckpt.files) {
    std::error_code ec;
    const std::uint64_t size = fs::file_size(ckpt.root / name, ec);
    if (ec) return io_error(quoted("cannot stat ", ckpt.root / name, ": " + ec.message()));
    input.files.push_back({name, total, size});
    total += size;
  }
  input.bytes.resize(total);
  for (const CheckpointFile& f : input.files) {
    if (Status s = read_file_into(ckpt.root / f.path, f.size, input.bytes.data() + f.offset);
        !s.ok()) {
      return s;
    }
  }
  return ok_status();
}

// The tensor codec's dtype for a float safetensors dtype; nullopt for the rest.
std::optional<tensor::Dtype> float_dtype(tensor::DType d) {
  switch (d) {
    case tensor::DType::kBF16: return tensor::Dtype::kBf16;
    case tensor::DType::kF16: return tensor::Dtype::kFp16;
    case tensor::DType::kF32: return tensor::Dtype::kFp32;
    default: return std::nullopt;
  }
}

// The bound of the whole checkpoint. The exponent histogram is per dtype over all its tensors
// (one order-0 model for the whole model, as docs/tensor.md reports it), so the tensors of one
// dtype are gathered and measured together, one dtype at a time to bound the extra memory.
double order0_bound_fraction(const tensor::Checkpoint& ckpt, const CheckpointInput& input) {
  if (input.bytes.empty()) return 0;
  std::unordered_map<std::string, std::uint64_t> file_offset;
  for (const CheckpointFile& f : input.files) file_offset[f.path] = f.offset;
  double float_bytes = 0;
  double bound_bytes = 0;
  for (const tensor::Dtype want :
       {tensor::Dtype::kBf16, tensor::Dtype::kFp16, tensor::Dtype::kFp32}) {
    Bytes gathered;
    for (const tensor::CheckpointShard& shard : ckpt.shards) {
      const std::uint64_t data_start = file_offset.at(shard.file) + shard.header.data_offset();
      for (const tensor::TensorInfo& t : shard.header.tensors) {
        if (float_dtype(t.dtype) != want) continue;
        const std::uint8_t* begin = input.bytes.data() + data_start + t.offset;
        gathered.insert(gathered.end(), begin, begin + t.size);
      }
    }
    if (gathered.empty()) continue;
    const tensor::ExponentEntropy e = tensor::order0_exponent_entropy(gathered, want);
    float_bytes += static_cast<double>(gathered.size());
    bound_bytes += e.bound_bytes;
  }
  const double total = static_cast<double>(input.bytes.size());
  return (total - float_bytes + bound_bytes) / total;
}

// Writes into a fixed window of the restored concatenation; refuses to run past it.
class SpanSink final : public ByteSink {
 public:
  void reset(std::uint8_t* begin, std::uint64_t size) { pos_ = begin, left_ = size; }
  Status write(ByteSpan data) override {
    if (data.size() > left_) return corrupt_data("archive entry is longer than the file");
    std::memcpy(pos_, data.data(), data.size());
    pos_ += data.size();
    left_ -= data.size();
    return ok_status();
  }

 private:
  std::uint8_t* pos_ = nullptr;
  std::uint64_t left_ = 0;
};

// Restores the archive's files into their places in the concatenation, so that comparing it
// with the input compares every file byte for byte. Each file must come exactly once, at its
// size; an entry the checkpoint lacks is an error.
class ConcatOutput final : public EntryOutput {
 public:
  ConcatOutput(const std::vector<CheckpointFile>& files, Bytes& out)
      : files_(files), out_(out), seen_(files.size(), false) {}

  Expected<ByteSink*> open(const EntryInfo& entry) override {
    if (entry.kind == EntryKind::kDirectory) return static_cast<ByteSink*>(nullptr);
    const auto it = std::lower_bound(files_.begin(), files_.end(), entry.path,
                                     [](const CheckpointFile& f, const std::string& p) {
                                       return f.path < p;
                                     });
    if (it == files_.end() || it->path != entry.path) {
      return corrupt_data("archive has an entry the checkpoint lacks: '" + entry.path + "'");
    }
    const std::size_t i = static_cast<std::size_t>(it - files_.begin());
    if (seen_[i] || it->size != entry.size) {
      return corrupt_data("archive entry '" + entry.path + "' repeated or of the wrong size");
    }
    seen_[i] = true;
    sink_.reset(out_.data() + it->offset, it->size);
    return static_cast<ByteSink*>(&sink_);
  }
  Status close(const EntryInfo&) override { return ok_status(); }

  Status check_complete() const {
    for (std::size_t i = 0; i < files_.size(); ++i) {
      if (!seen_[i]) return corrupt_data("archive lacks '" + files_[i].path + "'");
    }
    return ok_status();
  }

 private:
  const std::vector<CheckpointFile>& files_;
  Bytes& out_;
  std::vector<bool> seen_;
  SpanSink sink_;
};

class CheckpointCodec final : public BenchCodec {
 public:
  CheckpointCodec(const CheckpointInput& input, tensor::TensorMode mode, unsigned threads)
      : input_(input),
        mode_(mode),
        threads_(threads),
        label_(std::string("kmo:tensor:mode=").append(tensor::tensor_mode_name(mode))) {}

  const std::string& label() const override { return label_; }
  unsigned threads() const override { return threads_; }

  // Archives the checkpoint from its path (the archive writer reads the files itself, as the
  // CLI does); `input` is the same bytes, already loaded, and is what decompress is checked
  // against.
  Expected<Bytes> compress(ByteSpan) const override {
    MemorySink sink;
    tensor::CheckpointArchiveOptions opts;
    opts.mode = mode_;
    opts.threads = threads_;
    if (Status s = tensor::write_checkpoint_archive(input_.path, sink, opts); !s.ok()) return s;
    return std::move(sink.bytes());
  }

  Expected<Bytes> decompress(ByteSpan compressed, std::size_t original_size) const override {
    Bytes out(original_size);
    ConcatOutput output(input_.files, out);
    MemorySource source(compressed);
    DecompressOptions opts;
    opts.threads = threads_;
    if (auto stats = extract_stream(source, output, opts); !stats.ok()) return stats.status();
    if (Status s = output.check_complete(); !s.ok()) return s;
    return out;
  }

 private:
  const CheckpointInput& input_;
  tensor::TensorMode mode_;
  unsigned threads_;
  std::string label_;
};

}  // namespace

bool is_checkpoint_path(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) || tensor::is_safetensors_name(path.string());
}

Expected<CheckpointInput> load_checkpoint_input(const fs::path& path) {
  Expected<tensor::Checkpoint> ckpt = tensor::open_checkpoint(path);
  if (!ckpt.ok()) return ckpt.status();
  CheckpointInput input;
  input.path = path;
  if (Status s = read_files(*ckpt, input); !s.ok()) return s;
  input.order0_bound_fraction = order0_bound_fraction(*ckpt, input);
  return input;
}

std::optional<std::string> tensor_spec_options(const CodecSpec& spec) {
  if (spec.family != CodecFamily::kKolmo) return std::nullopt;
  const std::string_view text = spec.kolmo_spec;
  if (text == "tensor") return std::string();
  if (text.substr(0, 7) == "tensor:") return std::string(text.substr(7));
  return std::nullopt;
}

Expected<std::unique_ptr<BenchCodec>> make_checkpoint_codec(const CheckpointInput& input,
                                                            std::string_view tensor_options,
                                                            const KolmoSettings& kolmo) {
  Expected<tensor::TensorMode> mode = tensor::parse_checkpoint_tensor_options(tensor_options);
  if (!mode.ok()) return mode.status();
  return std::unique_ptr<BenchCodec>(
      std::make_unique<CheckpointCodec>(input, *mode, kolmo.threads));
}

}  // namespace kolmo::bench
