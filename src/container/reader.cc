// decompress_stream / decompress_buffer / extract_stream: reads a .kmo file front to back (a pipe
// works), decodes blocks in parallel with bounded memory, writes the content in order and verifies
// everything: every header and block check, the entries of a multi-file archive, the index
// against the frames seen, and the footer.
#include <algorithm>
#include <deque>
#include <future>
#include <memory>
#include <string>

#include "container/api_guard.h"
#include "container/block_decode.h"
#include "container/entry.h"
#include "container/format.h"
#include "container/source_reader.h"
#include "kolmo/archive.h"
#include "kolmo/container.h"
#include "kolmo/hash.h"
#include "kolmo/thread_pool.h"

namespace kolmo {
namespace {

// More workers than this only add memory; the output does not depend on it.
constexpr unsigned kMaxThreads = 256;

std::string block_name(std::size_t i) { return "block " + std::to_string(i); }

// Reads one varint of a frame, keeping its raw bytes for the frame's check.
Expected<std::uint64_t> read_raw_varint(kmo::SourceReader& reader, Bytes& raw,
                                        std::string_view what = "the index") {
  const std::size_t start = raw.size();
  for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
    std::uint8_t b = 0;
    KOLMO_RETURN_IF_ERROR(reader.read_exact(MutableByteSpan(&b, 1), what));
    raw.push_back(b);
    if ((b & 0x80) == 0) break;
  }
  ByteReader r(ByteSpan(raw).subspan(start));
  const std::uint64_t v = r.varint();
  KOLMO_RETURN_IF_ERROR(r.status().with_context(what));
  return v;
}

class StreamDecompressor {
 public:
  // Exactly one of out (a single-stream file) and entries (a multi-file archive) is set.
  StreamDecompressor(ByteSource& in, ByteSink* out, EntryOutput* entries,
                     const DecompressOptions& opts)
      : in_(in),
        reader_(in),
        out_(out),
        entries_(entries),
        opts_(opts),
        pool_(opts.threads <= 1 ? 0 : std::min(opts.threads, kMaxThreads)),
        max_in_flight_(opts.threads <= 1 ? 1
                                         : 2 * std::size_t{std::min(opts.threads, kMaxThreads)}) {}

  Expected<CompressStats> run() {
    KOLMO_RETURN_IF_ERROR(read_file_header());
    for (;;) {
      if (opts_.cancel != nullptr && opts_.cancel->load()) {
        return cancelled("decompression cancelled");
      }
      const std::uint64_t frame_start = reader_.offset();
      std::uint8_t type = 0;
      KOLMO_ASSIGN_OR_RETURN(const bool more, reader_.next_byte(type));
      if (!more) {
        return truncated("the file ends after " + std::to_string(seen_.size()) +
                         " blocks, without an index and footer");
      }
      if (type == kmo::kIndexFrame) {
        KOLMO_RETURN_IF_ERROR(finish_entry());
        while (!pending_.empty()) KOLMO_RETURN_IF_ERROR(write_oldest());
        KOLMO_RETURN_IF_ERROR(read_index(frame_start));
        KOLMO_RETURN_IF_ERROR(read_footer(frame_start));
        return CompressStats{reader_.offset(), content_written_, seen_.size()};
      }
      if (type == kmo::kBlockFrame) {
        KOLMO_RETURN_IF_ERROR(read_block_frame(frame_start));
      } else if (type == kmo::kDictionaryFrame && !multi_) {
        KOLMO_RETURN_IF_ERROR(read_dictionary_frame(frame_start));
      } else if (type == kmo::kEntryFrame && multi_) {
        KOLMO_RETURN_IF_ERROR(read_entry_frame(frame_start));
      } else if (kmo::is_skippable_frame(type)) {
        KOLMO_RETURN_IF_ERROR(skip_frame(type, frame_start));
      } else if (type >= kmo::kFirstReservedFrame) {
        return unsupported("frame type " + kmo::frame_type_hex(type) + " at offset " +
                           std::to_string(frame_start) +
                           " is required but unknown to this kolmo; a newer version may read it");
      } else {
        return corrupt_data("invalid frame type " + kmo::frame_type_hex(type) + " at offset " +
                            std::to_string(frame_start));
      }
    }
  }

