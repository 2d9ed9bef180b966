// The cm text transform, decoder side: the format of a transformed block and its inverse.
// The forward transform is in cm_text_transform_encode.h (decoders never include it).
//
// A transformed block is a header followed by a body; the cm model codes both as one stream.
//   header: cap, caps, lit   three distinct byte values, none an ASCII letter
//           k1, k1 bytes     the one-byte dictionary codes
//           k2, k2 bytes     the prefixes of two-byte codes: prefix, then any code byte
//           word count       varint, at most k1 + k2 * (k1 + k2)
//           words            each 1..kMaxWordLength bytes 'a'..'z' followed by '\n'
//   body:   bytes that stand for themselves, except
//           cap  X           X (a lower-case letter or a code) with its first letter upper-cased
//           caps X...        the following run of lower-case letters and codes, upper-cased
//           lit  S           S, one of the special bytes above, as itself
//           code             dictionary word (one-byte code, or prefix + second byte)
// The special bytes (cap, caps, lit, codes) are byte values the original block rarely or never
// uses (the encoder's choice); an original byte equal to one of them is written as lit + byte.
// Word i < k1 has the one-byte code codes1[i]; word k1 + j has the two-byte code
// codes2[j / m], codes[j % m], where m = k1 + k2 and codes = codes1 followed by codes2. Second
// bytes are code bytes, not arbitrary values, so that the model never sees a code's second byte
// as an ordinary letter, digit or space.
#pragma once

#include <cstdint>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::cm {

constexpr std::size_t kMaxWordLength = 64;
constexpr std::uint8_t kWordEnd = '\n';
// The largest transformed size the encoder writes for an original block of n bytes: it does not
// transform a block whose transform (header included) would be larger. The decoder refuses
// anything above it before allocating.
constexpr std::uint64_t max_transformed_size(std::uint64_t n) { return n + n / 4 + 256; }

// Rebuilds the original block into output, which must be exactly its size. Every code, escape
// and header field is validated: bad input is kCorruptData, never a read or write out of range.
Status inverse_text_transform(ByteSpan transformed, MutableByteSpan output);

}  // namespace kolmo::cm
