#include "container/format.h"

#include <algorithm>
#include <string>

#include "kolmo/container.h"
#include "kolmo/hash.h"
#include "kolmo/version.h"

namespace kolmo::kmo {
namespace {

bool has_prefix(ByteSpan bytes, const std::array<std::uint8_t, 4>& magic) {
  return bytes.size() >= magic.size() && std::equal(magic.begin(), magic.end(), bytes.begin());
}

}  // namespace

std::string frame_type_hex(std::uint8_t type) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  return std::string("0x") + kDigits[type >> 4] + kDigits[type & 15];
}

Bytes serialize_file_header(const FileHeader& h) {
  Bytes out(kFileHeaderSize);
  std::copy(kMagic.begin(), kMagic.end(), out.begin());
  out[4] = h.major;
  out[5] = h.minor;
  store_le16(&out[6], h.flags);
  store_le32(&out[8], h.nominal_block_size);
  store_le32(&out[12], xxh64_low32(ByteSpan(out).first(12)));
  return out;
}

Expected<FileHeader> parse_file_header(ByteSpan bytes) {
  if (bytes.size() < kFileHeaderSize) {
    return truncated("file is " + std::to_string(bytes.size()) +
                     " bytes, shorter than a .kmo header");
  }
  if (!has_prefix(bytes, kMagic)) return corrupt_data("not a .kmo file (bad magic)");
  ByteReader r(bytes.first(kFileHeaderSize));
  r.skip(kMagic.size());
  FileHeader h;
  h.major = r.u8();
  h.minor = r.u8();
  h.flags = r.u16();
  h.nominal_block_size = r.u32();
  const std::uint32_t check = r.u32();
  KOLMO_RETURN_IF_ERROR(r.status());
  // The check comes first so that a damaged version byte reads as damage, not as a new format.
  // The 16-byte header layout is frozen across all major versions, which makes this safe.
  if (check != xxh64_low32(bytes.first(12))) return checksum_mismatch("file header check failed");
  if (h.major != kFormatMajor) {
    return unsupported("file format " + std::to_string(h.major) + "." + std::to_string(h.minor) +
                       (h.major > kFormatMajor ? " was made by a newer kolmo" : " is unknown") +
                       "; this build reads format " + std::to_string(kFormatMajor) + ".x");
  }
  if ((h.flags & ~kKnownHeaderFlags) != 0) {
    return unsupported("file header sets flags " + std::to_string(h.flags) +
                       " that this kolmo does not know; a newer version may read it");
  }
  return h;
}

Bytes serialize_dictionary_frame(std::uint16_t codec_id, ByteSpan body) {
  ByteWriter w;
  w.u8(kDictionaryFrame);
  w.u16(codec_id);
  w.u32(static_cast<std::uint32_t>(body.size()));
  Bytes out = w.take();
  std::uint8_t b[8];
  store_le32(b, xxh64_low32(out));
  out.insert(out.end(), b, b + 4);
  out.insert(out.end(), body.begin(), body.end());
  store_le64(b, xxh64(body));
  out.insert(out.end(), b, b + 8);
  return out;
}

Expected<DictionaryHeader> parse_dictionary_header(ByteSpan bytes) {
  if (bytes.size() < kDictionaryHeaderSize) return truncated("the dictionary frame is cut short");
  ByteReader r(bytes.first(kDictionaryHeaderSize));
  const std::uint8_t type = r.u8();
  DictionaryHeader h;
  h.codec_id = r.u16();
  h.body_size = r.u32();
  const std::uint32_t check = r.u32();
  KOLMO_RETURN_IF_ERROR(r.status());
  if (type != kDictionaryFrame) return corrupt_data("no dictionary frame here");
  if (check != xxh64_low32(bytes.first(7))) {
    return checksum_mismatch("dictionary frame header check failed");
  }
  if (h.body_size == 0 || h.body_size > kMaxDictionaryBytes) {
    return corrupt_data("dictionary frame declares " + std::to_string(h.body_size) +
                        " bytes (1.." + std::to_string(kMaxDictionaryBytes) + ")");
  }
  return h;
}

Status check_dictionary_body(const DictionaryHeader& h, ByteSpan body_and_check) {
  if (body_and_check.size() != std::uint64_t{h.body_size} + kDictionaryTrailerSize) {
    return internal_error("dictionary body has the wrong size");
  }
  const ByteSpan body = body_and_check.first(h.body_size);
  if (load_le64(body_and_check.data() + h.body_size) != xxh64(body)) {
    return checksum_mismatch("dictionary frame check failed (its body is damaged)");
  }
  return ok_status();
}

void append_block_header(const BlockHeader& h, Bytes& out) {
  const std::size_t start = out.size();
  ByteWriter w(std::move(out));
  w.u8(kBlockFrame);
  w.u16(h.codec_id);
  w.u8(static_cast<std::uint8_t>(h.params.size()));
  w.bytes(h.params);
  w.u32(h.original_size);
  w.u32(h.stored_size);
  out = w.take();
  const std::uint32_t check = xxh64_low32(ByteSpan(out).subspan(start));
  std::uint8_t b[4];
  store_le32(b, check);
  out.insert(out.end(), b, b + 4);
}

std::size_t block_header_rest_size(ByteSpan prefix) {
  return prefix[3] + (kBlockHeaderFixedSize - kBlockPrefixSize);
}

