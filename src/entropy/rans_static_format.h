// Static (two-pass) interleaved rANS for order-0 byte streams: the blob and table format shared by
// the encoder and the decoder. Code that only decodes includes "entropy/rans_static_decode.h"; code
// that encodes includes "entropy/rans_static_encode.h"; "entropy/rans_static.h" includes both.
// See docs/entropy.md, "Static rANS (order 0)".
//
// Blob layout (all integers little-endian):
//   u8 mode
//   mode kEmpty:        nothing else (the output is empty)
//   mode kSingleSymbol: u8 symbol (the output is that byte repeated)
//   mode kRaw:          the bytes themselves (used when coding would not shrink them)
//   mode kRans:         frequency table, kRansLanes u32 final encoder states, then the stream of
//                       16-bit renormalization words in the order the decoder reads them.
// Frequency table: u8 (present - 1), present in 2..256; the present symbols as a 32-byte bitmap
// when present > kRansBitmapThreshold, else the first symbol then (gap - 1) bytes; then for each
// present symbol in ascending order varint(freq - 1). The frequencies sum to exactly kRansScale.
#pragma once

#include <array>
#include <cstdint>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo {

// Probabilities are integers out of 2^12: enough precision for bytes, and the 4096-entry slot
// table (16 KiB) stays in L1.
inline constexpr int kRansScaleBits = 12;
inline constexpr std::uint32_t kRansScale = 1u << kRansScaleBits;
// State x lives in [2^16, 2^32); renormalization moves 16 bits at a time, so one symbol needs at
// most one word and the renormalization test is branch-free.
inline constexpr std::uint32_t kRansStateLow = 1u << 16;
// Eight independent states hide the latency of the table load and multiply per symbol.
inline constexpr int kRansLanes = 8;
inline constexpr int kRansBitmapThreshold = 32;

enum class RansMode : std::uint8_t { kEmpty = 0, kSingleSymbol = 1, kRans = 2, kRaw = 3 };

// Normalized frequency per byte value; 0 = absent.
using RansFrequencies = std::array<std::uint16_t, 256>;

// Appends the frequency table (the layout above). Precondition: at least 2 present symbols and
// the frequencies sum to kRansScale.
void write_rans_frequencies(const RansFrequencies& freqs, Bytes& out);

// Reads and validates a frequency table: truncation gives kTruncated; a bad symbol list, a
// frequency of 0 or kRansScale, or a sum other than kRansScale gives kCorruptData.
Status read_rans_frequencies(ByteReader& reader, RansFrequencies& freqs);

}  // namespace kolmo
