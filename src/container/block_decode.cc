#include "container/block_decode.h"

#include "kolmo/hash.h"

namespace kolmo::kmo {

std::string codec_display_name(std::uint16_t codec_id) {
  const CodecInfo* codec = find_codec(static_cast<CodecId>(codec_id));
  if (codec == nullptr) return "unknown(" + std::to_string(codec_id) + ")";
  return std::string(codec->name);
}

Expected<const CodecInfo*> decoder_for(std::uint16_t codec_id, std::string_view block_name) {
  const CodecInfo* codec = find_codec(static_cast<CodecId>(codec_id));
  if (codec == nullptr) {
    return unsupported(std::string(block_name) + " uses codec id " + std::to_string(codec_id) +
                       ", unknown to this kolmo; a newer version may read it");
  }
  return codec;
}

std::uint64_t block_buffer_bytes(const BlockHeader& h) {
  return std::uint64_t{h.original_size} + h.stored_size + kBlockTrailerSize;
}

Expected<std::uint64_t> codec_budget(const BlockHeader& h, std::uint64_t memory_limit) {
  const std::uint64_t need = block_buffer_bytes(h);
  if (need > memory_limit) {
    return limit_exceeded(
        "needs " + std::to_string(need) + " bytes (" + std::to_string(h.original_size) +
        " decoded + " + std::to_string(h.stored_size) + " stored), more than the memory limit of " +
        std::to_string(memory_limit) + " bytes; raise it with --memory");
  }
  return memory_limit - need;
}

Status decode_block_body_into(const BlockHeader& h, const CodecInfo& codec, ByteSpan body,
                              MutableByteSpan output, std::uint64_t codec_memory,
                              unsigned threads, ByteSpan dictionary) {
  if (body.size() != std::uint64_t{h.stored_size} + kBlockTrailerSize ||
      output.size() != h.original_size) {
    return internal_error("block body or output has the wrong size");
  }
  const ByteSpan payload = body.first(h.stored_size);
  if (load_le32(body.data() + h.stored_size) != xxh64_low32(payload)) {
    return checksum_mismatch("payload check failed (the compressed bytes are damaged)");
  }
  DecodeLimits limits;
  limits.memory_bytes = codec_memory;
  limits.threads = threads < 1 ? 1 : threads;
  limits.dictionary = dictionary;
  Status s = codec.decode(h.params, payload, output, limits);
  if (!s.ok()) return s.with_context(std::string(codec.name) + " decoder");
  if (load_le64(body.data() + h.stored_size + 4) != xxh64(output)) {
    return checksum_mismatch("content check failed (decoded bytes differ from the original)");
  }
  return ok_status();
}

Expected<Bytes> decode_block_body(const BlockHeader& h, const CodecInfo& codec, ByteSpan body,
                                  std::uint64_t codec_memory, unsigned threads,
                                  ByteSpan dictionary) {
  Bytes output(h.original_size);
  KOLMO_RETURN_IF_ERROR(
      decode_block_body_into(h, codec, body, output, codec_memory, threads, dictionary));
  return output;
}

}  // namespace kolmo::kmo
