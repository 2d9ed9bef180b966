#pragma once

#include <string_view>

#include "kolmo/codec.h"

namespace kolmo {
// options: see codecs/log/log_options.h ("", "fast", "logzip=2", "format=<Date> <Content>").
Expected<std::unique_ptr<BlockEncoder>> make_log_encoder(std::string_view options, int level);
}  // namespace kolmo
