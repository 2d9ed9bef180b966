// Fuzzes the cm codec. Mode bit 0 of the first byte:
//  - decode: the input is split into params, a declared output size (at most 2 KiB here; the
//    container bounds it in real use) and a payload; decoding must fail cleanly or fill the output;
//  - round trip: the rest of the input is compressed at a level it chooses (with the LSTM input
//    when bit 7 is set) and decoded again; any mismatch traps.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "codec_fuzz.h"
#include "codecs/cm/cm_decode.h"
#include "codecs/cm/cm_encode.h"
#include "codecs/cm/cm_params.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint8_t mode = data[0];
  if (mode & 1) {
    const int level = 1 + (mode >> 1) % 9;
    auto enc = kolmo::make_cm_encoder((mode & 0x80) != 0 ? "lstm" : "", level);
    if (!enc.ok()) __builtin_trap();
    // Levels 5-9 code about 1 KB/s each way under ASan: 1 KiB keeps an input near 2 s.
    const std::size_t cap = level >= 5 ? 1024 : 4096;
    kolmo::fuzz::check_round_trip(**enc, &kolmo::decode_cm_block,
                                  kolmo::ByteSpan(data + 1, std::min<std::size_t>(size - 1, cap)));
    return 0;
  }
  // Valid parameters for a 64 KiB block at a level the input chooses, with the text transform
  // when data[1] >= 128 (and the SSM input when bit 6 is set), so that arbitrary payloads reach
  // the model (and the inverse transform);
  // 16 MiB is too small for any cm model.
  kolmo::cm::Params p = kolmo::cm::params_for(1 + data[1] % 9, 65536);
  p.text_transform = data[1] >= 128;
  // The SSM input's header (tokenizer hash, token count, vocabulary) when bit 6 is set; without
  // tokenizer.bin it is refused as unsupported.
  p.ssm = (data[1] & 64) != 0;
  p.lstm = (data[1] & 32) != 0;  // the LSTM input (no header of its own)
  const kolmo::Bytes level_params = kolmo::cm::serialize_params(p);
  kolmo::fuzz::check_decode_is_safe(data, size, &kolmo::decode_cm_block, level_params,
                                    std::uint64_t{16} << 20, /*max_out_size=*/2047);
  return 0;
}
