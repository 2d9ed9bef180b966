// Encoder side of static order-0 rANS (format: "entropy/rans_static_format.h").
#pragma once

#include <cstdint>
#include <span>

#include "entropy/rans_static_format.h"
#include "kolmo/bytes.h"

namespace kolmo {

// Scales counts to frequencies summing to kRansScale, every present symbol >= 1, deterministically
// and with integer arithmetic only (any count up to 2^64-1 is fine). All counts 0 gives all 0;
// a single present symbol gets kRansScale.
RansFrequencies normalize_rans_frequencies(std::span<const std::uint64_t, 256> counts);

// Encodes `in` into a self-describing blob. The output size is not stored: the caller keeps it
// and passes it to rans_decode_o0. Never larger than in.size() + 1.
Bytes rans_encode_o0(ByteSpan in);

}  // namespace kolmo
