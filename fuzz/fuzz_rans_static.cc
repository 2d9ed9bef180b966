// Fuzzes static order-0 rANS. First byte selects the mode:
//   even: decode the rest as a blob into an output whose size comes from the next 3 bytes
//         (capped at 1 MiB); any result is fine except a crash, hang or out-of-bounds access.
//   odd:  round trip: encode the rest, decode it, and trap on any difference.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "entropy/rans_static.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const kolmo::ByteSpan rest(data + 4, size - 4);
  if ((data[0] & 1) == 0) {
    const std::size_t out_size =
        (static_cast<std::size_t>(data[1]) | (std::size_t{data[2]} << 8) |
         (std::size_t{data[3]} << 16)) & ((std::size_t{1} << 20) - 1);
    kolmo::Bytes out(out_size);
    (void)kolmo::rans_decode_o0(rest, out);
    return 0;
  }
  const kolmo::Bytes blob = kolmo::rans_encode_o0(rest);
  if (blob.size() > rest.size() + 1) __builtin_trap();
  kolmo::Bytes out(rest.size());
  if (!kolmo::rans_decode_o0(blob, out).ok()) __builtin_trap();
  if (!out.empty() && std::memcmp(out.data(), rest.data(), out.size()) != 0) __builtin_trap();
  return 0;
}
