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
#include "codec_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint8_t mode = data[0];
  if (mode & 1) {
    auto enc = kolmo::make_o2_encoder("", 1 + (mode >> 1) % 9);
    if (!enc.ok()) __builtin_trap();
    kolmo::fuzz::check_round_trip(**enc, &kolmo::decode_o2_block,
                                  kolmo::ByteSpan(data + 1, size - 1));
    return 0;
  }
  const kolmo::Bytes level_params =
      kolmo::o2::serialize_params(kolmo::o2::params_for_level(1 + data[1] % 9));
  // 32 MiB is too small for any o2 model.
  kolmo::fuzz::check_decode_is_safe(data, size, &kolmo::decode_o2_block, level_params,
                                    std::uint64_t{32} << 20);
  return 0;
}
