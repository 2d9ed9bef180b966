#pragma once
#include <string_view>

#include "kolmo/codec.h"

namespace kolmo {
// options: "" or a level "1".."9" (also "level=N"); it overrides the -N level. Default level 5.
Expected<std::unique_ptr<BlockEncoder>> make_cm_encoder(std::string_view options, int level);
}  // namespace kolmo
