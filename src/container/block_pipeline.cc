#include "container/block_pipeline.h"

#include <algorithm>
#include <string>

namespace kolmo::kmo {
namespace {

// More workers than this only add memory; the output does not depend on it.
constexpr unsigned kMaxThreads = 256;

}  // namespace

Expected<std::uint16_t> codec_id_of(const BlockEncoder& encoder) {
  const std::string spec = encoder.spec();
  const CodecInfo* codec = find_codec(std::string_view(spec).substr(0, spec.find(':')));
  if (codec == nullptr) return internal_error("encoder '" + spec + "' names no known codec");
  return static_cast<std::uint16_t>(codec->id);
}

Expected<EncodedFrame> encode_frame(const BlockEncoder& encoder, std::uint16_t codec_id,
                                    const Bytes& input, unsigned threads, ByteSpan dictionary) {
  EncodedBlock encoded;
  if (dictionary.empty()) {
    KOLMO_RETURN_IF_ERROR(encoder.encode_block_threaded(input, encoded, threads));
  } else {
    KOLMO_RETURN_IF_ERROR(encoder.encode_block_with_dictionary(input, dictionary, encoded, threads));
  }
  BlockHeader header;
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
  append_block_header(header, frame.bytes);
  frame.bytes.insert(frame.bytes.end(), payload.begin(), payload.end());
  std::uint8_t checks[kBlockTrailerSize];
  store_le32(checks, xxh64_low32(payload));
  store_le64(checks + 4, xxh64(input));
  frame.bytes.insert(frame.bytes.end(), checks, checks + sizeof(checks));
  return frame;
}

BlockPipeline::BlockPipeline(ByteSink& out, unsigned threads, ProgressFn progress,
                             std::uint64_t progress_total)
    : out_(out),
      progress_(std::move(progress)),
      progress_total_(progress_total),
      threads_(std::max(1u, std::min(threads, kMaxThreads))),
      pool_(threads <= 1 ? 0 : std::min(threads, kMaxThreads)),
      max_in_flight_(threads <= 1 ? 1 : 2 * std::size_t{std::min(threads, kMaxThreads)}) {}

BlockPipeline::~BlockPipeline() {
  for (auto& f : in_flight_) f.wait();
}

Status BlockPipeline::write_now(ByteSpan bytes) {
  if (!in_flight_.empty()) return internal_error("write_now with frames in flight");
  written_ += bytes.size();
  return out_.write(bytes);
}

Status BlockPipeline::make_room() {
  while (in_flight_.size() >= max_in_flight_) KOLMO_RETURN_IF_ERROR(write_oldest());
  return ok_status();
}

Status BlockPipeline::add_block(Bytes input, const BlockEncoder& encoder, std::uint16_t codec_id) {
  if (input.empty() || input.size() > kMaxBlockSize) {
    return invalid_argument("block of " + std::to_string(input.size()) + " bytes is outside 1.." +
                            std::to_string(kMaxBlockSize));
  }
  KOLMO_RETURN_IF_ERROR(make_room());
  content_hash_.update(input);
  content_size_ += input.size();
  const BlockEncoder* enc = &encoder;
  // The block's thread budget: -T divided among the frames in flight with it (a lone block gets
  // every thread). Codecs that split a block use it; no output depends on it.
  const unsigned share = static_cast<unsigned>(
      std::max<std::size_t>(1, threads_ / (in_flight_.size() + 1)));
  in_flight_.push_back(pool_.submit([enc, codec_id, share, in = std::move(input),
                                     dict = dictionary_] {
    return encode_frame(*enc, codec_id, in, share, dict ? ByteSpan(*dict) : ByteSpan{});
  }));
  return ok_status();
}

Status BlockPipeline::add_frame(Bytes frame) {
  KOLMO_RETURN_IF_ERROR(make_room());
  std::promise<Expected<EncodedFrame>> ready;
  EncodedFrame f;
  f.bytes = std::move(frame);
  f.is_block = false;
  ready.set_value(std::move(f));
  in_flight_.push_back(ready.get_future());
  return ok_status();
}

Status BlockPipeline::drain() {
  while (!in_flight_.empty()) KOLMO_RETURN_IF_ERROR(write_oldest());
  return ok_status();
}

Status BlockPipeline::write_oldest() {
  Expected<EncodedFrame> frame = in_flight_.front().get();
  in_flight_.pop_front();
  if (!frame.ok()) return frame.status().with_context("block " + std::to_string(index_.size()));
  const std::uint64_t offset = written_;
  written_ += frame->bytes.size();
  KOLMO_RETURN_IF_ERROR(out_.write(frame->bytes));
  if (!frame->is_block) {
    // Frames between blocks count in the span of the block before them (docs/format.md).
    if (!index_.empty()) index_.back().span += frame->bytes.size();
    frames_.push_back({offset, index_.size()});
    return ok_status();
  }
  index_.push_back({frame->original_size, frame->bytes.size(), frame->codec_id});
  done_ += frame->original_size;
  if (progress_) progress_(done_, progress_total_);
  return ok_status();
}

Footer BlockPipeline::footer() const {
  Footer f;
  f.index_offset = written_;
  f.content_size = content_size_;
  f.content_xxh64 = content_hash_.digest();
  return f;
}

}  // namespace kolmo::kmo
