#pragma once
#include <string_view>

#include "kolmo/codec.h"

namespace kolmo {
// options: "" or a kolmo level "1".."9" (also "level=N"); it overrides the -N level.
Expected<std::unique_ptr<BlockEncoder>> make_o2_encoder(std::string_view options, int level);
}  // namespace kolmo
