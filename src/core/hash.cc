#include "kolmo/hash.h"

#include <xxhash.h>

namespace kolmo {

std::uint64_t xxh64(ByteSpan data, std::uint64_t seed) {
  return XXH64(data.data(), data.size(), seed);
}

struct Xxh64Stream::State {
  XXH64_state_t* s = nullptr;
  ~State() { XXH64_freeState(s); }
};

Xxh64Stream::Xxh64Stream(std::uint64_t seed) : state_(std::make_unique<State>()) {
  state_->s = XXH64_createState();
  XXH64_reset(state_->s, seed);
}
Xxh64Stream::~Xxh64Stream() = default;
Xxh64Stream::Xxh64Stream(Xxh64Stream&&) noexcept = default;
Xxh64Stream& Xxh64Stream::operator=(Xxh64Stream&&) noexcept = default;

void Xxh64Stream::update(ByteSpan data) { XXH64_update(state_->s, data.data(), data.size()); }
std::uint64_t Xxh64Stream::digest() const { return XXH64_digest(state_->s); }

}  // namespace kolmo
