// Encoder side of canonical Huffman (shared definitions: "entropy/huffman_code.h").
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "entropy/huffman_code.h"
#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo {

// Length-limited code lengths for counts (alphabet = counts.size(), at most 65,536), then the
// canonical codes. Lengths are optimal under the limit: plain Huffman (two-queue, O(n log n))
// when its longest code fits, else package-merge (O(n * limit)). Codes are complete (Kraft = 1).
// Deterministic (ties break by symbol value). No used symbol gives all lengths 0; one used symbol
// gets length 1. kInvalidArgument: max_length outside 2..32, too large an alphabet, or more used
// symbols than 2^max_length.
Expected<HuffmanCode> build_huffman_code(std::span<const std::uint64_t> counts, int max_length);

// Writes symbols as a bit stream (LSB-first, codes MSB-first, final byte zero-padded).
class HuffmanEncoder {
 public:
  explicit HuffmanEncoder(const HuffmanCode& code);

  // Appends one stream holding all `symbols` to `out`. kInvalidArgument when a symbol has no code.
  Status encode(std::span<const std::uint8_t> symbols, Bytes& out) const;
  Status encode(std::span<const std::uint16_t> symbols, Bytes& out) const;

  // Exact size of the stream encode() would write (symbols without a code count as 0 bits).
  std::uint64_t encoded_bits(std::span<const std::uint8_t> symbols) const;

 private:
  template <typename Symbol>
  Status encode_impl(std::span<const Symbol> symbols, Bytes& out) const;

  // Per symbol: the code bit-reversed (what goes into the LSB-first stream) in the low 32 bits,
  // the length in the high 32 bits; 0 for symbols without a code.
  std::vector<std::uint64_t> packed_;
  int max_length_ = 0;
};

// Byte-stream blob: u8 mode (HuffmanMode); kSingleSymbol: the byte; kRaw: the bytes;
// kHuffman: code lengths (write_code_lengths, 256 symbols), varint sizes of streams 0..2, then the
// kHuffmanStreams streams; stream k holds symbols [k*q, min(n, (k+1)*q)) with q = ceil(n / 4).
// The output size is not stored: the caller keeps it. Never larger than in.size() + 1.
Bytes huffman_encode_bytes(ByteSpan in, int max_length = kDefaultHuffmanLength);

}  // namespace kolmo
