#pragma once
#include "kolmo/codec.h"

namespace kolmo {
// options: "" or a native zstd level ("19", "-5") or "level=N"; kolmo levels 1..9 map to zstd
// levels 1, 2, 3, 5, 7, 9, 12, 16, 19.
Expected<std::unique_ptr<BlockEncoder>> make_zstd_encoder(std::string_view options, int level);
}  // namespace kolmo
