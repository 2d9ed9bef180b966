// Multi-file .kmo archives (format 1.1, docs/format.md "Entries") and blocks chosen by the
// caller. A directory such as a model checkpoint becomes one .kmo: each file is an *entry* frame
// followed by the blocks of its content, and the caller decides where blocks start and which codec
// each block uses (e.g. one block per group of tensors of one dtype, coded by `tensor`, and the
// JSON headers by `zstd`). Reading restores every file byte for byte.
//
// Design rules: blocks are still independent and carry their checksums; the index lists entries
// so that a reader with random access can find a file (and, through the file's own layout, a
// single tensor) without reading the others; output is identical for any thread count.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kolmo/bytes.h"
#include "kolmo/codec.h"
#include "kolmo/container.h"
#include "kolmo/io.h"
#include "kolmo/status.h"

namespace kolmo {

enum class EntryKind : std::uint8_t {
  kFile = 0,
  kDirectory = 1,
};

// Path rules (checked by writer and reader alike): relative, '/'-separated, UTF-8 bytes without
// NUL, no empty, "." or ".." component, no leading '/', at most 4096 bytes.
Status check_entry_path(std::string_view path);

struct EntryInfo {
  std::string path;
  EntryKind kind = EntryKind::kFile;
  std::uint32_t mode = 0644;         // permission bits (07777 mask)
  std::int64_t mtime_ns = 0;         // modification time, ns since the epoch (0 = unknown)
  std::uint64_t size = 0;            // content bytes of a file (0 for a directory)
  std::uint64_t content_offset = 0;  // where the file's bytes start in the archive content
  std::size_t first_block = 0;       // index into ArchiveInfo::blocks
  std::size_t block_count = 0;
};

struct ArchiveWriterOptions {
  unsigned threads = 1;
  ProgressFn progress;                        // bytes of content queued so far, total if known
  std::uint64_t total_bytes = 0;              // for progress; 0 = unknown
  const std::atomic<bool>* cancel = nullptr;  // when set and true, stop with kCancelled
};

// Writes a multi-file archive. Calls must follow: (begin_file add_block* | add_directory)* finish.
// Blocks are encoded on a thread pool (at most ~2x threads in flight) and written in order.
class ArchiveWriter {
 public:
  virtual ~ArchiveWriter() = default;

  // Starts a file of exactly `size` bytes: the following add_block calls must supply that many.
  virtual Status begin_file(std::string_view path, std::uint32_t mode, std::int64_t mtime_ns,
                            std::uint64_t size) = 0;
  virtual Status add_directory(std::string_view path, std::uint32_t mode,
                               std::int64_t mtime_ns) = 0;
  // One block of the current file (1 byte .. kMaxBlockSize), coded by `encoder` (which must
  // outlive finish()). Falls back to `store` when coding would not shrink it.
  virtual Status add_block(Bytes data, const BlockEncoder& encoder) = 0;
  // Writes the index and the footer. Nothing may be added afterwards.
  virtual Expected<CompressStats> finish() = 0;
};

Expected<std::unique_ptr<ArchiveWriter>> make_archive_writer(ByteSink& out,
                                                             const ArchiveWriterOptions& opts);

// Where a sequential reader puts each entry's content.
class EntryOutput {
 public:
  virtual ~EntryOutput() = default;
  // Called at each entry frame, in archive order; the returned sink receives exactly entry.size
  // bytes (a directory gets nullptr back and no bytes).
  // A file may get nullptr back as well: its bytes are then verified and discarded.
  // (entry.block_count is known only at close().)
  virtual Expected<ByteSink*> open(const EntryInfo& entry) = 0;
  // Called once the entry's bytes were all written and verified.
  virtual Status close(const EntryInfo& entry) = 0;
};

// Reads a whole archive sequentially (a pipe works), verifying everything decompress_stream does
// plus the entries. A single-stream (format 1.0) file is refused with kInvalidArgument
// ("not a multi-file archive"), and a multi-file archive given to decompress_stream is refused
// likewise, so that nobody gets files run together by accident.
Expected<CompressStats> extract_stream(ByteSource& in, EntryOutput& out,
                                       const DecompressOptions& opts);

// Random access: the entries of a multi-file archive (empty for a single-stream file), from the
// index, with their checks verified.
Expected<std::vector<EntryInfo>> read_entries(const RandomAccessSource& file,
                                              const ArchiveInfo& info,
                                              const DecompressOptions& opts);

// Decodes `length` bytes at `offset` of one file entry, decoding only the blocks that cover them
// (the basis of "decode one tensor" without reading the rest of the archive).
Expected<Bytes> read_entry_range(const RandomAccessSource& file, const ArchiveInfo& info,
                                 const EntryInfo& entry, std::uint64_t offset,
                                 std::uint64_t length, const DecompressOptions& opts);

// The same into the caller's memory (`out.size()` bytes at `offset`): blocks that lie wholly in
// the range decode straight into `out`, up to opts.threads of them at once; the memory limit is
// shared between the threads. On failure `out` holds unspecified bytes.
Status read_entry_range_into(const RandomAccessSource& file, const ArchiveInfo& info,
                             const EntryInfo& entry, std::uint64_t offset, MutableByteSpan out,
                             const DecompressOptions& opts);

}  // namespace kolmo
