// The general-purpose backends under the log codec's streams. Each stream is stored as
// [backend u8][raw size varint][stored size varint][stored bytes].
#pragma once

#include <span>

#include "codecs/log/log_format.h"
#include "kolmo/bytes.h"
#include "kolmo/codec.h"

namespace kolmo::logc {

// Decodes one stream written by append_stream() (see log_backend_encode.h). raw_size_limit
// bounds the declared raw size (checked before allocating). prime: the dictionary's bytes for
// this stream (version-2 blocks; empty: none), which zstd and lzma see as history before the
// stream and o2 learns from first (its last kO2PrimeBytes).
Expected<Bytes> read_stream(ByteReader& in, std::uint64_t raw_size_limit,
                            const DecodeLimits& limits, ByteSpan prime = {});

// o2 learns from at most this many bytes of a prime (the end of it): its cost is per block.
constexpr std::size_t kO2PrimeBytes = 16 << 10;

// What o2 learns of a prime before coding a stream: its last kO2PrimeBytes.
inline ByteSpan o2_prime(ByteSpan prime) {
  return prime.size() > kO2PrimeBytes ? prime.last(kO2PrimeBytes) : prime;
}

}  // namespace kolmo::logc
