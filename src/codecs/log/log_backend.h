// The general-purpose backends under the log codec's streams. Each stream is stored as
// [backend u8][raw size varint][stored size varint][stored bytes].
#pragma once

#include <span>

#include "codecs/log/log_format.h"
#include "kolmo/bytes.h"
#include "kolmo/codec.h"

namespace kolmo::logc {

// Decodes one stream written by append_stream() (see log_backend_encode.h). raw_size_limit
// bounds the declared raw size (checked before allocating).
Expected<Bytes> read_stream(ByteReader& in, std::uint64_t raw_size_limit,
                            const DecodeLimits& limits);

}  // namespace kolmo::logc
