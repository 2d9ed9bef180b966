// XXH64 (libxxhash): the checksum of every .kmo block, of the whole content and of headers.
#pragma once

#include <cstdint>
#include <memory>

#include "kolmo/bytes.h"

namespace kolmo {

std::uint64_t xxh64(ByteSpan data, std::uint64_t seed = 0);

// The low 32 bits of XXH64: the short checksum that guards headers and index entries.
inline std::uint32_t xxh64_low32(ByteSpan data, std::uint64_t seed = 0) {
  return static_cast<std::uint32_t>(xxh64(data, seed));
}

// Streaming XXH64 over data that arrives in pieces (e.g. stdin in blocks).
class Xxh64Stream {
 public:
  explicit Xxh64Stream(std::uint64_t seed = 0);
  ~Xxh64Stream();
  Xxh64Stream(const Xxh64Stream&) = delete;
  Xxh64Stream& operator=(const Xxh64Stream&) = delete;
  Xxh64Stream(Xxh64Stream&&) noexcept;
  Xxh64Stream& operator=(Xxh64Stream&&) noexcept;

  void update(ByteSpan data);
  std::uint64_t digest() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace kolmo
