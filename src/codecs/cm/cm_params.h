// The cm block parameters: everything the decoder needs to rebuild the encoder's model. They are
// stored in the block header, so one decoder reads every level.
//
// Layout (5 bytes): version (5), level 1..9 (which model components run: see level_config()),
// log2 of the hashed context slots (kMinHashBits..kMaxHashBits), log2 of the match model's
// index entries (kMinMatchBits..kMaxMatchBits), flags: bit 0 the text transform of
// cm_text_transform.h (the payload starts with the transformed size as a varint), bit 1 the SSM
// input of cm_ssm_input.h (then the payload's SSM header follows), bit 2 the LSTM input of
// cm_lstm.h; other bits must be 0. The table sizes follow the block size at encode
// time (small blocks get small, cache-friendly tables) but never exceed the level's maximum.
#pragma once

#include <cstdint>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::cm {

// Version 2: levels 5-9 gained markup contexts, the run model (level 5) and a 6th mixer selector.
// Version 3: the transform byte; levels 5-9 start their mixer weights smaller and choose the first
// weight set by the longest order seen; level 9 gained confidence inputs, two SSE stages, three text
// contexts and two more mixer selectors.
// Version 6: round 9's levels 7-9 (levels 7 and 8 became lighter level 9s).
// Version 7: round 10's levels 7 and 9 (contexts, unseen-group inputs), the SSM input's token model
// without the Mamba (at every level), the LSTM input (flags bit 2).
constexpr std::uint8_t kParamsVersion = 7;  // 7: round 10; 6: round 9; 5: round 8's level 9 (4: round 7)
// Versions 4-6 wrote the same models as version 7 at levels 1-6 without the SSM input (round 8
// changed level 9, round 9 levels 7-9, round 10 levels 7 and 9 and the SSM input), so their
// files at those levels without the SSM flag still decode; the parser refuses the rest.
constexpr std::uint8_t kOldestReadableVersion = 4;
constexpr int kHighestLevelUnchangedSinceVersion4 = 6;
constexpr int kMinHashBits = 12, kMaxHashBits = 26;
constexpr int kMinMatchBits = 10, kMaxMatchBits = 24;

struct Params {
  int level = 5;
  int hash_bits = 22;
  int match_bits = 20;
  bool text_transform = false;
  bool ssm = false;  // the statesmix token predictions as extra mixer inputs
  bool lstm = false;  // a byte-level LSTM's predictions as extra mixer inputs (cm_lstm.h)
};

// The parameters for a block of block_size bytes at level 1..9.
Params params_for(int level, std::uint64_t block_size);

Bytes serialize_params(const Params& p);
// kCorruptData for a wrong size, version or out-of-range values.
Expected<Params> parse_params(ByteSpan bytes);

}  // namespace kolmo::cm
