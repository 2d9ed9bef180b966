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
#include "codec_fuzz.h"

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
  if (data[0] & 1) {
    auto enc = kolmo::make_tensor_encoder(options_for(params_from(data[1])), 0);
    if (!enc.ok()) __builtin_trap();
    kolmo::fuzz::check_round_trip(**enc, &kolmo::decode_tensor_block,
                                  kolmo::ByteSpan(data + 2, size - 2));
    return 0;
  }
  // 1 KiB is too small for any tensor decoder's tables.
  kolmo::fuzz::check_decode_is_safe(data, size, &kolmo::decode_tensor_block,
                                    kolmo::tensor::serialize_params(params_from(data[1])), 1024);
  return 0;
}
