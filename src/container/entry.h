// Entry frames and the entries part of the index (format 1.1, docs/format.md "Entries"): layout,
// parsing and the path rules shared by the archive writer and both readers. Decode path: knows no
// encoder.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "container/format.h"
#include "kolmo/archive.h"
#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::kmo {

// File header flag bit 0: the file is a multi-file archive (entry frames, entries in the index).
inline constexpr std::uint16_t kFlagEntries = 0x0001;
static_assert(kKnownHeaderFlags == kFlagEntries, "format.h must know every flag");
// The minor version a multi-file archive is written with.
inline constexpr std::uint8_t kEntriesFormatMinor = 1;

inline constexpr std::uint8_t kEntryFrame = 0x02;
inline constexpr std::size_t kMaxPathBytes = 4096;
inline constexpr std::uint32_t kMaxMode = 07777;
// type, kind, path length, 1 path byte, mode, mtime, size (1 byte each) and the 4-byte check.
inline constexpr std::size_t kMinEntryFrameSize = 11;
inline constexpr std::size_t kMaxEntryFrameSize = 2 + 5 * kMaxVarintBytes + kMaxPathBytes + 4;

struct EntryFrame {
  EntryKind kind = EntryKind::kFile;
  std::string path;
  std::uint32_t mode = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t size = 0;
};

Bytes serialize_entry_frame(const EntryFrame& e);
// Parses the entry frame at the start of `bytes` (more bytes may follow; *consumed gets the frame
// size). Verifies the check first, then kind, path rules, mode, and size 0 for a directory.
Expected<EntryFrame> parse_entry_frame(ByteSpan bytes, std::size_t* consumed);

// One entry as the index lists it. On disk the frame offset is stored as the delta from the
// previous entry's frame offset (from 0 for the first entry).
struct EntryRef {
  std::uint64_t frame_offset = 0;
  std::uint64_t first_block = 0;
  std::uint64_t block_count = 0;
};

struct ArchiveIndex {
  std::vector<IndexEntry> blocks;
  std::vector<EntryRef> entries;
};
Bytes serialize_archive_index(const std::vector<IndexEntry>& blocks,
                              const std::vector<EntryRef>& entries);
// Like parse_index, for a file with the entries flag: block entries then entry refs.
Expected<ArchiveIndex> parse_archive_index(ByteSpan bytes, std::uint64_t max_blocks,
                                           std::uint64_t max_entries);

// Paths seen so far in one archive: refuses duplicates and any path inside a file's path
// ("a/b" with a file "a", in either order). Errors are kInvalidArgument.
class PathSet {
 public:
  Status add(std::string_view path, EntryKind kind);
  std::uint64_t bytes() const { return bytes_; }

 private:
  std::set<std::string, std::less<>> all_;
  std::set<std::string, std::less<>> files_;
  std::uint64_t bytes_ = 0;  // path bytes plus a per-entry overhead, for memory limits
};

// The same status with kCorruptData: a rule the writer enforces as a caller error is file damage
// when a reader finds it broken.
Status as_corrupt(const Status& s);

}  // namespace kolmo::kmo
