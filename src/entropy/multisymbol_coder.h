// Multi-symbol coder for large alphabets (65,536 symbols and far beyond): rANS with a 64-bit state
// and 32-bit renormalization (see docs/entropy.md, "Multi-symbol coder", for why this design).
//
// A symbol is coded as its (start, freq) slice of a power-of-two total 2^scale_bits, with
// scale_bits up to kMaxScaleBits (28). The alphabet size is not limited by the coder at all: only
// the model's table is. rANS decodes in the reverse order of encoding, so the encoder buffers the
// slices and codes them backwards in finish(); this is what lets an *adaptive* model drive it: the
// encoder records each symbol's slice under the model state at that time, and the decoder, which
// runs forwards, rebuilds exactly the same model states.
//
// Stream layout: the final 64-bit state (little-endian), then the 32-bit words in the order the
// decoder reads them. The decoder reads zeros past the end (never out of bounds) and finish()
// tells whether the stream was consumed exactly and ended in the encoder's initial state, which
// catches nearly all corruption and truncation.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo {

constexpr std::uint32_t kMaxScaleBits = 28;
// The coder's default total: fine enough that quantizing a 50,000-symbol Zipf distribution costs
// well under 0.01 bit per symbol (tests/entropy/multisymbol_coder_test.cc measures it).
constexpr std::uint32_t kDefaultScaleBits = 24;

namespace rans_detail {
// Lower bound of the normalized state interval [kLow, kLow << 32).
constexpr std::uint64_t kLow = std::uint64_t{1} << 31;
}  // namespace rans_detail

struct SymbolSlice {
  std::uint32_t start = 0;  // cumulative frequency of the symbols before this one
  std::uint32_t freq = 0;   // >= 1; start + freq <= 2^scale_bits
};

class RansEncoder {
 public:
  // scale_bits outside 1..kMaxScaleBits makes finish() fail with kInvalidArgument.
  explicit RansEncoder(std::uint32_t scale_bits = kDefaultScaleBits) : scale_bits_(scale_bits) {}

  // Records one symbol. An invalid slice (freq 0, past the total) is remembered and reported by
  // finish(); it never corrupts memory.
  void put(std::uint32_t start, std::uint32_t freq) { slices_.push_back({start, freq}); }
  void put(SymbolSlice s) { slices_.push_back(s); }
  std::size_t size() const { return slices_.size(); }

  // Codes every recorded symbol (in reverse) and returns the stream. The encoder is reset.
  Expected<Bytes> finish();

 private:
  std::uint32_t scale_bits_;
  std::vector<SymbolSlice> slices_;
};

class RansDecoder {
 public:
  // scale_bits must match the encoder's; invalid values make finish() fail.
  RansDecoder(ByteSpan in, std::uint32_t scale_bits = kDefaultScaleBits);

  // The slot (0 .. 2^scale_bits - 1) of the next symbol: the model maps it to the symbol whose
  // slice contains it, then calls advance() with that slice.
  std::uint32_t peek() const { return static_cast<std::uint32_t>(x_ & mask_); }

  // Consumes the symbol whose slice contains peek(). All arithmetic is unsigned, so a slice that
  // does not contain the slot (a model bug or corrupt data) gives garbage, never UB.
  void advance(SymbolSlice s) {
    x_ = static_cast<std::uint64_t>(s.freq) * (x_ >> scale_bits_) + (x_ & mask_) - s.start;
    // One word always restores the invariant for a valid stream. A single `if` (not `while`)
    // bounds the work on corrupt input where x_ may have collapsed to zero.
    if (x_ < rans_detail::kLow) x_ = (x_ << 32) | next_word();
  }

  // Decodes a symbol given a function slot -> (symbol, slice). Returns the symbol.
  template <typename FindFn>
  std::uint32_t decode(FindFn&& find) {
    SymbolSlice s;
    const std::uint32_t sym = find(peek(), s);
    advance(s);
    return sym;
  }

  // ok when the whole input was consumed exactly and the state is the encoder's initial one;
  // kCorruptData otherwise. Call after decoding the expected number of symbols.
  Status finish() const;

 private:
  std::uint32_t next_word();

  ByteSpan in_;
  std::size_t pos_ = 0;
  bool overran_ = false;
  bool bad_scale_ = false;
  std::uint32_t scale_bits_;
  std::uint64_t mask_;
  std::uint64_t x_ = 0;
};

// Quantizes nonnegative counts (or probabilities scaled to integers) to frequencies that sum to
// exactly 2^scale_bits. Every symbol with a nonzero count gets at least 1; with
// keep_all_symbols, every symbol does (for models where any symbol may still occur). Rounding
// distributes the remainder by largest fractional part, which keeps the coding loss tiny.
// Fails with kInvalidArgument when the symbols that need a slot outnumber the total, when all
// counts are zero (and keep_all_symbols is false) or scale_bits is out of range.
Expected<std::vector<std::uint32_t>> quantize_frequencies(std::span<const std::uint64_t> counts,
                                                          std::uint32_t scale_bits,
                                                          bool keep_all_symbols = false);

// Cumulative frequencies for table-driven models: cum[s] = sum of freq[0..s). Finding a symbol
// from a slot is a binary search, O(log n) for any alphabet size.
class CumulativeTable {
 public:
  explicit CumulativeTable(std::span<const std::uint32_t> freqs);

  std::size_t alphabet_size() const { return cum_.size() - 1; }
  std::uint64_t total() const { return cum_.back(); }
  SymbolSlice slice(std::uint32_t symbol) const {
    return {static_cast<std::uint32_t>(cum_[symbol]),
            static_cast<std::uint32_t>(cum_[symbol + 1] - cum_[symbol])};
  }
  // The symbol whose slice contains `slot` (symbols with freq 0 are never returned). A slot at or
  // beyond the total (corrupt stream) maps to the last symbol with a nonzero frequency.
  std::uint32_t find(std::uint32_t slot, SymbolSlice& out) const;

 private:
  std::vector<std::uint64_t> cum_;
};

}  // namespace kolmo
