// Fuzzes the zstd block decoder: arbitrary payloads and declared sizes must fail cleanly.
#include <cstddef>
#include <cstdint>

#include "codecs/zstd/zstd_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // The first two bytes choose the declared output size (up to 64 KiB).
  const std::size_t out_size = static_cast<std::size_t>(data[0]) | (std::size_t{data[1]} << 8);
  kolmo::Bytes out(out_size);
  (void)kolmo::decode_zstd_block({}, kolmo::ByteSpan(data + 2, size - 2), out,
                                 kolmo::DecodeLimits{});
  return 0;
}
