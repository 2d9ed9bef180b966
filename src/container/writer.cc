// compress_stream / compress_buffer: input in fixed-size blocks, encoded in parallel, frames
// written in input order, then the index and the footer.
#include <algorithm>
#include <deque>
#include <future>
#include <string>

#include "container/api_guard.h"
#include "container/format.h"
#include "container/source_reader.h"
#include "kolmo/container.h"
#include "kolmo/hash.h"
#include "kolmo/thread_pool.h"
#include "kolmo/version.h"

namespace kolmo {
namespace {

using kmo::IndexEntry;

// More workers than this only add memory; the output does not depend on it.
constexpr unsigned kMaxThreads = 256;

struct ChosenEncoder {
  std::unique_ptr<BlockEncoder> encoder;
  std::uint16_t codec_id = 0;
  std::uint64_t block_size = 0;
};

Expected<ChosenEncoder> choose_encoder(const CompressOptions& opts) {
  ChosenEncoder chosen;
  KOLMO_ASSIGN_OR_RETURN(chosen.encoder, make_encoder(opts.codec_spec, opts.level));
  // The encoder does not know its id; the spec's name part does (make_encoder validated it).
  std::string_view name = opts.codec_spec;
  if (name.empty()) name = kDefaultCodecName;
  const CodecInfo* codec = find_codec(name.substr(0, name.find(':')));
  if (codec == nullptr) return internal_error("encoder built for an unknown codec name");
  chosen.codec_id = static_cast<std::uint16_t>(codec->id);
  chosen.block_size =
      opts.block_size != 0 ? opts.block_size : chosen.encoder->preferred_block_size();
  if (chosen.block_size < kMinBlockSize || chosen.block_size > kMaxBlockSize) {
    return invalid_argument("block size " + std::to_string(chosen.block_size) + " is outside " +
                            std::to_string(kMinBlockSize) + ".." + std::to_string(kMaxBlockSize));
  }
  return chosen;
}

struct EncodedFrame {
  Bytes bytes;  // the whole block frame
  std::uint64_t original_size = 0;
  std::uint16_t codec_id = 0;
};

// Runs on a worker thread: one independent block to one complete frame.
Expected<EncodedFrame> encode_frame(const BlockEncoder& encoder, std::uint16_t codec_id,
                                    const Bytes& input) {
  EncodedBlock encoded;
  KOLMO_RETURN_IF_ERROR(encoder.encode_block(input, encoded));
  kmo::BlockHeader header;
  header.codec_id = codec_id;
  header.original_size = static_cast<std::uint32_t>(input.size());
  ByteSpan payload = encoded.payload;
  // Storing is never worse than a payload at least as large as the input, and decodes fastest.
  if (codec_id != static_cast<std::uint16_t>(CodecId::kStore) &&
      encoded.payload.size() >= input.size()) {
    header.codec_id = static_cast<std::uint16_t>(CodecId::kStore);
    payload = input;
  } else {
    if (encoded.params.size() > kMaxCodecParamsBytes) {
      return internal_error("codec produced " + std::to_string(encoded.params.size()) +
                            " parameter bytes, more than " + std::to_string(kMaxCodecParamsBytes));
    }
    header.params = std::move(encoded.params);
  }
  if (payload.size() > kMaxBlockSize) return internal_error("codec payload exceeds the format");
  header.stored_size = static_cast<std::uint32_t>(payload.size());

  EncodedFrame frame;
  frame.original_size = input.size();
  frame.codec_id = header.codec_id;
  frame.bytes.reserve(header.frame_size());
  kmo::append_block_header(header, frame.bytes);
  frame.bytes.insert(frame.bytes.end(), payload.begin(), payload.end());
  std::uint8_t checks[kmo::kBlockTrailerSize];
  store_le32(checks, xxh64_low32(payload));
  store_le64(checks + 4, xxh64(input));
  frame.bytes.insert(frame.bytes.end(), checks, checks + sizeof(checks));
  return frame;
}

class StreamCompressor {
 public:
  StreamCompressor(ByteSource& in, ByteSink& out, const CompressOptions& opts, ChosenEncoder chosen)
      : in_(in),
        reader_(in),
        out_(out),
        opts_(opts),
        chosen_(std::move(chosen)),
        pool_(opts.threads <= 1 ? 0 : std::min(opts.threads, kMaxThreads)),
        max_in_flight_(opts.threads <= 1 ? 1
                                         : 2 * std::size_t{std::min(opts.threads, kMaxThreads)}) {}

