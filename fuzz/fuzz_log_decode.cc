// Fuzzes the log codec (its template/column decoder and stream backends). Mode bit 0 of the
// first byte:
//  - decode: the input is split into params, a declared output size (at most 64 KiB here; the
//    container bounds it in real use) and a payload; decoding must fail cleanly or fill the output;
//  - round trip: the rest of the input is compressed in the mode it chooses (default, fast,
//    Logzip 1-3) and decoded again; any mismatch traps.
#include <cstddef>
#include <cstdint>

#include "codec_fuzz.h"
#include "codecs/log/log_decode.h"
#include "codecs/log/log_encode.h"
#include "codecs/log/log_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint8_t mode = data[0];
  if (mode & 1) {
    static const char* const kSpecs[] = {"", "fast", "logzip=1", "logzip=2", "logzip=3",
                                         "format=<A> <B>: <Content>"};
    auto enc = kolmo::make_log_encoder(kSpecs[(mode >> 1) % 6], 0);
    if (!enc.ok()) __builtin_trap();
    kolmo::fuzz::check_round_trip(**enc, &kolmo::decode_log_block,
                                  kolmo::ByteSpan(data + 1, size - 1));
    return 0;
  }
  const kolmo::Bytes params = {kolmo::logc::kPayloadVersion};
  kolmo::fuzz::check_decode_is_safe(data, size, &kolmo::decode_log_block, params,
                                    std::uint64_t{1} << 20);
  return 0;
}
