// The codec table: the one place that lists every codec this build knows.
#include <span>

#include "codecs/cm/cm_codec.h"
#include "codecs/log/log_codec.h"
#include "codecs/o2/o2_codec.h"
#include "codecs/statesmix/statesmix_codec.h"
#include "codecs/store/store_codec.h"
#include "codecs/tensor/tensor_codec.h"
#include "codecs/zstd/zstd_codec.h"
#include "kolmo/codec.h"

namespace kolmo {

std::span<const CodecInfo> all_codecs() {
  // In id order; the size follows the list.
  static const CodecInfo table[] = {
      store_codec_info(),
      zstd_codec_info(),
      o2_codec_info(),
      cm_codec_info(),
      statesmix_codec_info(),
      tensor_codec_info(),
      log_codec_info(),
  };
  return table;
}

const CodecInfo* find_codec(CodecId id) {
  for (const CodecInfo& c : all_codecs()) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

const CodecInfo* find_codec(std::string_view name) {
  for (const CodecInfo& c : all_codecs()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Expected<std::unique_ptr<BlockEncoder>> make_encoder(std::string_view spec, int level) {
  if (level < 0 || level > 9) {
    return invalid_argument("level " + std::to_string(level) + " is outside 1..9");
  }
  if (spec.empty()) spec = kDefaultCodecName;
  const std::size_t colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const std::string_view options =
      colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
  const CodecInfo* codec = find_codec(name);
  if (codec == nullptr) {
    std::string known;
    for (const CodecInfo& c : all_codecs()) {
      if (!known.empty()) known += ", ";
      known += c.name;
    }
    return invalid_argument("unknown codec '" + std::string(name) + "' (known: " + known + ")");
  }
  return codec->make_encoder(options, level);
}

}  // namespace kolmo
