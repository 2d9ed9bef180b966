// Random access to a multi-file archive: read_entries lists the entries from the index, reading
// and verifying each entry frame; read_entry_range decodes only the blocks under a byte range.
#include <algorithm>
#include <string>

#include "container/api_guard.h"
#include "container/entry.h"
#include "container/random_access.h"
#include "kolmo/archive.h"

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

Expected<Bytes> read_range(const RandomAccessSource& file, const ArchiveInfo& info,
                           const EntryInfo& entry, std::uint64_t offset, std::uint64_t length,
                           const DecompressOptions& opts) {
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
  if (length > opts.memory_limit) {
    return limit_exceeded("a range of " + std::to_string(length) +
                          " bytes exceeds the memory limit; raise it with --memory");
  }
  const std::uint64_t begin = entry.content_offset + offset;
  const std::uint64_t end = begin + length;
  Bytes out;
  out.reserve(static_cast<std::size_t>(length));
  for (std::size_t i = entry.first_block; i < entry.first_block + entry.block_count; ++i) {
    const BlockInfo& b = info.blocks[i];
    const std::uint64_t b_end = b.content_offset + b.original_size;
    if (b_end <= begin) continue;
    if (b.content_offset >= end || out.size() == length) break;
    if (b.content_offset > begin + out.size()) break;  // a gap: caught below
    Expected<Bytes> block = kmo::decode_one(file, info, i, opts);
    if (!block.ok()) return block.status().with_context(kmo::block_name(i));
    const std::uint64_t from = begin + out.size() - b.content_offset;
    if (from >= block->size()) return invalid_argument("the listing's block offsets overlap");
    const std::uint64_t take = std::min<std::uint64_t>(block->size() - from, length - out.size());
    out.insert(out.end(), block->begin() + static_cast<std::ptrdiff_t>(from),
               block->begin() + static_cast<std::ptrdiff_t>(from + take));
  }
  if (out.size() != length) return invalid_argument("the entry's blocks do not cover the range");
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

}  // namespace kolmo
