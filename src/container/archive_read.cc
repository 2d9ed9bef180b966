// Random access to a multi-file archive: read_entries lists the entries from the index, reading
// and verifying each entry frame; read_entry_range decodes only the blocks under a byte range.
#include <algorithm>
#include <cstring>
#include <future>
#include <string>
#include <vector>

#include "container/api_guard.h"
#include "container/entry.h"
#include "container/random_access.h"
#include "kolmo/archive.h"
#include "kolmo/thread_pool.h"

namespace kolmo {
namespace {

// The entry frame at `offset`, which must end by `limit` (the index offset).
Expected<kmo::EntryFrame> read_entry_frame_at(const RandomAccessSource& file, std::uint64_t offset,
                                              std::uint64_t limit, std::uint64_t* end) {
  Bytes bytes(
      static_cast<std::size_t>(std::min<std::uint64_t>(kmo::kMaxEntryFrameSize, limit - offset)));
  KOLMO_RETURN_IF_ERROR(file.read_at(offset, bytes));
  std::size_t consumed = 0;
  KOLMO_ASSIGN_OR_RETURN(kmo::EntryFrame frame, kmo::parse_entry_frame(bytes, &consumed));
  *end = offset + consumed;
  return frame;
}

// Walks the index's entries over the blocks of `info`: each entry frame lies after everything of
// the entry before it and before its own first block, and its blocks hold exactly its size.
class EntryLister {
 public:
  EntryLister(const RandomAccessSource& file, const ArchiveInfo& info, std::uint64_t index_offset,
              std::uint64_t memory_limit)
      : file_(file), info_(info), index_offset_(index_offset), memory_limit_(memory_limit) {}

  Expected<EntryInfo> next(const kmo::EntryRef& ref) {
    const std::string name = "entry " + std::to_string(entries_done_++);
    if (ref.first_block != next_block_ || ref.block_count > info_.blocks.size() - next_block_) {
      return corrupt_data(name + " lists blocks out of order");
    }
    if (ref.frame_offset < min_offset_ || ref.frame_offset >= index_offset_) {
      return corrupt_data(name + " is at a bad offset " + std::to_string(ref.frame_offset));
    }
    std::uint64_t frame_end = 0;
    Expected<kmo::EntryFrame> frame =
        read_entry_frame_at(file_, ref.frame_offset, index_offset_, &frame_end);
    if (!frame.ok()) return frame.status().with_context(name);
    KOLMO_RETURN_IF_ERROR(kmo::as_corrupt(paths_.add(frame->path, frame->kind)));
    if (paths_.bytes() > memory_limit_) {
      return limit_exceeded("listing the entries needs more than the memory limit of " +
                            std::to_string(memory_limit_) + " bytes; raise it with --memory");
    }
    EntryInfo e;
    e.path = std::move(frame->path);
    e.kind = frame->kind;
    e.mode = frame->mode;
    e.mtime_ns = frame->mtime_ns;
    e.size = frame->size;
    e.content_offset = content_;
    e.first_block = static_cast<std::size_t>(ref.first_block);
    e.block_count = static_cast<std::size_t>(ref.block_count);
    std::uint64_t held = 0;  // at most 2^30 per block and blocks <= file size: cannot wrap
    min_offset_ = frame_end;
    for (std::size_t i = e.first_block; i < e.first_block + e.block_count; ++i) {
      const BlockInfo& b = info_.blocks[i];
      if (b.file_offset < min_offset_) return corrupt_data(name + " overlaps its blocks");
      held += b.original_size;
      min_offset_ = b.file_offset + b.frame_size;
    }
    if (held != e.size) {
      return corrupt_data(name + " ('" + e.path + "') declares " + std::to_string(e.size) +
                          " bytes, its blocks hold " + std::to_string(held));
    }
    next_block_ += e.block_count;
    content_ += e.size;
    return e;
  }

  bool all_blocks_used() const { return next_block_ == info_.blocks.size(); }

