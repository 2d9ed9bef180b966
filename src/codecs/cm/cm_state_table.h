// Bit histories: a context's past bits summarised in one byte. State s stands for a pair of
// counts (n0, n1) of zeros and ones seen, with the count that disagrees with a new bit discounted
// (recent bits matter more), and both counts bounded so that every state fits in a byte.
//
// The table is generated at start-up by a fixed routine (cm_state_table.cc): states are numbered
// in order of total count, so state 0 is "never seen" (zeroed memory needs no initialisation) and
// a larger number means a more often visited context (the hash table's replacement priority).
#pragma once

#include <cstdint>

namespace kolmo::cm {

struct StateTable {
  std::uint8_t next[256][2];  // next[s][bit]
  std::uint8_t n0[256];
  std::uint8_t n1[256];
  int count;  // states in use (the rest map to themselves)
};

const StateTable& state_table();

}  // namespace kolmo::cm
