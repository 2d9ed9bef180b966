// Fuzzes the rANS multi-symbol coder. The first bytes choose the scale and a frequency table;
// then, by the mode bit, either the rest is decoded as a stream (must fail cleanly or give
// in-range symbols) or symbols taken from the rest are encoded and decoded (a mismatch traps).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "entropy/multisymbol_coder.h"

namespace {

struct Setup {
  std::uint32_t scale_bits;
  std::vector<std::uint32_t> freq;
};

// Up to 64 counts from the input, quantized (every symbol kept) to 2^scale_bits.
bool make_setup(const uint8_t*& data, size_t& size, Setup& out) {
  if (size < 3) return false;
  out.scale_bits = 8 + data[0] % (kolmo::kMaxScaleBits - 7);  // 8..28
  const size_t n = 1 + data[1] % 64;
  data += 2;
  size -= 2;
  std::vector<std::uint64_t> counts(n);
  for (size_t i = 0; i < n; ++i) counts[i] = i < size ? data[i] : 0;
  const size_t used = n < size ? n : size;
  data += used;
  size -= used;
  auto q = kolmo::quantize_frequencies(counts, out.scale_bits, true);
  if (!q.ok()) __builtin_trap();  // n <= 64 always fits a total of at least 256
  out.freq = std::move(*q);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool round_trip = data[0] & 1;
  ++data;
  --size;
  Setup setup;
  if (!make_setup(data, size, setup)) return 0;
  const kolmo::CumulativeTable table(setup.freq);
  if (table.total() != (std::uint64_t{1} << setup.scale_bits)) __builtin_trap();
  const auto find = [&](std::uint32_t slot, kolmo::SymbolSlice& s) { return table.find(slot, s); };
  if (!round_trip) {
    kolmo::RansDecoder dec(kolmo::ByteSpan(data, size), setup.scale_bits);
    for (size_t i = 0; i < size + 16; ++i) {
      if (dec.decode(find) >= setup.freq.size()) __builtin_trap();
    }
    (void)dec.finish();
    return 0;
  }
  std::vector<std::uint32_t> symbols;
  for (size_t i = 0; i < size; ++i) symbols.push_back(data[i] % setup.freq.size());
  kolmo::RansEncoder enc(setup.scale_bits);
  for (std::uint32_t s : symbols) enc.put(table.slice(s));
  auto stream = enc.finish();
  if (!stream.ok()) __builtin_trap();
  kolmo::RansDecoder dec(*stream, setup.scale_bits);
  for (std::uint32_t s : symbols) {
    if (dec.decode(find) != s) __builtin_trap();
  }
  if (!dec.finish().ok()) __builtin_trap();
  return 0;
}
