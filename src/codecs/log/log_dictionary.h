// The log codec's shared dictionary (docs/log.md, "Dictionary frame"): the container stores it
// once per file, in its dictionary frame, and every version-2 block names it by XXH64. Its body is
// a version-1 log payload of the input's first bytes; expanded, its streams prime the backends
// of each block's streams and its header literals give the blocks their header. Decoder side
// only (the encoder uses it too; it never includes the encoder).
#pragma once

#include <cstdint>
#include <memory>

#include "codecs/log/log_decoded_block.h"
#include "kolmo/bytes.h"
#include "kolmo/codec.h"

namespace kolmo::logc {

// Body: u8 kDictionaryVersion, varint sample size (1..kMaxDictionarySample), then a version-1
// payload that decodes to the sample.
constexpr std::uint8_t kDictionaryVersion = 1;
constexpr std::uint64_t kMaxDictionarySample = std::uint64_t{16} << 20;

// Block params of version 2: the version byte, then the XXH64 of the dictionary body (u64 LE).
constexpr std::uint8_t kDictionaryPayloadVersion = 2;
constexpr std::size_t kDictionaryParamsSize = 9;
// Version 3: as version 2, then a varint offset; the block is the bytes of the dictionary's
// sample from that offset (the blocks the sample covers cost no payload), and its payload is
// empty.
constexpr std::uint8_t kSampleCopyVersion = 3;

struct LogDictionary {
  Bytes body;          // the frame body it was expanded from
  std::uint64_t hash = 0;
  std::uint64_t sample_size = 0;
  DecodedBlock sample;  // its streams are the primes; its literals the header
  Bytes text;           // the sample itself (version-3 blocks copy from it)
  // The bytes that prime stream k's backend.
  ByteSpan prime(std::size_t k) const { return sample.streams[k]; }
  // Memory the expansion holds: what a block that uses it must count against its limit.
  std::uint64_t memory_bytes() const;
};

// Expands a dictionary body, checking every count against `limits` (its memory_bytes bound the
// expansion). The last expansion is kept (keyed by the body bytes), so the blocks of one file
// expand it once whatever the thread count.
Expected<std::shared_ptr<const LogDictionary>> expand_log_dictionary(ByteSpan body,
                                                                     const DecodeLimits& limits);

// For a version-2 or 3 block: the dictionary its params name, from limits.dictionary.
// kCorruptData when the file has none or another one.
Expected<std::shared_ptr<const LogDictionary>> dictionary_for_params(ByteSpan params,
                                                                     const DecodeLimits& limits);

// A version-3 block: its bytes in the dictionary's sample (checked to lie inside it and to be
// output_size long; the payload must be empty).
Expected<ByteSpan> sample_copy(ByteSpan params, ByteSpan payload, std::size_t output_size,
                               const LogDictionary& dict);

}  // namespace kolmo::logc
