// The bit patterns of IEEE binary32 floats, for code that converts or manipulates floats at the
// bit level (16-bit float formats, deterministic exp/log approximations).
#pragma once

#include <bit>
#include <cstdint>

namespace kolmo::core {

inline float bits_to_float(std::uint32_t bits) { return std::bit_cast<float>(bits); }
inline std::uint32_t float_to_bits(float f) { return std::bit_cast<std::uint32_t>(f); }

}  // namespace kolmo::core