Expected<BlockHeader> parse_block_header(ByteSpan bytes) {
  ByteReader r(bytes);
  if (r.u8() != kBlockFrame) r.fail(StatusCode::kInternal, "not a block frame");
  BlockHeader h;
  h.codec_id = r.u16();
  const std::uint8_t params_size = r.u8();
  const ByteSpan params = r.bytes(params_size);
  h.original_size = r.u32();
  h.stored_size = r.u32();
  const std::size_t checked = r.position();
  const std::uint32_t check = r.u32();
  KOLMO_RETURN_IF_ERROR(r.status());
  if (check != xxh64_low32(bytes.first(checked))) {
    return checksum_mismatch("block header check failed");
  }
  if (h.original_size == 0 || h.original_size > kMaxBlockSize) {
    return corrupt_data("block original size " + std::to_string(h.original_size) +
                        " is outside 1.." + std::to_string(kMaxBlockSize));
  }
  if (h.stored_size > kMaxBlockSize) {
    return corrupt_data("block stored size " + std::to_string(h.stored_size) +
                        " exceeds the format maximum " + std::to_string(kMaxBlockSize));
  }
  h.params.assign(params.begin(), params.end());
  return h;
}

Bytes serialize_skippable_header(std::uint8_t type, std::uint32_t length) {
  ByteWriter w;
  w.u8(type);
  w.u32(length);
  w.u32(xxh64_low32(w.data()));
  return w.take();
}

Expected<std::uint32_t> parse_skippable_header(ByteSpan bytes) {
  ByteReader r(bytes);
  const std::uint8_t type = r.u8();
  const std::uint32_t length = r.u32();
  const std::uint32_t check = r.u32();
  KOLMO_RETURN_IF_ERROR(r.status());
  if (!is_skippable_frame(type)) return internal_error("not a skippable frame");
  if (check != xxh64_low32(bytes.first(5))) {
    return checksum_mismatch("skippable frame " + frame_type_hex(type) + " header check failed");
  }
  // Same bound as a block, so that skipping one never needs more than the format allows.
  if (length > kMaxBlockSize) {
    return corrupt_data("skippable frame " + frame_type_hex(type) + " declares " +
                        std::to_string(length) + " bytes, more than the format maximum " +
                        std::to_string(kMaxBlockSize));
  }
  return length;
}

Bytes serialize_index(const std::vector<IndexEntry>& entries) {
  ByteWriter w;
  w.u8(kIndexFrame);
  w.varint(entries.size());
  for (const IndexEntry& e : entries) {
    w.varint(e.original_size);
    w.varint(e.span);
    w.u16(e.codec_id);
  }
  w.u32(xxh64_low32(w.data()));
  return w.take();
}

Status read_index_blocks(ByteReader& r, std::uint64_t max_blocks, std::vector<IndexEntry>& out) {
  // Every entry takes at least 4 bytes, which bounds the count (and the reservation below) by
  // the index size as well as by the caller's limit.
  const std::uint64_t count =
      r.varint_at_most(std::min<std::uint64_t>(max_blocks, r.size() / 4), "index block count");
  KOLMO_RETURN_IF_ERROR(r.status());
  out.reserve(count);  // bounded by max_blocks, which the caller derives from the file size
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) {
    IndexEntry e;
    e.original_size = r.varint();
    e.span = r.varint();
    e.codec_id = r.u16();
    if (r.ok() && (e.original_size == 0 || e.original_size > kMaxBlockSize)) {
      r.fail(StatusCode::kCorruptData, "index entry " + std::to_string(i) + " has original size " +
                                           std::to_string(e.original_size));
    }
    if (r.ok() && e.span < kMinBlockFrameSize) {
      r.fail(StatusCode::kCorruptData,
             "index entry " + std::to_string(i) + " has frame size " + std::to_string(e.span));
    }
    out.push_back(e);
  }
  return r.status();
}

Expected<ByteSpan> checked_index_body(ByteSpan bytes) {
  if (bytes.size() < kIndexFixedSize + 1) return truncated("index frame is cut short");
  const ByteSpan body = bytes.first(bytes.size() - 4);
  if (load_le32(bytes.data() + body.size()) != xxh64_low32(body)) {
    return checksum_mismatch("index check failed");
  }
  if (body[0] != kIndexFrame) return corrupt_data("index frame has a wrong type");
  return body;
}

Expected<std::vector<IndexEntry>> parse_index(ByteSpan bytes, std::uint64_t max_blocks) {
  KOLMO_ASSIGN_OR_RETURN(const ByteSpan body, checked_index_body(bytes));
  ByteReader r(body);
  r.skip(1);
  std::vector<IndexEntry> entries;
  KOLMO_RETURN_IF_ERROR(read_index_blocks(r, max_blocks, entries));
  if (!r.at_end()) return corrupt_data("index frame has extra bytes after its entries");
  return entries;
}

Bytes serialize_footer(const Footer& f) {
  ByteWriter w;
  w.u64(f.index_offset);
  w.u64(f.content_size);
  w.u64(f.content_xxh64);
  w.u32(xxh64_low32(w.data()));
  w.bytes(kEndMagic);
  return w.take();
}

Expected<Footer> parse_footer(ByteSpan bytes) {
  if (bytes.size() != kFooterSize) return truncated("footer is cut short");
  if (!std::equal(kEndMagic.begin(), kEndMagic.end(), bytes.begin() + 28)) {
    return corrupt_data("no .kmo footer at the end of the file (truncated, or bytes appended)");
  }
  ByteReader r(bytes);
  Footer f;
  f.index_offset = r.u64();
  f.content_size = r.u64();
  f.content_xxh64 = r.u64();
  const std::uint32_t check = r.u32();
  KOLMO_RETURN_IF_ERROR(r.status());
  if (check != xxh64_low32(bytes.first(24))) return checksum_mismatch("footer check failed");
  return f;
}

}  // namespace kolmo::kmo
