// Random access: read_archive_info lists a file through its footer and index (reading each block
// frame's header, never a payload); decode_block decodes one block alone.
#include <algorithm>
#include <string>

#include "container/api_guard.h"
#include "container/block_decode.h"
#include "container/entry.h"
#include "container/format.h"
#include "container/random_access.h"
#include "kolmo/container.h"

namespace kolmo {
namespace kmo {

std::string block_name(std::size_t i) { return "block " + std::to_string(i); }

// Reads and parses the block frame header at `offset`; `available` bounds the read.
Expected<kmo::BlockHeader> read_block_header(const RandomAccessSource& file, std::uint64_t offset,
                                             std::uint64_t available) {
  Bytes bytes(
      static_cast<std::size_t>(std::min<std::uint64_t>(kmo::kMaxBlockHeaderSize, available)));
  KOLMO_RETURN_IF_ERROR(file.read_at(offset, bytes));
  if (bytes.empty() || bytes[0] != kmo::kBlockFrame) {
    return corrupt_data("no block frame at offset " + std::to_string(offset));
  }
  return kmo::parse_block_header(bytes);
}

Expected<Tail> read_tail(const RandomAccessSource& file, bool multi_file,
                         std::uint64_t memory_limit) {
  const std::uint64_t size = file.size();
  Tail tail;
  Bytes footer_bytes(kmo::kFooterSize);
  KOLMO_RETURN_IF_ERROR(file.read_at(size - kmo::kFooterSize, footer_bytes));
  KOLMO_ASSIGN_OR_RETURN(tail.footer, kmo::parse_footer(footer_bytes));
  const std::uint64_t index_offset = tail.footer.index_offset;
  const std::uint64_t index_end = size - kmo::kFooterSize;
  if (index_offset < kmo::kFileHeaderSize ||
      index_offset > index_end - (kmo::kIndexFixedSize + 1)) {
    return corrupt_data("the footer puts the index at offset " + std::to_string(index_offset) +
                        ", outside the file");
  }
  const std::uint64_t index_size = index_end - index_offset;
  const std::uint64_t max_blocks = (index_offset - kmo::kFileHeaderSize) / kmo::kMinBlockFrameSize;
  const std::uint64_t max_entries =
      multi_file ? (index_offset - kmo::kFileHeaderSize) / kMinEntryFrameSize : 0;
  if (index_size > kmo::kIndexFixedSize + 2 * kMaxVarintBytes +
                       max_blocks * kmo::kMaxIndexEntrySize + max_entries * 3 * kMaxVarintBytes) {
    return corrupt_data("the index (" + std::to_string(index_size) +
                        " bytes) is larger than the file could need");
  }
  if (index_size > memory_limit) {
    return limit_exceeded("the index needs " + std::to_string(index_size) +
                          " bytes, more than the memory limit of " + std::to_string(memory_limit) +
                          " bytes; raise it with --memory");
  }
  Bytes index_bytes(static_cast<std::size_t>(index_size));
  KOLMO_RETURN_IF_ERROR(file.read_at(index_offset, index_bytes));
  if (!multi_file) {
    KOLMO_ASSIGN_OR_RETURN(tail.entries, kmo::parse_index(index_bytes, max_blocks));
    return tail;
  }
  KOLMO_ASSIGN_OR_RETURN(ArchiveIndex index,
                         parse_archive_index(index_bytes, max_blocks, max_entries));
  tail.entries = std::move(index.blocks);
  tail.entry_refs = std::move(index.entries);
  return tail;
}

namespace {

// Lays the index out over the file (block offsets from the spans) and checks each block frame
// header against its entry.
Status fill_blocks(const RandomAccessSource& file, const Tail& tail, ArchiveInfo& info) {
  const std::uint64_t frames_room = tail.footer.index_offset - kmo::kFileHeaderSize;
  std::uint64_t spans = 0;
  std::uint64_t content = 0;  // at most 2^30 per block: cannot wrap
  for (const kmo::IndexEntry& e : tail.entries) {
    if (e.span > frames_room - spans) {  // written so that the sum cannot wrap
      return corrupt_data("the index's frame sizes add up to more than the file holds");
    }
    spans += e.span;
    content += e.original_size;
  }
  if (content != tail.footer.content_size) {
    return corrupt_data("the index's block sizes add up to " + std::to_string(content) +
                        " bytes, the footer says " + std::to_string(tail.footer.content_size));
  }
  // Skippable frames may precede the first block; they are not in the index.
  std::uint64_t offset = tail.footer.index_offset - spans;
  content = 0;
  info.blocks.reserve(tail.entries.size());
  for (std::size_t i = 0; i < tail.entries.size(); ++i) {
    const kmo::IndexEntry& e = tail.entries[i];
    Expected<kmo::BlockHeader> h = read_block_header(file, offset, e.span);
    if (!h.ok()) return h.status().with_context(block_name(i));
    if (h->original_size != e.original_size || h->codec_id != e.codec_id ||
        h->frame_size() > e.span) {
      return corrupt_data(block_name(i) + " at offset " + std::to_string(offset) +
                          " disagrees with its index entry");
    }
    BlockInfo b;
    b.file_offset = offset;
    b.content_offset = content;
    b.original_size = h->original_size;
    b.stored_size = h->stored_size;
    b.frame_size = h->frame_size();
    b.codec = static_cast<CodecId>(h->codec_id);
    b.codec_name = kmo::codec_display_name(h->codec_id);
    info.blocks.push_back(std::move(b));
    offset += e.span;
    content += e.original_size;
  }
  return ok_status();
}

// The frames between the file header and the first block of a single-stream file: skippable
// frames and at most one dictionary frame, which must fill that gap exactly.
Status find_dictionary(const RandomAccessSource& file, std::uint64_t first_block,
                       ArchiveInfo& info) {
  std::uint64_t offset = kmo::kFileHeaderSize;
  while (offset < first_block) {
    const std::uint64_t room = first_block - offset;
    std::uint8_t header[kmo::kDictionaryHeaderSize] = {};
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(room, sizeof(header)));
    KOLMO_RETURN_IF_ERROR(file.read_at(offset, MutableByteSpan(header, n)));
    const std::string where = " at offset " + std::to_string(offset);
    std::uint64_t frame_size = 0;
    if (header[0] == kmo::kDictionaryFrame) {
      Expected<kmo::DictionaryHeader> h = kmo::parse_dictionary_header(ByteSpan(header, n));
      if (!h.ok()) return h.status().with_context("the dictionary frame" + where);
      if (info.dictionary_size != 0) return corrupt_data("a second dictionary frame" + where);
      info.dictionary_offset = offset;
      info.dictionary_size = h->body_size;
      info.dictionary_codec = static_cast<CodecId>(h->codec_id);
      frame_size = h->frame_size();
    } else if (kmo::is_skippable_frame(header[0]) && n >= kmo::kSkippableHeaderSize) {
      Expected<std::uint32_t> length = kmo::parse_skippable_header(ByteSpan(header, n));
      if (!length.ok()) return length.status().with_context("the frame" + where);
      frame_size = kmo::kSkippableHeaderSize + std::uint64_t{*length};
    } else if (header[0] >= kmo::kFirstReservedFrame && header[0] < kmo::kFirstSkippableFrame) {
      return unsupported("frame type " + kmo::frame_type_hex(header[0]) + where +
                         " is required but unknown to this kolmo; a newer version may read it");
    } else {
      return corrupt_data("the bytes before the first block" + where + " are no frame");
    }
    if (frame_size > room) {
      return corrupt_data("the frame" + where + " runs into the first block");
    }
    offset += frame_size;
  }
  return ok_status();
}

Expected<ArchiveInfo> read_info(const RandomAccessSource& file, const DecompressOptions& opts) {
  const std::uint64_t size = file.size();
  if (size < kmo::kFileHeaderSize) {
    return truncated("the file is " + std::to_string(size) + " bytes, too short for .kmo");
  }
  Bytes header_bytes(kmo::kFileHeaderSize);
  KOLMO_RETURN_IF_ERROR(file.read_at(0, header_bytes));
  KOLMO_ASSIGN_OR_RETURN(const kmo::FileHeader header, kmo::parse_file_header(header_bytes));
  if (size < kmo::kMinFileSize) {
    return truncated("the file is " + std::to_string(size) + " bytes, too short for .kmo");
  }
  const bool multi_file = (header.flags & kmo::kFlagEntries) != 0;
  KOLMO_ASSIGN_OR_RETURN(const Tail tail, read_tail(file, multi_file, opts.memory_limit));
  if (tail.entries.size() > opts.memory_limit / sizeof(BlockInfo)) {
    return limit_exceeded("listing " + std::to_string(tail.entries.size()) +
                          " blocks needs more than the memory limit of " +
                          std::to_string(opts.memory_limit) + " bytes; raise it with --memory");
  }
  ArchiveInfo info;
  info.format_major = header.major;
  info.format_minor = header.minor;
  info.multi_file = multi_file;
  info.file_size = size;
  info.content_size = tail.footer.content_size;
  info.content_xxh64 = tail.footer.content_xxh64;
  KOLMO_RETURN_IF_ERROR(fill_blocks(file, tail, info));
  if (!multi_file) {
    const std::uint64_t first_block =
        info.blocks.empty() ? tail.footer.index_offset : info.blocks.front().file_offset;
    KOLMO_RETURN_IF_ERROR(find_dictionary(file, first_block, info));
  }
  return info;
}

}  // namespace

namespace {

// The header of block `index`, checked against the caller's listing, with the block's codec and
// the memory budget left for that codec.
struct CheckedBlock {
  BlockHeader header;
  const CodecInfo* codec = nullptr;
  std::uint64_t codec_budget = 0;
  std::uint64_t body_offset = 0;
};

Expected<CheckedBlock> check_block(const RandomAccessSource& file, const ArchiveInfo& info,
                                   std::size_t index, const DecompressOptions& opts) {
  if (index >= info.blocks.size()) {
    return invalid_argument("block " + std::to_string(index) + " does not exist (the file has " +
                            std::to_string(info.blocks.size()) + ")");
  }
  const BlockInfo& b = info.blocks[index];
  const std::uint64_t size = file.size();
  if (b.file_offset >= size) return corrupt_data("the block lies outside the file");
  CheckedBlock c;
  KOLMO_ASSIGN_OR_RETURN(c.header, read_block_header(file, b.file_offset, size - b.file_offset));
  const BlockHeader& h = c.header;
  // The caller's info may be stale or from another file: trust only what the frame says.
  if (h.original_size != b.original_size || h.codec_id != static_cast<std::uint16_t>(b.codec) ||
      h.stored_size != b.stored_size) {
    return corrupt_data("the block frame disagrees with the listing");
  }
  KOLMO_ASSIGN_OR_RETURN(c.codec, kmo::decoder_for(h.codec_id, "this block"));
  KOLMO_ASSIGN_OR_RETURN(c.codec_budget, kmo::codec_budget(h, opts.memory_limit));
  c.body_offset = b.file_offset + h.header_size();
  return c;
}

}  // namespace

Expected<Bytes> read_dictionary_body(const RandomAccessSource& file, const ArchiveInfo& info,
                                     std::uint64_t memory_limit) {
  if (info.dictionary_size == 0) return Bytes{};
  if (info.dictionary_size > kmo::kMaxDictionaryBytes || info.dictionary_size > memory_limit / 2) {
    return limit_exceeded("the dictionary frame needs " + std::to_string(info.dictionary_size) +
                          " bytes, more than half the memory limit; raise it with --memory");
  }
  const std::uint64_t size = file.size();
  if (info.dictionary_offset >= size ||
      size - info.dictionary_offset < kmo::kDictionaryHeaderSize + info.dictionary_size +
                                           kmo::kDictionaryTrailerSize) {
    return corrupt_data("the dictionary frame lies outside the file");
  }
  Bytes header(kmo::kDictionaryHeaderSize);
  KOLMO_RETURN_IF_ERROR(file.read_at(info.dictionary_offset, header));
  KOLMO_ASSIGN_OR_RETURN(const DictionaryHeader h, kmo::parse_dictionary_header(header));
  // The caller's info may be stale or from another file: trust only what the frame says.
  if (h.body_size != info.dictionary_size ||
      h.codec_id != static_cast<std::uint16_t>(info.dictionary_codec)) {
    return corrupt_data("the dictionary frame disagrees with the listing");
  }
  Bytes body(h.body_size + kmo::kDictionaryTrailerSize);
  KOLMO_RETURN_IF_ERROR(file.read_at(info.dictionary_offset + kmo::kDictionaryHeaderSize, body));
  KOLMO_RETURN_IF_ERROR(kmo::check_dictionary_body(h, body));
  body.resize(h.body_size);
  return body;
}

namespace {

// The file's dictionary when block `c` needs it (its codec's), counted against its budget.
Expected<Bytes> dictionary_for_block(const RandomAccessSource& file, const ArchiveInfo& info,
                                     CheckedBlock& c, const DecompressOptions& opts) {
  if (info.dictionary_size == 0 ||
      c.header.codec_id != static_cast<std::uint16_t>(info.dictionary_codec)) {
    return Bytes{};
  }
  KOLMO_ASSIGN_OR_RETURN(Bytes dictionary, read_dictionary_body(file, info, opts.memory_limit));
  if (c.codec_budget < dictionary.size()) {
    return limit_exceeded("the block and the dictionary need more than the memory limit; "
                          "raise it with --memory");
  }
  c.codec_budget -= dictionary.size();
  return dictionary;
}

}  // namespace

Expected<Bytes> decode_one(const RandomAccessSource& file, const ArchiveInfo& info,
                           std::size_t index, const DecompressOptions& opts) {
  KOLMO_ASSIGN_OR_RETURN(CheckedBlock c, check_block(file, info, index, opts));
  KOLMO_ASSIGN_OR_RETURN(const Bytes dictionary, dictionary_for_block(file, info, c, opts));
  Bytes body(c.header.stored_size + kmo::kBlockTrailerSize);
  KOLMO_RETURN_IF_ERROR(file.read_at(c.body_offset, body));
  return kmo::decode_block_body(c.header, *c.codec, body, c.codec_budget, 1, dictionary);
}

Status decode_one_into(const RandomAccessSource& file, const ArchiveInfo& info, std::size_t index,
                       MutableByteSpan output, const DecompressOptions& opts) {
  KOLMO_ASSIGN_OR_RETURN(CheckedBlock c, check_block(file, info, index, opts));
  if (output.size() != c.header.original_size) {
    return invalid_argument("the output span does not match the block's size");
  }
  KOLMO_ASSIGN_OR_RETURN(const Bytes dictionary, dictionary_for_block(file, info, c, opts));
  Bytes body(c.header.stored_size + kmo::kBlockTrailerSize);
  KOLMO_RETURN_IF_ERROR(file.read_at(c.body_offset, body));
  return kmo::decode_block_body_into(c.header, *c.codec, body, output, c.codec_budget, 1,
                                     dictionary);
}

}  // namespace kmo

Expected<ArchiveInfo> read_archive_info(const RandomAccessSource& file) {
  return read_archive_info(file, DecompressOptions{});
}

Expected<ArchiveInfo> read_archive_info(const RandomAccessSource& file,
                                        const DecompressOptions& opts) {
  return kmo::guard_api([&]() -> Expected<ArchiveInfo> { return kmo::read_info(file, opts); });
}

Expected<Bytes> read_dictionary(const RandomAccessSource& file, const ArchiveInfo& info,
                                const DecompressOptions& opts) {
  return kmo::guard_api([&]() -> Expected<Bytes> {
    Expected<Bytes> body = kmo::read_dictionary_body(file, info, opts.memory_limit);
    if (!body.ok()) return body.status().with_context("the dictionary frame");
    return body;
  });
}

Expected<Bytes> decode_block(const RandomAccessSource& file, const ArchiveInfo& info,
                             std::size_t index, const DecompressOptions& opts) {
  return kmo::guard_api([&]() -> Expected<Bytes> {
    Expected<Bytes> content = kmo::decode_one(file, info, index, opts);
    if (!content.ok()) return content.status().with_context(kmo::block_name(index));
    return content;
  });
}

}  // namespace kolmo
