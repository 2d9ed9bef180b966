// Fuzzes the binary arithmetic coder two ways, chosen by the first byte:
//  - decode: arbitrary bytes decoded with probabilities derived from the input must never read
//    out of bounds or misbehave;
//  - round trip: bits and probabilities taken from the input are encoded and decoded; any
//    mismatch traps.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "entropy/binary_coder.h"

namespace {

// Probabilities from pairs of input bytes, biased towards the extremes that stress the coder.
std::uint32_t probability_at(const uint8_t* data, size_t size, size_t i) {
  if (size < 2) return 32768;
  const std::uint32_t v = data[i % size] | (std::uint32_t{data[(i + 1) % size]} << 8);
  switch (v & 3) {
    case 0: return 1 + (v >> 12);           // near 0
    case 1: return 65535 - (v >> 12);       // near 1
    default: return v;                      // anywhere, including the invalid 0 (clamped)
  }
}

void fuzz_decode(const uint8_t* data, size_t size) {
  kolmo::BinaryDecoder dec(kolmo::ByteSpan(data, size));
  std::uint32_t sink = 0;
  for (size_t i = 0; i < 4 * size + 64; ++i) sink += dec.decode(probability_at(data, size, i));
  (void)sink;
  (void)dec.consumed_exactly();
}

void fuzz_round_trip(const uint8_t* data, size_t size) {
  std::vector<int> bits;
  std::vector<std::uint32_t> probs;
  for (size_t i = 0; i < size; ++i) {
    for (int b = 0; b < 8; ++b) {
      bits.push_back((data[i] >> b) & 1);
      probs.push_back(probability_at(data, size, i * 8 + static_cast<size_t>(b) + 1));
    }
  }
  kolmo::Bytes stream;
  kolmo::BinaryEncoder enc(stream);
  for (size_t i = 0; i < bits.size(); ++i) enc.encode(bits[i], probs[i]);
  enc.finish();
  kolmo::BinaryDecoder dec(stream);
  for (size_t i = 0; i < bits.size(); ++i) {
    if (dec.decode(probs[i]) != bits[i]) __builtin_trap();
  }
  if (!dec.consumed_exactly()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  if (data[0] & 1) {
    fuzz_round_trip(data + 1, size - 1);
  } else {
    fuzz_decode(data + 1, size - 1);
  }
  return 0;
}