  Expected<CompressStats> run() {
    kmo::FileHeader header;
    header.major = kFormatMajor;
    header.minor = kFormatMinor;
    header.nominal_block_size = static_cast<std::uint32_t>(chosen_.block_size);
    KOLMO_RETURN_IF_ERROR(write(kmo::serialize_file_header(header)));
    for (;;) {
      if (opts_.cancel != nullptr && opts_.cancel->load())
        return cancelled("compression cancelled");
      Bytes block;
      block.reserve(reserve_hint());
      KOLMO_ASSIGN_OR_RETURN(const std::size_t got,
                             reader_.append_up_to(block, chosen_.block_size));
      if (got == 0) break;
      content_hash_.update(block);
      content_size_ += got;
      if (in_flight_.size() >= max_in_flight_) KOLMO_RETURN_IF_ERROR(write_oldest());
      const BlockEncoder* encoder = chosen_.encoder.get();
      const std::uint16_t codec_id = chosen_.codec_id;
      in_flight_.push_back(pool_.submit([encoder, codec_id, input = std::move(block)] {
        return encode_frame(*encoder, codec_id, input);
      }));
      if (got < chosen_.block_size) break;  // a short block is the last one
    }
    while (!in_flight_.empty()) KOLMO_RETURN_IF_ERROR(write_oldest());
    KOLMO_RETURN_IF_ERROR(write_index_and_footer());
    return CompressStats{content_size_, written_, index_.size()};
  }

 private:
  std::size_t reserve_hint() const {
    if (!in_.size_known() || in_.size() <= reader_.offset()) return 0;
    return static_cast<std::size_t>(std::min(chosen_.block_size, in_.size() - reader_.offset()));
  }

  Status write(ByteSpan bytes) {
    written_ += bytes.size();
    return out_.write(bytes);
  }

  Status write_oldest() {
    Expected<EncodedFrame> frame = in_flight_.front().get();
    in_flight_.pop_front();
    if (!frame.ok()) return frame.status().with_context("block " + std::to_string(index_.size()));
    KOLMO_RETURN_IF_ERROR(write(frame->bytes));
    index_.push_back({frame->original_size, frame->bytes.size(), frame->codec_id});
    done_ += frame->original_size;
    if (opts_.progress) opts_.progress(done_, in_.size_known() ? in_.size() : 0);
    return ok_status();
  }

  Status write_index_and_footer() {
    kmo::Footer footer;
    footer.index_offset = written_;
    footer.content_size = content_size_;
    footer.content_xxh64 = content_hash_.digest();
    KOLMO_RETURN_IF_ERROR(write(kmo::serialize_index(index_)));
    return write(kmo::serialize_footer(footer));
  }

  ByteSource& in_;
  kmo::SourceReader reader_;
  ByteSink& out_;
  const CompressOptions& opts_;
  ChosenEncoder chosen_;  // outlives pool_, whose tasks use the encoder
  ThreadPool pool_;
  std::size_t max_in_flight_;
  std::deque<std::future<Expected<EncodedFrame>>> in_flight_;
  std::vector<IndexEntry> index_;
  Xxh64Stream content_hash_;
  std::uint64_t content_size_ = 0;
  std::uint64_t done_ = 0;
  std::uint64_t written_ = 0;
};

}  // namespace

Expected<CompressStats> compress_stream(ByteSource& in, ByteSink& out,
                                        const CompressOptions& opts) {
  return kmo::guard_api([&]() -> Expected<CompressStats> {
    KOLMO_ASSIGN_OR_RETURN(ChosenEncoder chosen, choose_encoder(opts));
    // Heap-allocated: the compressor holds a 64 KiB read buffer.
    auto compressor = std::make_unique<StreamCompressor>(in, out, opts, std::move(chosen));
    return compressor->run();
  });
}

Expected<Bytes> compress_buffer(ByteSpan input, const CompressOptions& opts) {
  return kmo::guard_api([&]() -> Expected<Bytes> {
    MemorySource source(input);
    MemorySink sink;
    KOLMO_RETURN_IF_ERROR(compress_stream(source, sink, opts).status());
    return std::move(sink.bytes());
  });
}

}  // namespace kolmo
