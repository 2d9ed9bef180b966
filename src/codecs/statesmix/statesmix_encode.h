#pragma once
#include <string_view>

#include "kolmo/codec.h"

namespace kolmo {
// options: none (the paper's configuration has no knobs); the level is ignored.
Expected<std::unique_ptr<BlockEncoder>> make_statesmix_encoder(std::string_view options,
                                                               int level);
}  // namespace kolmo
