// The cm model's side-context hooks (cm_side_contexts.h), kept apart from the level's contexts.
#include "codecs/cm/cm_model.h"

namespace kolmo::cm {
namespace {

// Per side context its own salt, so that equal values of two side contexts, or of a side context
// and one of the level's, do not share slots.
constexpr std::uint64_t kSideSalt[SideContexts::kMaxSideContexts] = {
    0xD6E8FEB86659FD93ull, 0xA0761D6478BD642Full, 0xE7037ED1A0B428DBull, 0x8EBC6AF09C88C6E3ull};

std::uint32_t side_hash(std::uint64_t v, int j) {
  v = (v ^ kSideSalt[j]) * 0x9E3779B97F4A7C15ull;
  v ^= v >> 29;
  v *= 0xBF58476D1CE4E5B9ull;
  v ^= v >> 32;
  return static_cast<std::uint32_t>(v);
}

}  // namespace

// Called by the constructor: the side contexts come after the level's (create() checked that
// they fit). Their kind is kContextKinds, which hash_contexts() leaves to set_side_hashes().
void Model::add_side_kinds() {
  side_first_ = contexts_;
  const int n = side_->count();
  for (int j = 0; j < n && contexts_ < kMaxContexts; ++j) {
    order_rank_[contexts_] = 0;
    kinds_[contexts_++] = kContextKinds;
  }
}

void Model::set_side_hashes(const std::uint64_t* side) {
  for (int i = side_first_; i < contexts_; ++i) context_hash_[i] = side_hash(side[i - side_first_], i - side_first_);
}

void Model::next_side_contexts(std::uint8_t byte) {
  std::uint64_t next[SideContexts::kMaxSideContexts] = {};
  side_->after_byte(byte, next);
  set_side_hashes(next);
}

}  // namespace kolmo::cm
