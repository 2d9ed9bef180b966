// Fuzzes the cm text transform on its own (fast, unlike the cm model). First byte, bit 0:
//  - inverse: the rest is [size lo][size hi][transformed block]; the inverse must fail with
//    kCorruptData or fill the declared output size (at most 64 KiB);
//  - round trip: the rest is the input; forward (bit 1: with the dictionary, bits 2-4: its
//    minimum word count, bit 5: two-byte codes, bits 6-7: at most 4, 32 or any number of words)
//    and inverse must give the input back, else trap.
#include <cstddef>
#include <cstdint>

#include "codecs/cm/cm_text_transform.h"
#include "codecs/cm/cm_text_transform_encode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  if (mode & 1) {
    if (size < 3) return 0;
    kolmo::Bytes out(data[1] | (std::size_t{data[2]} << 8));
    const kolmo::Status s =
        kolmo::cm::inverse_text_transform(kolmo::ByteSpan(data + 3, size - 3), out);
    if (!s.ok() && s.code() != kolmo::StatusCode::kCorruptData) __builtin_trap();
    return 0;
  }
  const kolmo::ByteSpan input(data + 1, size - 1);
  kolmo::cm::TextTransformOptions options;
  options.dictionary = (mode & 2) != 0;
  options.min_word_count = 1 + ((mode >> 2) & 7);
  options.two_byte_codes = (mode & 32) != 0;
  const uint8_t words = mode >> 6;
  options.max_words = words == 0 ? 4 : words == 1 ? 32 : 65535;
  const kolmo::Bytes t = kolmo::cm::forward_text_transform(input, options);
  kolmo::Bytes out(input.size());
  if (!kolmo::cm::inverse_text_transform(t, out).ok()) __builtin_trap();
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] != input[i]) __builtin_trap();
  }
  return 0;
}
