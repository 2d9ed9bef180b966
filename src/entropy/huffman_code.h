// Canonical Huffman codes: what the encoder and the decoder share (docs/entropy.md, "Canonical
// Huffman"). Encoders include "entropy/huffman_encode.h", decoders "entropy/huffman_decode.h".
//
// The code is fully described by one length per symbol (0 = symbol not coded, else 1..32).
// Canonical assignment: symbols sorted by (length, symbol value) get consecutive codes,
//   code = 0; for len = 1..32: first_code[len] = code; code = (code + count[len]) << 1
// and the i-th symbol of length len gets first_code[len] + i. A code is written to the bit
// stream most significant bit first; the stream itself is LSB-first: the next bit is the lowest
// unread bit of the lowest unread byte. (So a decoder that peeks K bits sees the code
// bit-reversed; tables are indexed by that reversed value.)
//
// Valid code tables (what decoders accept): every length <= the decoder's limit (at most 32),
// Kraft sum of 2^-len exactly 1 (complete: every bit pattern starts some code), except the
// single-symbol code, one symbol of length 1 (then the bit 1 never occurs in a valid stream).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo {

inline constexpr int kMaxHuffmanLength = 32;
inline constexpr int kMinHuffmanLimit = 2;
// The limit used for byte streams: codes fit an 11-bit decode table, so no symbol takes the
// slow path, and the loss against unlimited Huffman is tiny for 256 symbols.
inline constexpr int kDefaultHuffmanLength = 11;
inline constexpr std::size_t kMaxHuffmanAlphabet = 65536;

struct HuffmanCode {
  std::vector<std::uint8_t> lengths;  // per symbol; 0 = not coded
  std::vector<std::uint32_t> codes;   // canonical code per symbol (its `length` low bits)
  int max_length = 0;                 // longest length used; 0 when no symbol is coded
};

// Checks a code-length table against the rules above with limit max_length (1..32).
// kCorruptData names the problem (length over the limit, Kraft sum > 1, incomplete code).
Status check_code_lengths(std::span<const std::uint8_t> lengths, int max_length);

// Canonical codes for valid lengths (check_code_lengths first; errors are its errors).
Expected<HuffmanCode> canonical_huffman_code(std::span<const std::uint8_t> lengths,
                                             int max_length = kMaxHuffmanLength);

// Compact serialization of a length table: one byte per run of equal lengths, bits 0-5 the
// length (0..32), bit 6 set when a varint (run - 2) follows, bit 7 zero.
void write_code_lengths(std::span<const std::uint8_t> lengths, Bytes& out);
// Reads exactly alphabet_size lengths (<= kMaxHuffmanAlphabet). Malformed runs or lengths over
// 32 give kCorruptData, truncation kTruncated. Does not check the Kraft sum.
Status read_code_lengths(ByteReader& reader, std::size_t alphabet_size,
                         std::vector<std::uint8_t>& lengths);

// Blob modes of huffman_encode_bytes (see huffman_encode.h).
enum class HuffmanMode : std::uint8_t { kEmpty = 0, kSingleSymbol = 1, kHuffman = 2, kRaw = 3 };
inline constexpr int kHuffmanStreams = 4;

}  // namespace kolmo
