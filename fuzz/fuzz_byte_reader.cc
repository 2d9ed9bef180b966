// Fuzzes the checked byte reader: any byte string, read as a stream of mixed fields, must never
// read out of bounds, and a value read as a varint must re-encode to the same bytes.
#include <cstddef>
#include <cstdint>

#include "kolmo/bytes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kolmo::ByteReader r(kolmo::ByteSpan(data, size));
  while (r.ok() && !r.at_end()) {
    const std::size_t start = r.position();
    switch (r.u8() % 6) {
      case 0: (void)r.u16(); break;
      case 1: (void)r.u32(); break;
      case 2: (void)r.u64(); break;
      case 3: (void)r.bytes(r.u8()); break;
      case 4: (void)r.varint_at_most(1000, "field"); break;
      default: {
        const std::size_t at = r.position();
        const std::uint64_t v = r.varint();
        if (r.ok()) {
          kolmo::Bytes again;
          kolmo::append_varint(again, v);
          // A canonical varint re-encodes to exactly the bytes it was read from.
          if (again.size() != r.position() - at) __builtin_trap();
          for (std::size_t i = 0; i < again.size(); ++i) {
            if (again[i] != data[at + i]) __builtin_trap();
          }
        }
      }
    }
    if (r.ok() && r.position() <= start) __builtin_trap();
  }
  return 0;
}
