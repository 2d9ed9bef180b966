// Fuzzes canonical Huffman. First byte selects the mode:
//   0: decode the rest as a byte blob into an output of size from bytes 1-3 (capped at 1 MiB).
//   1: low-level: the rest is a serialized length table for an alphabet of (byte 1 + 1) * 4
//      symbols, then a stream; decode up to (bytes 2-3) 16-bit symbols. Only clean errors allowed.
//   2: round trip of the rest through the byte blob with limit 8 + byte 1 % 25; trap on mismatch.
//   3: code construction from counts (16-bit little-endian each) with limit 2 + byte 1 % 31: the
//      limit, the Kraft sum and a stream round trip must hold.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "entropy/huffman.h"

namespace {

void decode_blob(const uint8_t* data, size_t size) {
  const std::size_t out_size =
      (std::size_t{data[1]} | (std::size_t{data[2]} << 8) | (std::size_t{data[3]} << 16)) &
      ((std::size_t{1} << 20) - 1);
  kolmo::Bytes out(out_size);
  (void)kolmo::huffman_decode_bytes(kolmo::ByteSpan(data + 4, size - 4), out);
}

void decode_low_level(const uint8_t* data, size_t size) {
  const std::size_t alphabet = (std::size_t{data[1]} + 1) * 4;
  const std::size_t n = std::size_t{data[2]} | (std::size_t{data[3]} << 8);
  kolmo::ByteReader reader(kolmo::ByteSpan(data + 4, size - 4));
  std::vector<std::uint8_t> lengths;
  if (!kolmo::read_code_lengths(reader, alphabet, lengths).ok()) return;
  auto decoder = kolmo::HuffmanDecoder::create(lengths);
  if (!decoder.ok()) return;
  std::vector<std::uint16_t> out(n);
  const kolmo::Status st = decoder->decode(reader.bytes(reader.remaining()), out);
  if (st.ok()) {
    for (auto s : out) {
      if (s >= alphabet || lengths[s] == 0) __builtin_trap();  // decoded a symbol with no code
    }
  }
}

void round_trip_blob(const uint8_t* data, size_t size) {
  const kolmo::ByteSpan in(data + 2, size - 2);
  const kolmo::Bytes blob = kolmo::huffman_encode_bytes(in, 8 + data[1] % 25);
  if (blob.size() > in.size() + 1) __builtin_trap();
  kolmo::Bytes out(in.size());
  if (!kolmo::huffman_decode_bytes(blob, out).ok()) __builtin_trap();
  if (!out.empty() && std::memcmp(out.data(), in.data(), out.size()) != 0) __builtin_trap();
}

void build_from_counts(const uint8_t* data, size_t size) {
  const int limit = 2 + data[1] % 31;
  std::vector<std::uint64_t> counts((size - 2) / 2);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    counts[i] = data[2 + 2 * i] | (std::uint64_t{data[3 + 2 * i]} << 8);
  }
  auto code = kolmo::build_huffman_code(counts, limit);
  if (!code.ok()) return;  // e.g. more symbols than 2^limit
  std::uint64_t kraft = 0;
  std::vector<std::uint16_t> symbols;
  for (std::size_t s = 0; s < counts.size(); ++s) {
    const int l = code->lengths[s];
    if ((counts[s] == 0) != (l == 0) || l > limit) __builtin_trap();
    if (l) kraft += std::uint64_t{1} << (32 - l);
    if (l) symbols.push_back(static_cast<std::uint16_t>(s));
  }
  if (symbols.size() >= 2 && kraft != (std::uint64_t{1} << 32)) __builtin_trap();
  kolmo::Bytes stream;
  if (!kolmo::HuffmanEncoder(*code).encode(symbols, stream).ok()) __builtin_trap();
  auto decoder = kolmo::HuffmanDecoder::create(code->lengths, limit);
  if (!decoder.ok()) __builtin_trap();
  std::vector<std::uint16_t> out(symbols.size());
  if (!decoder->decode(stream, out).ok() || out != symbols) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  switch (data[0] % 4) {
    case 0: decode_blob(data, size); break;
    case 1: decode_low_level(data, size); break;
    case 2: round_trip_blob(data, size); break;
    default: build_from_counts(data, size); break;
  }
  return 0;
}
