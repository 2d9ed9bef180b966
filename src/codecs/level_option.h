// The options of codecs whose only knob is a level 1..9 ("o2:7", "cm:level=9"), shared by their
// encoder factories.
#pragma once

#include <charconv>
#include <string>
#include <string_view>

#include "kolmo/status.h"

namespace kolmo {

// `options` empty: the kolmo level, or `default_level` when that is 0. Otherwise "N" or
// "level=N" with N in 1..9, which overrides the kolmo level.
inline Expected<int> parse_level_option(std::string_view codec, std::string_view options,
                                        int level, int default_level) {
  if (options.empty()) return level == 0 ? default_level : level;
  std::string_view text = options;
  if (text.substr(0, 6) == "level=") text.remove_prefix(6);
  int parsed = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (ec != std::errc() || end != text.data() + text.size() || parsed < 1 || parsed > 9) {
    return invalid_argument(std::string(codec) + " options must be a level from 1 to 9, got '" +
                            std::string(options) + "'");
  }
  return parsed;
}

}  // namespace kolmo
