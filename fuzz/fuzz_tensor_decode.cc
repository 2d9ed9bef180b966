// Fuzzes the tensor codec. Mode bit 0 of the first byte:
//  - round trip: the rest of the input is compressed with a dtype/mode (and max options) that the
//    second byte chooses, and decoded again; any failure or mismatch traps;
//  - decode: [mode][params choice][size lo][size hi][params...][payload...]: arbitrary or valid
//    params, a declared output size of at most 64 KiB (the container bounds it in real use) and
//    arbitrary payload bytes; decoding must fail cleanly or fill the output.
#include <cstddef>
#include <cstdint>
#include <string>

#include "codecs/tensor/tensor_decode.h"
#include "codecs/tensor/tensor_encode.h"
#include "codecs/tensor/tensor_format.h"

namespace {

kolmo::tensor::Params params_from(std::uint8_t choice) {
  kolmo::tensor::Params p;
  p.dtype = static_cast<kolmo::tensor::Dtype>(choice % 3);
  p.mode = static_cast<kolmo::tensor::Mode>((choice / 3) % 3);
  p.order1 = (choice & 0x20) != 0;
  p.mantissa_bits = (choice >> 6) & 3;
  return p;
}

std::string options_for(const kolmo::tensor::Params& p) {
  std::string s = "dtype=" + std::string(kolmo::tensor::dtype_name(p.dtype)) +
                  ",mode=" + std::string(kolmo::tensor::mode_name(p.mode));
  if (p.mode == kolmo::tensor::Mode::kMax) {
    s +=
        ",order1=" + std::to_string(p.order1 ? 1 : 0) + ",mbits=" + std::to_string(p.mantissa_bits);
  }
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint8_t mode = data[0];
  if (mode & 1) {
    const kolmo::tensor::Params p = params_from(data[1]);
    const kolmo::ByteSpan input(data + 2, size - 2);
    auto enc = kolmo::make_tensor_encoder(options_for(p), 0);
    if (!enc.ok()) __builtin_trap();
    kolmo::EncodedBlock block;
    if (!(*enc)->encode_block(input, block).ok()) __builtin_trap();
    kolmo::Bytes out(input.size());
    if (!kolmo::decode_tensor_block(block.params, block.payload, out, {}).ok()) __builtin_trap();
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] != input[i]) __builtin_trap();
    }
    return 0;
  }
  // Bit 1: valid params chosen by data[1] (so the payload reaches the mode decoders); else raw
  // params of length data[1] % 8. Bit 2: a memory limit too small for any decoder.
  const size_t out_size = data[2] | (size_t{data[3]} << 8);
  kolmo::Bytes params;
  size_t skip = 0;
  if (mode & 2) {
    params = kolmo::tensor::serialize_params(params_from(data[1]));
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
  if (mode & 4) limits.memory_bytes = 1024;
  (void)kolmo::decode_tensor_block(params, payload, out, limits);
  return 0;
}