 private:
  const RandomAccessSource& file_;
  const ArchiveInfo& info_;
  std::uint64_t index_offset_;
  std::uint64_t memory_limit_;
  kmo::PathSet paths_;
  std::size_t entries_done_ = 0;
  std::uint64_t next_block_ = 0;
  std::uint64_t content_ = 0;
  std::uint64_t min_offset_ = kmo::kFileHeaderSize;
};

Expected<std::vector<EntryInfo>> list_entries(const RandomAccessSource& file,
                                              const ArchiveInfo& info,
                                              const DecompressOptions& opts) {
  if (file.size() < kmo::kMinFileSize) return truncated("the file is too short for .kmo");
  Bytes header_bytes(kmo::kFileHeaderSize);
  KOLMO_RETURN_IF_ERROR(file.read_at(0, header_bytes));
  KOLMO_ASSIGN_OR_RETURN(const kmo::FileHeader header, kmo::parse_file_header(header_bytes));
  const bool multi_file = (header.flags & kmo::kFlagEntries) != 0;
  if (multi_file != info.multi_file) return invalid_argument("the listing is not of this file");
  if (!multi_file) return std::vector<EntryInfo>{};
  KOLMO_ASSIGN_OR_RETURN(const kmo::Tail tail, kmo::read_tail(file, true, opts.memory_limit));
  if (tail.entries.size() != info.blocks.size() ||
      tail.footer.content_size != info.content_size) {
    return invalid_argument("the listing is not of this file");
  }
  if (tail.entry_refs.size() > opts.memory_limit / sizeof(EntryInfo)) {
    return limit_exceeded("listing " + std::to_string(tail.entry_refs.size()) +
                          " entries needs more than the memory limit; raise it with --memory");
  }
  EntryLister lister(file, info, tail.footer.index_offset, opts.memory_limit);
  std::vector<EntryInfo> entries;
  entries.reserve(tail.entry_refs.size());
  for (const kmo::EntryRef& ref : tail.entry_refs) {
    KOLMO_ASSIGN_OR_RETURN(EntryInfo e, lister.next(ref));
    entries.push_back(std::move(e));
  }
  if (!lister.all_blocks_used()) return corrupt_data("blocks after the last entry's own blocks");
  return entries;
}

// One covering block's share of a range: bytes [from, from + length) of block `block` go to
// `out_offset` of the caller's span.
struct RangePiece {
  std::size_t block = 0;
  std::uint64_t from = 0;
  std::uint64_t length = 0;
  std::uint64_t out_offset = 0;
  std::uint64_t block_size = 0;
};

Expected<std::vector<RangePiece>> cover_range(const ArchiveInfo& info, const EntryInfo& entry,
                                              std::uint64_t offset, std::uint64_t length) {
  if (entry.kind != EntryKind::kFile) return invalid_argument("'" + entry.path + "' is no file");
  if (offset > entry.size || length > entry.size - offset) {
    return invalid_argument("range " + std::to_string(offset) + "+" + std::to_string(length) +
                            " lies outside '" + entry.path + "' (" + std::to_string(entry.size) +
                            " bytes)");
  }
  if (entry.first_block > info.blocks.size() ||
      entry.block_count > info.blocks.size() - entry.first_block) {
    return invalid_argument("the entry is not of this listing");
  }
  const std::uint64_t begin = entry.content_offset + offset;
  const std::uint64_t end = begin + length;
  std::vector<RangePiece> pieces;
  std::uint64_t covered = 0;
  for (std::size_t i = entry.first_block; i < entry.first_block + entry.block_count; ++i) {
    const BlockInfo& b = info.blocks[i];
    const std::uint64_t b_end = b.content_offset + b.original_size;
    if (b_end <= begin || b.original_size == 0) continue;
    if (b.content_offset >= end || covered == length) break;
    if (b.content_offset > begin + covered) break;  // a gap: caught below
    const std::uint64_t from = begin + covered - b.content_offset;
    const std::uint64_t take = std::min<std::uint64_t>(b.original_size - from, length - covered);
    pieces.push_back({i, from, take, covered, b.original_size});
    covered += take;
  }
  if (covered != length) return invalid_argument("the entry's blocks do not cover the range");
  return pieces;
}

// A piece that is a whole block decodes straight into the caller's memory; a partial one (the
// first or last block of a range) decodes aside and copies its share.
Status decode_piece(const RandomAccessSource& file, const ArchiveInfo& info,
                    const RangePiece& piece, MutableByteSpan out, const DecompressOptions& opts) {
  const MutableByteSpan dest = out.subspan(piece.out_offset, piece.length);
  Status s;
  if (piece.from == 0 && piece.length == piece.block_size) {
    s = kmo::decode_one_into(file, info, piece.block, dest, opts);
  } else {
    Expected<Bytes> block = kmo::decode_one(file, info, piece.block, opts);
    if (block.ok() && block->size() != piece.block_size) {
      block = invalid_argument("the listing's block sizes disagree with the blocks");
    }
    if (block.ok()) {
      std::memcpy(dest.data(), block->data() + piece.from, piece.length);
    } else {
      s = block.status();
    }
  }
  return s.ok() ? s : s.with_context(kmo::block_name(piece.block));
}

Status read_range_into(const RandomAccessSource& file, const ArchiveInfo& info,
                       const EntryInfo& entry, std::uint64_t offset, MutableByteSpan out,
                       const DecompressOptions& opts) {
  KOLMO_ASSIGN_OR_RETURN(const std::vector<RangePiece> pieces,
                         cover_range(info, entry, offset, out.size()));
  // Blocks decode independently, so several threads take one block each. Each worker holds at
  // most one block's buffers, so the memory limit is shared out between them.
  std::uint64_t largest = 0;
  for (const RangePiece& p : pieces) largest = std::max(largest, 2 * p.block_size);
  std::size_t workers = std::min<std::size_t>(std::max(1u, opts.threads), pieces.size());
  if (largest > 0) {
    workers = std::min<std::size_t>(
        workers, std::max<std::uint64_t>(1, opts.memory_limit / largest));
  }
  if (workers <= 1) {
    for (const RangePiece& p : pieces) KOLMO_RETURN_IF_ERROR(decode_piece(file, info, p, out, opts));
    return ok_status();
  }
  DecompressOptions share = opts;
  share.memory_limit = opts.memory_limit / workers;
  std::vector<Status> results(pieces.size());
  {
    ThreadPool pool(workers);
    std::vector<std::future<void>> done;
    done.reserve(pieces.size());
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      done.push_back(pool.submit([&, i] {
        results[i] = decode_piece(file, info, pieces[i], out, share);
      }));
    }
    for (std::future<void>& d : done) d.get();
  }
  for (const Status& s : results) KOLMO_RETURN_IF_ERROR(s);  // the first failure in range order
  return ok_status();
}

Expected<Bytes> read_range(const RandomAccessSource& file, const ArchiveInfo& info,
                           const EntryInfo& entry, std::uint64_t offset, std::uint64_t length,
                           const DecompressOptions& opts) {
  // Validate before allocating `length` bytes.
  KOLMO_RETURN_IF_ERROR(cover_range(info, entry, offset, length).status());
  if (length > opts.memory_limit) {
    return limit_exceeded("a range of " + std::to_string(length) +
                          " bytes exceeds the memory limit; raise it with --memory");
  }
  Bytes out(static_cast<std::size_t>(length));
  KOLMO_RETURN_IF_ERROR(read_range_into(file, info, entry, offset, out, opts));
  return out;
}

}  // namespace

Expected<std::vector<EntryInfo>> read_entries(const RandomAccessSource& file,
                                              const ArchiveInfo& info,
                                              const DecompressOptions& opts) {
  return kmo::guard_api(
      [&]() -> Expected<std::vector<EntryInfo>> { return list_entries(file, info, opts); });
}

Expected<Bytes> read_entry_range(const RandomAccessSource& file, const ArchiveInfo& info,
                                 const EntryInfo& entry, std::uint64_t offset,
                                 std::uint64_t length, const DecompressOptions& opts) {
  return kmo::guard_api([&]() -> Expected<Bytes> {
    return read_range(file, info, entry, offset, length, opts);
  });
}

Status read_entry_range_into(const RandomAccessSource& file, const ArchiveInfo& info,
                             const EntryInfo& entry, std::uint64_t offset, MutableByteSpan out,
                             const DecompressOptions& opts) {
  return kmo::guard_api(
      [&]() -> Status { return read_range_into(file, info, entry, offset, out, opts); });
}

}  // namespace kolmo