 private:
  struct SeenBlock {
    std::uint64_t offset = 0;
    std::uint64_t original_size = 0;
    std::uint16_t codec_id = 0;
  };
  // A block being decoded, or (multi-file archives) the opening or closing of an entry, queued
  // between the blocks so that the output sees them in file order while blocks of different
  // files decode in parallel.
  enum class Event { kBlock, kOpen, kClose };
  struct PendingBlock {
    std::future<Expected<Bytes>> result;
    std::uint64_t buffer_bytes = 0;
    std::uint64_t end_offset = 0;
    Event event = Event::kBlock;
    EntryInfo entry;  // kOpen, kClose
  };

  Status read_file_header() {
    std::uint8_t bytes[kmo::kFileHeaderSize];
    KOLMO_RETURN_IF_ERROR(reader_.read_exact(bytes, "the file header"));
    KOLMO_ASSIGN_OR_RETURN(const kmo::FileHeader header, kmo::parse_file_header(bytes));
    multi_ = (header.flags & kmo::kFlagEntries) != 0;
    // Never run the files of an archive together, nor invent entries for a plain stream.
    if (multi_ && entries_ == nullptr) return invalid_argument("multi-file archive: extract it");
    if (!multi_ && entries_ != nullptr) return invalid_argument("not a multi-file archive");
    return ok_status();
  }

  // The dictionary frame: at most one, before every block; checked whole before any block uses
  // it, and kept for the blocks of its codec.
  Status read_dictionary_frame(std::uint64_t frame_start) {
    const std::string what = "the dictionary frame at offset " + std::to_string(frame_start);
    if (dictionary_ != nullptr) return corrupt_data(what + " is the file's second one");
    if (!seen_.empty()) return corrupt_data(what + " follows a block");
    Bytes header(kmo::kDictionaryHeaderSize);
    header[0] = kmo::kDictionaryFrame;
    KOLMO_RETURN_IF_ERROR(reader_.read_exact(MutableByteSpan(header).subspan(1), what));
    Expected<kmo::DictionaryHeader> h = kmo::parse_dictionary_header(header);
    if (!h.ok()) return h.status().with_context(what);
    if (h->body_size > opts_.memory_limit / 2) {
      return limit_exceeded(what + " needs " + std::to_string(h->body_size) +
                            " bytes, more than half the memory limit; raise it with --memory");
    }
    Bytes body;
    KOLMO_RETURN_IF_ERROR(
        reader_.append_exact(body, h->body_size + kmo::kDictionaryTrailerSize, what));
    KOLMO_RETURN_IF_ERROR(kmo::check_dictionary_body(*h, body).with_context(what));
    body.resize(h->body_size);
    dictionary_ = std::make_shared<const Bytes>(std::move(body));
    dictionary_codec_ = h->codec_id;
    return ok_status();
  }

  // An entry frame: the previous entry must be complete; then the new one is checked, queued for
  // opening and becomes the owner of the following blocks.
  Status read_entry_frame(std::uint64_t frame_start) {
    KOLMO_RETURN_IF_ERROR(finish_entry());
    const std::string what = "the entry frame at offset " + std::to_string(frame_start);
    Bytes raw = {kmo::kEntryFrame, 0};
    KOLMO_RETURN_IF_ERROR(reader_.read_exact(MutableByteSpan(raw).subspan(1), what));
    KOLMO_ASSIGN_OR_RETURN(const std::uint64_t path_size, read_raw_varint(reader_, raw, what));
    if (path_size > kmo::kMaxPathBytes) {  // bounded before reading the path
      return corrupt_data(what + " declares a path of " + std::to_string(path_size) + " bytes");
    }
    KOLMO_RETURN_IF_ERROR(reader_.append_exact(raw, static_cast<std::size_t>(path_size), what));
    for (int i = 0; i < 3; ++i) KOLMO_RETURN_IF_ERROR(read_raw_varint(reader_, raw, what).status());
    KOLMO_RETURN_IF_ERROR(reader_.append_exact(raw, 4, what));
    std::size_t consumed = 0;
    Expected<kmo::EntryFrame> frame = kmo::parse_entry_frame(raw, &consumed);
    if (!frame.ok()) return frame.status().with_context(what);
    KOLMO_RETURN_IF_ERROR(kmo::as_corrupt(paths_.add(frame->path, frame->kind)));
    if (paths_.bytes() > opts_.memory_limit) {
      return limit_exceeded("the entry paths need more than the memory limit of " +
                            std::to_string(opts_.memory_limit) + " bytes; raise it with --memory");
    }
    if (frame->size > ~std::uint64_t{0} - content_declared_) {
      return corrupt_data(what + " declares more content than 2^64 bytes");
    }
    current_ = EntryInfo{};
    current_.path = std::move(frame->path);
    current_.kind = frame->kind;
    current_.mode = frame->mode;
    current_.mtime_ns = frame->mtime_ns;
    current_.size = frame->size;
    current_.content_offset = content_declared_;
    current_.first_block = seen_.size();
    content_declared_ += frame->size;
    remaining_ = frame->size;
    have_entry_ = true;
    seen_entries_.push_back({frame_start, seen_.size(), 0});
    return queue_event(Event::kOpen, current_);
  }

