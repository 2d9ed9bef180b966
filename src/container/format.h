// The .kmo byte layout (docs/format.md, version 1.0): constants and the parse/serialize functions
// of every fixed structure. Shared by the writer and the readers; knows nothing about codecs, so
// the decode path can include it without pulling in any encoder.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::kmo {

inline constexpr std::array<std::uint8_t, 4> kMagic = {0x89, 0x4B, 0x4D, 0x4F};     // "\x89KMO"
inline constexpr std::array<std::uint8_t, 4> kEndMagic = {0x4F, 0x4D, 0x4B, 0x89};  // "OMK\x89"

inline constexpr std::size_t kFileHeaderSize = 16;
inline constexpr std::size_t kFooterSize = 32;

// Frame type bytes.
inline constexpr std::uint8_t kBlockFrame = 0x01;
inline constexpr std::uint8_t kFirstReservedFrame = 0x02;   // 0x02..0x7F: required
inline constexpr std::uint8_t kDictionaryFrame = 0x03;      // required; single-stream files only
inline constexpr std::uint8_t kFirstSkippableFrame = 0x80;  // 0x80..0xFE: skippable
inline constexpr std::uint8_t kIndexFrame = 0xFF;

// Block frame: type(1) codec(2) params length(1) params(P) original(4) stored(4) check(4),
// then payload(S), payload check(4), content check(8).
inline constexpr std::size_t kBlockPrefixSize = 4;        // type, codec id, params length
inline constexpr std::size_t kBlockHeaderFixedSize = 16;  // header without params
inline constexpr std::size_t kBlockTrailerSize = 12;      // payload check + content check
inline constexpr std::size_t kMinBlockFrameSize = kBlockHeaderFixedSize + kBlockTrailerSize;
inline constexpr std::size_t kMaxBlockHeaderSize = kBlockHeaderFixedSize + 255;

// Skippable frame: type(1) length(4) check(4), then `length` bytes.
inline constexpr std::size_t kSkippableHeaderSize = 9;

// Index: type(1) count(varint) entries(varint, varint, u16) check(4).
inline constexpr std::size_t kMaxIndexEntrySize = 2 * kMaxVarintBytes + 2;
inline constexpr std::size_t kIndexFixedSize = 1 + 4;  // type + check, without the count

// The smallest possible file: header, an index with zero blocks, footer.
inline constexpr std::size_t kMinFileSize = kFileHeaderSize + kIndexFixedSize + 1 + kFooterSize;

// "0x05": how messages name a frame type.
std::string frame_type_hex(std::uint8_t type);

inline bool is_skippable_frame(std::uint8_t type) {
  return type >= kFirstSkippableFrame && type < kIndexFrame;
}

// ---- file header ----
struct FileHeader {
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  std::uint16_t flags = 0;
  std::uint32_t nominal_block_size = 0;
};
Bytes serialize_file_header(const FileHeader& h);
// Checks magic, header check, major version and flags, in that order.
Expected<FileHeader> parse_file_header(ByteSpan bytes);
// Flags this build knows (container/entry.h); any other bit makes a file kUnsupported.
inline constexpr std::uint16_t kKnownHeaderFlags = 0x0001;

// ---- block frame header ----
struct BlockHeader {
  std::uint16_t codec_id = 0;
  Bytes params;
  std::uint32_t original_size = 0;
  std::uint32_t stored_size = 0;

  std::size_t header_size() const { return kBlockHeaderFixedSize + params.size(); }
  std::uint64_t frame_size() const {
    return header_size() + std::uint64_t{stored_size} + kBlockTrailerSize;
  }
};
// Appends the header, its check included. params must be at most 255 bytes.
void append_block_header(const BlockHeader& h, Bytes& out);
// How many header bytes follow the 4-byte prefix (type, codec id, params length).
std::size_t block_header_rest_size(ByteSpan prefix);
// Parses a whole header (prefix included), verifying its check and the size limits.
Expected<BlockHeader> parse_block_header(ByteSpan bytes);

// ---- skippable frame header ----
Bytes serialize_skippable_header(std::uint8_t type, std::uint32_t length);
// Returns the body length after checking the header check and the format limit.
Expected<std::uint32_t> parse_skippable_header(ByteSpan bytes);

// ---- dictionary frame ----
// type(1) codec id(2) body length(4) header check(4), then the body and XXH64(body) (8).
inline constexpr std::size_t kDictionaryHeaderSize = 11;
inline constexpr std::size_t kDictionaryTrailerSize = 8;
// A dictionary body is at most this large (a reader refuses larger ones before allocating).
inline constexpr std::uint64_t kMaxDictionaryBytes = std::uint64_t{1} << 26;
// Files with a dictionary frame are written as format 1.2 (readers read every 1.x).
inline constexpr std::uint8_t kDictionaryFormatMinor = 2;
struct DictionaryHeader {
  std::uint16_t codec_id = 0;
  std::uint32_t body_size = 0;
  std::uint64_t frame_size() const {
    return kDictionaryHeaderSize + std::uint64_t{body_size} + kDictionaryTrailerSize;
  }
};
// The whole frame for `body` (at most kMaxDictionaryBytes).
Bytes serialize_dictionary_frame(std::uint16_t codec_id, ByteSpan body);
// Parses the 11-byte header (type included), verifying its check and the size limit.
Expected<DictionaryHeader> parse_dictionary_header(ByteSpan bytes);
// Verifies the body check of a frame's body + trailer (body_size + 8 bytes).
Status check_dictionary_body(const DictionaryHeader& h, ByteSpan body_and_check);

// ---- index ----
struct IndexEntry {
  std::uint64_t original_size = 0;
  // Bytes from this block frame's start to the next block frame or the index frame: the block
  // frame itself plus any skippable frames right after it.
  std::uint64_t span = 0;
  std::uint16_t codec_id = 0;
};
Bytes serialize_index(const std::vector<IndexEntry>& entries);
// Parses a whole index frame (type byte through check) that must fill `bytes` exactly. Every
// entry is checked against the format limits; at most max_blocks entries are accepted.
Expected<std::vector<IndexEntry>> parse_index(ByteSpan bytes, std::uint64_t max_blocks);
// Pieces of parse_index for the 1.1 index (container/entry.h): verifies the index check and the
// type byte and returns the bytes before the check; reads the block count and block entries.
Expected<ByteSpan> checked_index_body(ByteSpan bytes);
Status read_index_blocks(ByteReader& r, std::uint64_t max_blocks, std::vector<IndexEntry>& out);

// ---- footer ----
struct Footer {
  std::uint64_t index_offset = 0;
  std::uint64_t content_size = 0;
  std::uint64_t content_xxh64 = 0;
};
Bytes serialize_footer(const Footer& f);
Expected<Footer> parse_footer(ByteSpan bytes);

}  // namespace kolmo::kmo
