// Decoder side of canonical Huffman (shared definitions: "entropy/huffman_code.h").
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "entropy/huffman_code.h"
#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo {

// Table-driven decoder for one canonical code. Codes up to table_bits() long (at most 11) decode
// with one lookup of the next bits; longer ones fall back to a canonical bit-by-bit walk.
// Immutable after creation; decode() may run concurrently.
class HuffmanDecoder {
 public:
  // Validates lengths (check_code_lengths with max_length) and builds the tables.
  static Expected<HuffmanDecoder> create(std::span<const std::uint8_t> lengths,
                                         int max_length = kMaxHuffmanLength);

  // Decodes exactly out.size() symbols from one stream written by HuffmanEncoder. The stream
  // must end in the byte that holds the last code bit, with zero padding bits after it.
  // kTruncated: the stream ends early; kCorruptData: a bit pattern that is no code, trailing
  // bytes, nonzero padding, or (8-bit output) a symbol over 255 cannot occur by construction.
  Status decode(ByteSpan stream, std::span<std::uint8_t> out) const;   // alphabet <= 256
  Status decode(ByteSpan stream, std::span<std::uint16_t> out) const;

  // Decodes kHuffmanStreams streams interleaved; stream k fills out[k*q, min(n, (k+1)*q)) with
  // q = ceil(n / kHuffmanStreams). Faster than one stream on one core.
  Status decode_interleaved(std::span<const ByteSpan, kHuffmanStreams> streams,
                            std::span<std::uint8_t> out) const;

  int table_bits() const { return table_bits_; }
  int max_length() const { return max_length_; }
  std::size_t alphabet_size() const { return alphabet_size_; }

 private:
  HuffmanDecoder() = default;
  template <typename Symbol>
  Status decode_impl(ByteSpan stream, std::span<Symbol> out) const;

  friend struct HuffmanDecodeKernels;

  // Entry for the next table_bits_ bits (reversed code order): symbol << 16 | length, or 0 when
  // the code is longer than the table (or the pattern is no code): then the slow path decides.
  std::vector<std::uint32_t> table_;
  int table_bits_ = 0;
  int max_length_ = 0;
  bool has_slow_codes_ = false;
  std::size_t alphabet_size_ = 0;
  // Canonical walk for the slow path: codes of length l are first_code_[l] + i for
  // i < count_[l], naming sorted_symbols_[offset_[l] + i].
  std::array<std::uint64_t, kMaxHuffmanLength + 1> first_code_{};
  std::array<std::uint32_t, kMaxHuffmanLength + 1> count_{};
  std::array<std::uint32_t, kMaxHuffmanLength + 1> offset_{};
  std::vector<std::uint16_t> sorted_symbols_;
  // Multi-symbol table for byte alphabets whose codes all fit the table (no slow codes): for the
  // next table_bits_ bits, up to 4 whole codes' symbols (first in the low byte), their total
  // length and their number. Empty when the code does not qualify.
  struct MultiEntry {
    std::uint32_t symbols;
    std::uint8_t bits;
    std::uint8_t count;
    std::uint16_t unused;
  };
  std::vector<MultiEntry> multi_table_;
};

// Decodes a huffman_encode_bytes blob into exactly out.size() bytes.
Status huffman_decode_bytes(ByteSpan blob, MutableByteSpan out);

}  // namespace kolmo