  Status queue_event(Event event, const EntryInfo& entry) {
    KOLMO_RETURN_IF_ERROR(make_room(0));
    PendingBlock pending;
    pending.event = event;
    pending.entry = entry;
    pending_.push_back(std::move(pending));
    return ok_status();
  }

  // The current entry's blocks must hold exactly its size; it is closed once they are written.
  Status finish_entry() {
    if (!have_entry_) return ok_status();
    if (remaining_ != 0) {
      return corrupt_data("entry '" + current_.path + "' ends after " +
                          std::to_string(current_.size - remaining_) + " of its " +
                          std::to_string(current_.size) + " bytes");
    }
    have_entry_ = false;
    current_.block_count = seen_.size() - current_.first_block;
    seen_entries_.back().block_count = current_.block_count;
    return queue_event(Event::kClose, current_);
  }

  // In an archive every block belongs to the file entry before it and fits in what it declared.
  Status claim_block(std::uint32_t original_size, const std::string& name) {
    if (!multi_) return ok_status();
    if (!have_entry_ || current_.kind != EntryKind::kFile) {
      return corrupt_data(name + " belongs to no file entry");
    }
    if (original_size > remaining_) {
      return corrupt_data(name + " holds " + std::to_string(original_size) + " bytes, entry '" +
                          current_.path + "' has " + std::to_string(remaining_) + " left");
    }
    remaining_ -= original_size;
    return ok_status();
  }

  Status read_block_frame(std::uint64_t frame_start) {
    const std::size_t number = seen_.size();
    const std::string name = block_name(number);
    Bytes header_bytes(kmo::kBlockPrefixSize);
    header_bytes[0] = kmo::kBlockFrame;
    KOLMO_RETURN_IF_ERROR(
        reader_.read_exact(MutableByteSpan(header_bytes).subspan(1), name + " header"));
    KOLMO_RETURN_IF_ERROR(reader_.append_exact(
        header_bytes, kmo::block_header_rest_size(header_bytes), name + " header"));
    Expected<kmo::BlockHeader> header = kmo::parse_block_header(header_bytes);
    if (!header.ok()) return header.status().with_context(name);
    KOLMO_RETURN_IF_ERROR(claim_block(header->original_size, name));
    KOLMO_ASSIGN_OR_RETURN(const CodecInfo* codec, kmo::decoder_for(header->codec_id, name));
    // A block of the dictionary's codec gets the dictionary, whose bytes its budget carries.
    std::shared_ptr<const Bytes> dictionary;
    if (dictionary_ != nullptr && header->codec_id == dictionary_codec_) dictionary = dictionary_;
    const std::uint64_t dictionary_bytes = dictionary ? dictionary->size() : 0;
    Expected<std::uint64_t> budget = kmo::codec_budget(*header, opts_.memory_limit);
    if (!budget.ok()) return budget.status().with_context(name);
    if (*budget < dictionary_bytes) {
      return limit_exceeded(name + " and the dictionary need more than the memory limit of " +
                            std::to_string(opts_.memory_limit) + " bytes; raise it with --memory");
    }

    const std::uint64_t need = kmo::block_buffer_bytes(*header);
    KOLMO_RETURN_IF_ERROR(make_room(need));
    Bytes body;
    KOLMO_RETURN_IF_ERROR(
        reader_.append_exact(body, header->stored_size + kmo::kBlockTrailerSize, name));
    seen_.push_back({frame_start, header->original_size, header->codec_id});
    PendingBlock pending;
    pending.buffer_bytes = need;
    pending.end_offset = reader_.offset();
    // The block's thread budget: -T divided among the blocks in flight with it (a lone block gets
    // every thread). Codecs that split a block use it; no output depends on it.
    const unsigned share = static_cast<unsigned>(std::max<std::size_t>(
        1, std::min(opts_.threads, kMaxThreads) / (pending_.size() + 1)));
    pending.result = pool_.submit([h = std::move(*header), codec, body = std::move(body),
                                   codec_memory = *budget - dictionary_bytes, share,
                                   dictionary = std::move(dictionary)] {
      return kmo::decode_block_body(h, *codec, body, codec_memory, share,
                                    dictionary ? ByteSpan(*dictionary) : ByteSpan{});
    });
    in_flight_bytes_ += need;
    pending_.push_back(std::move(pending));
    return ok_status();
  }

