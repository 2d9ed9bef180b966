// The tensor codec's block parameters and element layouts: what its encoder and decoder share
// (docs/tensor.md has the byte-by-byte layouts).
//
// Params: u8 version (kParamsVersion), u8 dtype (Dtype), u8 mode (Mode), then per mode:
//   o0:   nothing                                  (3 bytes)
//   df11: u8 log2(bytes per GPU thread) = 3, u8 log2(threads per GPU block) = 8   (5 bytes)
//   max:  u8 flags: bit 0 order-1 exponent context, bits 1-2 modelled mantissa bits (4 bytes)
// Anything else (sizes, unknown dtype/mode/version, other df11 geometry, unknown flag bits) is
// kCorruptData.
#pragma once

#include <cstdint>
#include <string_view>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::tensor {

enum class Dtype : std::uint8_t { kBf16 = 0, kFp16 = 1, kFp32 = 2 };
enum class Mode : std::uint8_t { kO0 = 0, kDf11 = 1, kMax = 2 };

inline constexpr std::uint8_t kParamsVersion = 1;
// DFloat11's GPU geometry: each thread decodes an 8-byte chunk of the exponent stream, 256
// threads form a block. Stored so that a GPU decoder never has to guess them.
inline constexpr std::uint8_t kDf11LogBytesPerThread = 3;
inline constexpr std::uint8_t kDf11LogThreadsPerBlock = 8;
inline constexpr std::uint8_t kMaxFlagOrder1 = 1;
inline constexpr int kMaxMantissaBitsLimit = 3;

struct Params {
  Dtype dtype = Dtype::kBf16;
  Mode mode = Mode::kO0;
  // mode=max only.
  bool order1 = true;
  int mantissa_bits = 3;
};

Bytes serialize_params(const Params& p);
Expected<Params> parse_params(ByteSpan bytes);

std::string_view dtype_name(Dtype d);
std::string_view mode_name(Mode m);
int element_bytes(Dtype d);

}  // namespace kolmo::tensor
