// The two checks every codec fuzz target makes, so that each target only says how it builds an
// encoder and which parameters are valid.
//   round trip: encode, decode, and trap on any failure or mismatch;
//   decode:     input laid out as [mode][choice][size lo][size hi][params...][payload...];
//               decoding arbitrary bytes into a declared size (at most 64 KiB here; the container
//               bounds it in real use) must fail cleanly or fill the output.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kolmo/codec.h"

namespace kolmo::fuzz {

inline void check_round_trip(const BlockEncoder& encoder, DecodeFn decode, ByteSpan input) {
  EncodedBlock block;
  if (!encoder.encode_block(input, block).ok()) __builtin_trap();
  Bytes out(input.size());
  if (!decode(block.params, block.payload, out, {}).ok()) __builtin_trap();
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] != input[i]) __builtin_trap();
  }
}

// Mode bit 1: use `valid_params` (so the payload reaches the model) instead of raw params of
// length choice % 8 taken from the input. Mode bit 2: decode under `small_memory_limit`.
// `max_out_size` keeps slow codecs (cm at level 9 decodes a few KB/s under the sanitizers) inside
// libFuzzer's per-input timeout.
inline void check_decode_is_safe(const std::uint8_t* data, std::size_t size, DecodeFn decode,
                                 const Bytes& valid_params, std::uint64_t small_memory_limit,
                                 std::size_t max_out_size = 65535) {
  if (size < 4) return;
  const std::uint8_t mode = data[0];
  const std::size_t out_size = (data[2] | (std::size_t{data[3]} << 8)) % (max_out_size + 1);
  const bool use_valid = (mode & 2) != 0;
  std::size_t skip = use_valid ? 0 : data[1] % 8;
  data += 4;
  size -= 4;
  if (skip > size) skip = size;
  const Bytes params = use_valid ? valid_params : Bytes(data, data + skip);
  const ByteSpan payload(data + skip, size - skip);
  Bytes out(out_size);
  DecodeLimits limits;
  if (mode & 4) limits.memory_bytes = small_memory_limit;
  (void)decode(params, payload, out, limits);
}

}  // namespace kolmo::fuzz
