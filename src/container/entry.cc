#include "container/entry.h"

#include <algorithm>

#include "kolmo/hash.h"

namespace kolmo {

Status check_entry_path(std::string_view path) {
  if (path.empty()) return invalid_argument("entry path is empty");
  if (path.size() > kmo::kMaxPathBytes) {
    return invalid_argument("entry path is " + std::to_string(path.size()) +
                            " bytes, more than " + std::to_string(kmo::kMaxPathBytes));
  }
  if (path.find('\0') != std::string_view::npos) {
    return invalid_argument("entry path contains a NUL byte");
  }
  if (path.front() == '/') return invalid_argument("entry path '" + std::string(path) +
                                                   "' is absolute");
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return invalid_argument("entry path '" + std::string(path) +
                              "' has an empty, '.' or '..' component");
    }
    if (end == path.size()) return ok_status();
    start = end + 1;
  }
}

namespace kmo {

Status as_corrupt(const Status& s) {
  if (s.ok() || s.code() != StatusCode::kInvalidArgument) return s;
  return corrupt_data(s.message());
}

Bytes serialize_entry_frame(const EntryFrame& e) {
  ByteWriter w;
  w.u8(kEntryFrame);
  w.u8(static_cast<std::uint8_t>(e.kind));
  w.varint(e.path.size());
  w.bytes(as_bytes(e.path));
  w.varint(e.mode);
  w.varint(zigzag_encode(e.mtime_ns));
  w.varint(e.size);
  w.u32(xxh64_low32(w.data()));
  return w.take();
}

Expected<EntryFrame> parse_entry_frame(ByteSpan bytes, std::size_t* consumed) {
  ByteReader r(bytes);
  if (r.u8() != kEntryFrame) r.fail(StatusCode::kCorruptData, "not an entry frame");
  const std::uint8_t kind = r.u8();
  // Bounded before the path is viewed; nothing is allocated from a declared size here.
  const std::uint64_t path_size = r.varint_at_most(kMaxPathBytes, "entry path length");
  const ByteSpan path = r.bytes(static_cast<std::size_t>(path_size));
  const std::uint64_t mode = r.varint();
  const std::uint64_t mtime = r.varint();
  const std::uint64_t size = r.varint();
  const std::size_t checked = r.position();
  const std::uint32_t check = r.u32();
  KOLMO_RETURN_IF_ERROR(r.status().with_context("entry frame"));
  if (check != xxh64_low32(bytes.first(checked))) {
    return checksum_mismatch("entry frame check failed");
  }
  if (kind > static_cast<std::uint8_t>(EntryKind::kDirectory)) {
    return corrupt_data("entry kind " + std::to_string(kind) + " is unknown");
  }
  EntryFrame e;
  e.kind = static_cast<EntryKind>(kind);
  e.path.assign(path.begin(), path.end());
  KOLMO_RETURN_IF_ERROR(as_corrupt(check_entry_path(e.path)));
  if (mode > kMaxMode) return corrupt_data("entry mode " + std::to_string(mode) + " exceeds 07777");
  if (e.kind == EntryKind::kDirectory && size != 0) {
    return corrupt_data("directory entry '" + e.path + "' declares " + std::to_string(size) +
                        " content bytes");
  }
  e.mode = static_cast<std::uint32_t>(mode);
  e.mtime_ns = zigzag_decode(mtime);
  e.size = size;
  *consumed = r.position();
  return e;
}

Bytes serialize_archive_index(const std::vector<IndexEntry>& blocks,
                              const std::vector<EntryRef>& entries) {
  Bytes out = serialize_index(blocks);
  out.resize(out.size() - 4);  // drop the 1.0 check; the 1.1 check covers the entries as well
  ByteWriter w(std::move(out));
  w.varint(entries.size());
  std::uint64_t previous = 0;
  for (const EntryRef& e : entries) {
    w.varint(e.frame_offset - previous);
    w.varint(e.first_block);
    w.varint(e.block_count);
    previous = e.frame_offset;
  }
  w.u32(xxh64_low32(w.data()));
  return w.take();
}

Expected<ArchiveIndex> parse_archive_index(ByteSpan bytes, std::uint64_t max_blocks,
                                           std::uint64_t max_entries) {
  KOLMO_ASSIGN_OR_RETURN(const ByteSpan body, checked_index_body(bytes));
  ByteReader r(body);
  r.skip(1);
  ArchiveIndex index;
  KOLMO_RETURN_IF_ERROR(read_index_blocks(r, max_blocks, index.blocks));
  // Each entry takes at least 3 bytes of the index.
  const std::uint64_t count =
      r.varint_at_most(std::min<std::uint64_t>(max_entries, body.size() / 3), "index entry count");
  KOLMO_RETURN_IF_ERROR(r.status());
  index.entries.reserve(count);
  std::uint64_t offset = 0;
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) {
    EntryRef e;
    const std::uint64_t delta = r.varint();
    e.first_block = r.varint();
    e.block_count = r.varint();
    // Offsets strictly increase and stay far from wrapping (the caller bounds them by the file).
    if (r.ok() && (delta == 0 || delta > (std::uint64_t{1} << 62) - offset)) {
      r.fail(StatusCode::kCorruptData, "index entry " + std::to_string(i) + " has a bad offset");
    }
    offset += delta;
    e.frame_offset = offset;
    index.entries.push_back(e);
  }
  KOLMO_RETURN_IF_ERROR(r.status());
  if (!r.at_end()) return corrupt_data("index frame has extra bytes after its entries");
  return index;
}

Status PathSet::add(std::string_view path, EntryKind kind) {
  KOLMO_RETURN_IF_ERROR(check_entry_path(path));
  if (all_.contains(path)) return invalid_argument("duplicate entry path '" + std::string(path) + "'");
  // Every proper prefix ending before a '/' must not be a file.
  for (std::size_t slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    if (files_.contains(path.substr(0, slash))) {
      return invalid_argument("entry path '" + std::string(path) + "' lies inside the file '" +
                              std::string(path.substr(0, slash)) + "'");
    }
  }
  if (kind == EntryKind::kFile) {
    // A file may not have entries below it either (those came first).
    const std::string below = std::string(path) + "/";
    const auto it = all_.lower_bound(below);
    if (it != all_.end() && it->starts_with(below)) {
      return invalid_argument("file entry '" + std::string(path) + "' has the entry '" + *it +
                              "' below it");
    }
    files_.emplace(path);
  }
  all_.emplace(path);
  bytes_ += 2 * path.size() + 128;  // two set nodes, roughly
  return ok_status();
}

}  // namespace kmo
}  // namespace kolmo
