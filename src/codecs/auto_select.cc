// The codec chosen when the user names none: a cheap look at the start of the input.
#include <cstdint>
#include <string>

#include "kolmo/codec.h"

namespace kolmo {

bool looks_like_text(ByteSpan sample) {
  if (sample.empty()) return false;
  // Text: printable ASCII, the usual whitespace, and bytes >= 0x80 (UTF-8 or a legacy 8-bit
  // code page). Binary formats are full of the other control bytes, NUL above all.
  std::size_t control = 0;
  for (const std::uint8_t b : sample) {
    if (b == 0) return false;
    const bool whitespace = b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == '\v';
    if ((b < 0x20 && !whitespace) || b == 0x7f) ++control;
  }
  return control * 100 <= sample.size();  // at most 1% stray control bytes
}

std::string default_codec_for(ByteSpan sample, int level) {
  const int effective = level == 0 ? kDefaultLevel : level;
  if (effective >= kTextModelMinLevel && looks_like_text(sample)) return std::string(kTextCodecName);
  return std::string(kDefaultCodecName);
}

}  // namespace kolmo
