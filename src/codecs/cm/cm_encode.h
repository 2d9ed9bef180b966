#pragma once
#include <string_view>

#include "kolmo/codec.h"

namespace kolmo {
namespace cm {
class SideContexts;
}

// options: "" or a level "1".."9" (also "level=N"); it overrides the -N level. Default level 5.
Expected<std::unique_ptr<BlockEncoder>> make_cm_encoder(std::string_view options, int level);

// Internal entry point for codecs that know more about their bytes (the log codec): codes input
// at level 1..9 with side's contexts added to the level's (cm_side_contexts.h), no text
// transform and no SSM input. out.params are cm block params, out.payload the coded bytes; only
// decode_cm_side_block() with the same provider decodes them. kInvalidArgument when the level
// has no room for the side contexts (side_contexts_fit).
Status encode_cm_side_block(int level, ByteSpan input, cm::SideContexts& side, EncodedBlock& out);
}  // namespace kolmo
