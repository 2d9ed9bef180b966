// decompress_stream / decompress_buffer: reads a .kmo file front to back (a pipe works), decodes
// blocks in parallel with bounded memory, writes the content in order and verifies everything:
// every header and block check, the index against the frames seen, and the footer.
#include <algorithm>
#include <deque>
#include <future>
#include <string>

#include "container/api_guard.h"
#include "container/block_decode.h"
#include "container/format.h"
#include "container/source_reader.h"
#include "kolmo/container.h"
#include "kolmo/hash.h"
#include "kolmo/thread_pool.h"

namespace kolmo {
namespace {

// More workers than this only add memory; the output does not depend on it.
constexpr unsigned kMaxThreads = 256;

std::string block_name(std::size_t i) { return "block " + std::to_string(i); }

// Reads one varint of the index, keeping its raw bytes for the index check.
Expected<std::uint64_t> read_index_varint(kmo::SourceReader& reader, Bytes& raw) {
  const std::size_t start = raw.size();
  for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
    std::uint8_t b = 0;
    KOLMO_RETURN_IF_ERROR(reader.read_exact(MutableByteSpan(&b, 1), "the index"));
    raw.push_back(b);
    if ((b & 0x80) == 0) break;
  }
  ByteReader r(ByteSpan(raw).subspan(start));
  const std::uint64_t v = r.varint();
  KOLMO_RETURN_IF_ERROR(r.status().with_context("index"));
  return v;
}

class StreamDecompressor {
 public:
  StreamDecompressor(ByteSource& in, ByteSink& out, const DecompressOptions& opts)
      : in_(in),
        reader_(in),
        out_(out),
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
        while (!pending_.empty()) KOLMO_RETURN_IF_ERROR(write_oldest());
        KOLMO_RETURN_IF_ERROR(read_index(frame_start));
        KOLMO_RETURN_IF_ERROR(read_footer(frame_start));
        return CompressStats{reader_.offset(), content_written_, seen_.size()};
      }
      if (type == kmo::kBlockFrame) {
        KOLMO_RETURN_IF_ERROR(read_block_frame(frame_start));
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
  struct PendingBlock {
    std::future<Expected<Bytes>> result;
    std::uint64_t buffer_bytes = 0;
    std::uint64_t end_offset = 0;
  };

  Status read_file_header() {
    std::uint8_t bytes[kmo::kFileHeaderSize];
    KOLMO_RETURN_IF_ERROR(reader_.read_exact(bytes, "the file header"));
    return kmo::parse_file_header(bytes).status();
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
    KOLMO_ASSIGN_OR_RETURN(const CodecInfo* codec, kmo::decoder_for(header->codec_id, name));
    Expected<std::uint64_t> budget = kmo::codec_budget(*header, opts_.memory_limit);
    if (!budget.ok()) return budget.status().with_context(name);

    const std::uint64_t need = kmo::block_buffer_bytes(*header);
    KOLMO_RETURN_IF_ERROR(make_room(need));
    Bytes body;
    KOLMO_RETURN_IF_ERROR(
        reader_.append_exact(body, header->stored_size + kmo::kBlockTrailerSize, name));
    seen_.push_back({frame_start, header->original_size, header->codec_id});
    PendingBlock pending;
    pending.buffer_bytes = need;
    pending.end_offset = reader_.offset();
    pending.result = pool_.submit(
        [h = std::move(*header), codec, body = std::move(body), codec_memory = *budget] {
          return kmo::decode_block_body(h, *codec, body, codec_memory);
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
    in_flight_bytes_ -= block.buffer_bytes;
    Expected<Bytes> content = block.result.get();
    if (!content.ok()) return content.status().with_context(block_name(blocks_written_));
    content_hash_.update(*content);
    content_written_ += content->size();
    ++blocks_written_;
    KOLMO_RETURN_IF_ERROR(out_.write(*content));
    if (opts_.progress) opts_.progress(block.end_offset, in_.size_known() ? in_.size() : 0);
    return ok_status();
  }

  Status read_index(std::uint64_t index_offset) {
    Bytes raw = {kmo::kIndexFrame};
    KOLMO_ASSIGN_OR_RETURN(const std::uint64_t count, read_index_varint(reader_, raw));
    if (count != seen_.size()) {
      return corrupt_data("the index lists " + std::to_string(count) + " blocks, the file holds " +
                          std::to_string(seen_.size()));
    }
    for (std::uint64_t i = 0; i < count; ++i) {
      KOLMO_RETURN_IF_ERROR(read_index_varint(reader_, raw).status());
      KOLMO_RETURN_IF_ERROR(read_index_varint(reader_, raw).status());
      KOLMO_RETURN_IF_ERROR(reader_.append_exact(raw, 2, "the index"));
    }
    KOLMO_RETURN_IF_ERROR(reader_.append_exact(raw, 4, "the index"));
    KOLMO_ASSIGN_OR_RETURN(const std::vector<kmo::IndexEntry> entries,
                           kmo::parse_index(raw, seen_.size()));
    return check_index(entries, index_offset);
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
  ByteSink& out_;
  const DecompressOptions& opts_;
  ThreadPool pool_;
  std::size_t max_in_flight_;
  std::deque<PendingBlock> pending_;  // destroyed before pool_, whose tasks own their data
  std::uint64_t in_flight_bytes_ = 0;
  std::vector<SeenBlock> seen_;
  std::size_t blocks_written_ = 0;
  std::uint64_t content_written_ = 0;
  Xxh64Stream content_hash_;
};

}  // namespace

Expected<CompressStats> decompress_stream(ByteSource& in, ByteSink& out,
                                          const DecompressOptions& opts) {
  return kmo::guard_api([&]() -> Expected<CompressStats> {
    // Heap-allocated: the decompressor holds a 64 KiB read buffer.
    auto decompressor = std::make_unique<StreamDecompressor>(in, out, opts);
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
