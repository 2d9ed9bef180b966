#pragma once
#include <string_view>

#include "kolmo/codec.h"

namespace kolmo {
namespace o2 {
class Model;
}

// options: "" or a kolmo level "1".."9" (also "level=N"); it overrides the -N level.
Expected<std::unique_ptr<BlockEncoder>> make_o2_encoder(std::string_view options, int level);

// Codes `input` with `model` after teaching it `prime` (o2::learn; empty: none), appending the
// payload that decode_o2_primed reads to `payload`. The o2 codec and the log codec's o2 streams
// share this loop.
void encode_o2_payload(o2::Model& model, ByteSpan input, ByteSpan prime, Bytes& payload);
}  // namespace kolmo