  Status skip_frame(std::uint8_t type, std::uint64_t frame_start) {
    std::uint8_t bytes[kmo::kSkippableHeaderSize];
    bytes[0] = type;
    const std::string what = "skippable frame at offset " + std::to_string(frame_start);
    KOLMO_RETURN_IF_ERROR(reader_.read_exact(MutableByteSpan(bytes).subspan(1), what));
    Expected<std::uint32_t> length = kmo::parse_skippable_header(bytes);
    if (!length.ok())
      return length.status().with_context("at offset " + std::to_string(frame_start));
    return reader_.skip(*length, what);
  }

  // Waits for decoded blocks until `need` more bytes fit the memory limit and the in-flight cap.
  Status make_room(std::uint64_t need) {
    while (!pending_.empty() &&
           (pending_.size() >= max_in_flight_ || in_flight_bytes_ + need > opts_.memory_limit)) {
      KOLMO_RETURN_IF_ERROR(write_oldest());
    }
    return ok_status();
  }

  Status write_oldest() {
    PendingBlock block = std::move(pending_.front());
    pending_.pop_front();
    if (block.event == Event::kOpen) {
      KOLMO_ASSIGN_OR_RETURN(ByteSink* sink, entries_->open(block.entry));
      sink_ = block.entry.kind == EntryKind::kFile ? sink : nullptr;  // nullptr: verify, discard
      return ok_status();
    }
    if (block.event == Event::kClose) {
      sink_ = nullptr;
      return entries_->close(block.entry);
    }
    in_flight_bytes_ -= block.buffer_bytes;
    Expected<Bytes> content = block.result.get();
    if (!content.ok()) return content.status().with_context(block_name(blocks_written_));
    content_hash_.update(*content);
    content_written_ += content->size();
    ++blocks_written_;
    ByteSink* sink = multi_ ? sink_ : out_;
    if (sink != nullptr) KOLMO_RETURN_IF_ERROR(sink->write(*content));
    if (opts_.progress) opts_.progress(block.end_offset, in_.size_known() ? in_.size() : 0);
    return ok_status();
  }

  Status read_index(std::uint64_t index_offset) {
    Bytes raw = {kmo::kIndexFrame};
    KOLMO_ASSIGN_OR_RETURN(const std::uint64_t count, read_raw_varint(reader_, raw));
    if (count != seen_.size()) {
      return corrupt_data("the index lists " + std::to_string(count) + " blocks, the file holds " +
                          std::to_string(seen_.size()));
    }
    for (std::uint64_t i = 0; i < count; ++i) {
      KOLMO_RETURN_IF_ERROR(read_raw_varint(reader_, raw).status());
      KOLMO_RETURN_IF_ERROR(read_raw_varint(reader_, raw).status());
      KOLMO_RETURN_IF_ERROR(reader_.append_exact(raw, 2, "the index"));
    }
    if (!multi_) {
      KOLMO_RETURN_IF_ERROR(reader_.append_exact(raw, 4, "the index"));
      KOLMO_ASSIGN_OR_RETURN(const std::vector<kmo::IndexEntry> entries,
                             kmo::parse_index(raw, seen_.size()));
      return check_index(entries, index_offset);
    }
    KOLMO_ASSIGN_OR_RETURN(const std::uint64_t entry_count, read_raw_varint(reader_, raw));
    if (entry_count != seen_entries_.size()) {
      return corrupt_data("the index lists " + std::to_string(entry_count) +
                          " entries, the file holds " + std::to_string(seen_entries_.size()));
    }
    for (std::uint64_t i = 0; i < 3 * entry_count; ++i) {
      KOLMO_RETURN_IF_ERROR(read_raw_varint(reader_, raw).status());
    }
    KOLMO_RETURN_IF_ERROR(reader_.append_exact(raw, 4, "the index"));
    KOLMO_ASSIGN_OR_RETURN(const kmo::ArchiveIndex index,
                           kmo::parse_archive_index(raw, seen_.size(), seen_entries_.size()));
    KOLMO_RETURN_IF_ERROR(check_index(index.blocks, index_offset));
    for (std::size_t i = 0; i < index.entries.size(); ++i) {
      const kmo::EntryRef& e = index.entries[i];
      const kmo::EntryRef& s = seen_entries_[i];
      if (e.frame_offset != s.frame_offset || e.first_block != s.first_block ||
          e.block_count != s.block_count) {
        return corrupt_data("index entry " + std::to_string(i) + " disagrees with entry frame " +
                            std::to_string(i));
      }
    }
    return ok_status();
  }

