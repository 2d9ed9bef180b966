// Eight floats as one GCC/clang vector, with unaligned loads and stores through memcpy: compilers
// turn them into unaligned vector moves, whereas an lvalue of an under-aligned vector type was
// compiled by clang 14 (ASan build) into aligned moves that fault on unaligned rows. Always
// inlined, so no 32-byte vector crosses a call (-Wpsabi). Element-wise operations on these are
// plain IEEE operations, so results equal the scalar loop's.
#pragma once

#include <cstring>

// The helpers are always inlined, so the ABI note for a 32-byte vector return does not apply.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace kolmo::core {

typedef float v8f __attribute__((vector_size(32)));

inline __attribute__((always_inline)) v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline __attribute__((always_inline)) void store8(float* p, const v8f& v) {
  std::memcpy(p, &v, sizeof v);
}

}  // namespace kolmo::core

#pragma GCC diagnostic pop
