// make_archive_writer: entry frames and the caller's blocks go through the shared BlockPipeline
// (parallel encoding, ordered writes), then the 1.1 index lists blocks and entries.
#include <string>

#include "container/api_guard.h"
#include "container/block_pipeline.h"
#include "container/entry.h"
#include "kolmo/archive.h"

namespace kolmo {
namespace {

class ArchiveWriterImpl final : public ArchiveWriter {
 public:
  ArchiveWriterImpl(ByteSink& out, const ArchiveWriterOptions& opts)
      : opts_(opts), pipeline_(out, opts.threads, opts.progress, opts.total_bytes) {}

  Status start() {
    kmo::FileHeader header;
    header.major = 1;
    header.minor = kmo::kEntriesFormatMinor;
    header.flags = kmo::kFlagEntries;
    header.nominal_block_size = 0;  // the caller chooses each block
    return sticky(pipeline_.write_now(kmo::serialize_file_header(header)));
  }

  Status begin_file(std::string_view path, std::uint32_t mode, std::int64_t mtime_ns,
                    std::uint64_t size) override {
    return kmo::guard_api([&] { return add_entry(EntryKind::kFile, path, mode, mtime_ns, size); });
  }

  Status add_directory(std::string_view path, std::uint32_t mode, std::int64_t mtime_ns) override {
    return kmo::guard_api(
        [&] { return add_entry(EntryKind::kDirectory, path, mode, mtime_ns, 0); });
  }

  Status add_block(Bytes data, const BlockEncoder& encoder) override {
    return kmo::guard_api([&]() -> Status {
      KOLMO_RETURN_IF_ERROR(usable());
      if (!in_file_) return invalid_argument("add_block outside a file (call begin_file first)");
      if (data.empty() || data.size() > kMaxBlockSize) {
        return invalid_argument("block of " + std::to_string(data.size()) +
                                " bytes is outside 1.." + std::to_string(kMaxBlockSize));
      }
      if (data.size() > remaining_) {
        return invalid_argument("block of " + std::to_string(data.size()) + " bytes exceeds the " +
                                std::to_string(remaining_) + " bytes left of the file");
      }
      if (opts_.cancel != nullptr && opts_.cancel->load()) {
        return sticky(cancelled("archive writing cancelled"));
      }
      KOLMO_ASSIGN_OR_RETURN(const std::uint16_t codec_id, kmo::codec_id_of(encoder));
      remaining_ -= data.size();
      return sticky(pipeline_.add_block(std::move(data), encoder, codec_id));
    });
  }

  Expected<CompressStats> finish() override {
    return kmo::guard_api([&]() -> Expected<CompressStats> {
      KOLMO_RETURN_IF_ERROR(usable());
      KOLMO_RETURN_IF_ERROR(end_file());
      finished_ = true;
      KOLMO_RETURN_IF_ERROR(sticky(pipeline_.drain()));
      const kmo::Footer footer = pipeline_.footer();
      const Bytes index = kmo::serialize_archive_index(pipeline_.index(), entry_refs());
      KOLMO_RETURN_IF_ERROR(sticky(pipeline_.write_now(index)));
      KOLMO_RETURN_IF_ERROR(sticky(pipeline_.write_now(kmo::serialize_footer(footer))));
      return CompressStats{pipeline_.content_size(), pipeline_.written(),
                           pipeline_.index().size()};
    });
  }

 private:
  // An I/O or encoding failure leaves the output unusable: every later call repeats it.
  Status sticky(Status s) {
    if (!s.ok() && failed_.ok()) failed_ = s;
    return s;
  }

  Status usable() const {
    if (!failed_.ok()) return failed_;
    if (finished_) return invalid_argument("the archive was already finished");
    return ok_status();
  }

  // The current file must have received exactly its declared size.
  Status end_file() {
    if (in_file_ && remaining_ != 0) {
      return invalid_argument("file '" + current_path_ + "' received " +
                              std::to_string(declared_ - remaining_) + " of its " +
                              std::to_string(declared_) + " bytes");
    }
    in_file_ = false;
    return ok_status();
  }

  Status add_entry(EntryKind kind, std::string_view path, std::uint32_t mode,
                   std::int64_t mtime_ns, std::uint64_t size) {
    KOLMO_RETURN_IF_ERROR(usable());
    KOLMO_RETURN_IF_ERROR(end_file());
    if (mode > kmo::kMaxMode) {
      return invalid_argument("mode " + std::to_string(mode) + " of '" + std::string(path) +
                              "' exceeds 07777");
    }
    KOLMO_RETURN_IF_ERROR(paths_.add(path, kind));
    kmo::EntryFrame frame;
    frame.kind = kind;
    frame.path = std::string(path);
    frame.mode = mode;
    frame.mtime_ns = mtime_ns;
    frame.size = size;
    if (kind == EntryKind::kFile) {
      in_file_ = true;
      current_path_ = frame.path;
      declared_ = remaining_ = size;
    }
    return sticky(pipeline_.add_frame(kmo::serialize_entry_frame(frame)));
  }

  // Every frame the pipeline wrote besides blocks is an entry frame, in order; an entry's blocks
  // are those written between it and the next entry (or the index).
  std::vector<kmo::EntryRef> entry_refs() const {
    const auto& frames = pipeline_.frames();
    std::vector<kmo::EntryRef> refs;
    refs.reserve(frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const std::uint64_t end =
          i + 1 < frames.size() ? frames[i + 1].blocks_before : pipeline_.index().size();
      refs.push_back({frames[i].offset, frames[i].blocks_before, end - frames[i].blocks_before});
    }
    return refs;
  }

  ArchiveWriterOptions opts_;
  kmo::BlockPipeline pipeline_;
  kmo::PathSet paths_;
  Status failed_;
  bool finished_ = false;
  bool in_file_ = false;
  std::string current_path_;
  std::uint64_t declared_ = 0;
  std::uint64_t remaining_ = 0;
};

}  // namespace

Expected<std::unique_ptr<ArchiveWriter>> make_archive_writer(ByteSink& out,
                                                             const ArchiveWriterOptions& opts) {
  return kmo::guard_api([&]() -> Expected<std::unique_ptr<ArchiveWriter>> {
    auto writer = std::make_unique<ArchiveWriterImpl>(out, opts);
    KOLMO_RETURN_IF_ERROR(writer->start());
    return std::unique_ptr<ArchiveWriter>(std::move(writer));
  });
}

}  // namespace kolmo