  Status check_index(const std::vector<kmo::IndexEntry>& entries, std::uint64_t index_offset) {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const SeenBlock& b = seen_[i];
      const std::uint64_t next = i + 1 < seen_.size() ? seen_[i + 1].offset : index_offset;
      const kmo::IndexEntry& e = entries[i];
      if (e.original_size != b.original_size || e.span != next - b.offset ||
          e.codec_id != b.codec_id) {
        return corrupt_data("index entry " + std::to_string(i) + " (size " +
                            std::to_string(e.original_size) + ", frame " + std::to_string(e.span) +
                            " bytes, codec " + std::to_string(e.codec_id) + ") disagrees with " +
                            block_name(i) + " (size " + std::to_string(b.original_size) +
                            ", frame " + std::to_string(next - b.offset) + " bytes, codec " +
                            std::to_string(b.codec_id) + ")");
      }
    }
    return ok_status();
  }

  Status read_footer(std::uint64_t index_offset) {
    std::uint8_t bytes[kmo::kFooterSize];
    KOLMO_RETURN_IF_ERROR(reader_.read_exact(bytes, "the footer"));
    KOLMO_ASSIGN_OR_RETURN(const kmo::Footer footer, kmo::parse_footer(bytes));
    if (footer.index_offset != index_offset) {
      return corrupt_data("the footer puts the index at offset " +
                          std::to_string(footer.index_offset) + ", it is at " +
                          std::to_string(index_offset));
    }
    if (footer.content_size != content_written_) {
      return corrupt_data("the footer says the content is " + std::to_string(footer.content_size) +
                          " bytes, the blocks hold " + std::to_string(content_written_));
    }
    if (footer.content_xxh64 != content_hash_.digest()) {
      return checksum_mismatch("the content check in the footer disagrees with the content");
    }
    std::uint8_t extra = 0;
    KOLMO_ASSIGN_OR_RETURN(const bool trailing, reader_.next_byte(extra));
    if (trailing) {
      return corrupt_data("bytes follow the footer at offset " +
                          std::to_string(reader_.offset() - 1));
    }
    return ok_status();
  }

  ByteSource& in_;
  kmo::SourceReader reader_;
  ByteSink* out_;
  EntryOutput* entries_;
  const DecompressOptions& opts_;
  ThreadPool pool_;
  std::size_t max_in_flight_;
  std::deque<PendingBlock> pending_;  // destroyed before pool_, whose tasks own their data
  std::uint64_t in_flight_bytes_ = 0;
  std::vector<SeenBlock> seen_;
  std::shared_ptr<const Bytes> dictionary_;  // the dictionary frame's body; shared with tasks
  std::uint16_t dictionary_codec_ = 0;
  std::size_t blocks_written_ = 0;
  std::uint64_t content_written_ = 0;
  Xxh64Stream content_hash_;
  // Multi-file archives only.
  bool multi_ = false;
  bool have_entry_ = false;
  EntryInfo current_;
  ByteSink* sink_ = nullptr;      // the current file's sink; nullptr discards
  std::uint64_t remaining_ = 0;   // bytes of the current entry not yet claimed by a block
  std::uint64_t content_declared_ = 0;
  kmo::PathSet paths_;
  std::vector<kmo::EntryRef> seen_entries_;
};

}  // namespace

Expected<CompressStats> decompress_stream(ByteSource& in, ByteSink& out,
                                          const DecompressOptions& opts) {
  return kmo::guard_api([&]() -> Expected<CompressStats> {
    // Heap-allocated: the decompressor holds a 64 KiB read buffer.
    auto decompressor = std::make_unique<StreamDecompressor>(in, &out, nullptr, opts);
    return decompressor->run();
  });
}

Expected<CompressStats> extract_stream(ByteSource& in, EntryOutput& out,
                                       const DecompressOptions& opts) {
  return kmo::guard_api([&]() -> Expected<CompressStats> {
    auto decompressor = std::make_unique<StreamDecompressor>(in, nullptr, &out, opts);
    return decompressor->run();
  });
}

Expected<Bytes> decompress_buffer(ByteSpan file, const DecompressOptions& opts) {
  return kmo::guard_api([&]() -> Expected<Bytes> {
    MemorySource source(file);
    MemorySink sink;
    KOLMO_RETURN_IF_ERROR(decompress_stream(source, sink, opts).status());
    return std::move(sink.bytes());
  });
}

}  // namespace kolmo
