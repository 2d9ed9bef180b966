// Decoding one block frame's body, shared by the sequential reader and random access. Decode path
// only: nothing here knows an encoder.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "container/format.h"
#include "kolmo/bytes.h"
#include "kolmo/codec.h"
#include "kolmo/status.h"

namespace kolmo::kmo {

// "zstd", or "unknown(42)" for an id this build does not know.
std::string codec_display_name(std::uint16_t codec_id);

// The decoder for a block, or kUnsupported naming the block ("block 3") and the id.
Expected<const CodecInfo*> decoder_for(std::uint16_t codec_id, std::string_view block_name);

// The memory one block needs for its buffers (payload and output). Call before allocating either.
std::uint64_t block_buffer_bytes(const BlockHeader& h);

// Refuses a block whose buffers alone exceed memory_limit (kLimitExceeded, saying how to raise
// it), else returns the budget left for the codec's own working memory.
Expected<std::uint64_t> codec_budget(const BlockHeader& h, std::uint64_t memory_limit);

// body: the payload followed by the payload check and the content check (stored size + 12 bytes).
// Verifies the payload check before decoding and the content check after.
// threads: the block's thread budget (DecodeLimits::threads); dictionary: the file's dictionary
// frame body when its codec is this block's (DecodeLimits::dictionary), else empty.
Expected<Bytes> decode_block_body(const BlockHeader& h, const CodecInfo& codec, ByteSpan body,
                                  std::uint64_t codec_memory, unsigned threads = 1,
                                  ByteSpan dictionary = {});
// The same into the caller's memory: `output` must be exactly h.original_size bytes. On failure
// its content is unspecified.
Status decode_block_body_into(const BlockHeader& h, const CodecInfo& codec, ByteSpan body,
                              MutableByteSpan output, std::uint64_t codec_memory,
                              unsigned threads = 1, ByteSpan dictionary = {});

}  // namespace kolmo::kmo
