// Fuzzes the o2 codec. Mode bit 0 of the first byte:
//  - decode: the input is split into params, a declared output size (at most 64 KiB here; the
//    container bounds it in real use) and a payload; decoding must fail cleanly or fill the output;
//  - round trip: the rest of the input is compressed at a level it chooses and decoded again; any
//    mismatch traps.
#include <cstddef>
#include <cstdint>

#include "codecs/o2/o2_decode.h"
#include "codecs/o2/o2_encode.h"
#include "codecs/o2/o2_params.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint8_t mode = data[0];
  if (mode & 1) {
    const int level = 1 + (mode >> 1) % 9;
    const kolmo::ByteSpan input(data + 1, size - 1);
    auto enc = kolmo::make_o2_encoder("", level);
    if (!enc.ok()) __builtin_trap();
    kolmo::EncodedBlock block;
    if (!(*enc)->encode_block(input, block).ok()) __builtin_trap();
    kolmo::Bytes out(input.size());
    const kolmo::Status s = kolmo::decode_o2_block(block.params, block.payload, out, {});
    if (!s.ok()) __builtin_trap();
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] != input[i]) __builtin_trap();
    }
    return 0;
  }
  // Decode mode: [mode][params byte][size lo][size hi][params...][payload...]. Bit 1 of the mode
  // takes the parameters of a real level (so the payload reaches the model) instead of raw
  // bytes of length params byte % 8; bit 2 sets a memory limit too small for any model.
  const size_t out_size = data[2] | (size_t{data[3]} << 8);
  kolmo::Bytes params;
  size_t skip = 0;
  if (mode & 2) {
    params = kolmo::o2::serialize_params(kolmo::o2::params_for_level(1 + data[1] % 9));
  } else {
    skip = data[1] % 8;
  }
  data += 4;
  size -= 4;
  if (skip > size) skip = size;
  if (!(mode & 2)) params.assign(data, data + skip);
  const kolmo::ByteSpan payload(data + skip, size - skip);
  kolmo::Bytes out(out_size);
  kolmo::DecodeLimits limits;
  if (mode & 4) limits.memory_bytes = std::uint64_t{32} << 20;
  (void)kolmo::decode_o2_block(params, payload, out, limits);
  return 0;
}
