// The element types a safetensors file may declare, with their on-disk names and byte sizes.
// Names follow the reference implementation (huggingface/safetensors, Dtype) exactly, since they
// are matched byte for byte against header strings.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kolmo::tensor {

// Values are kolmo's own and may be stored in archives: append, never renumber.
enum class DType : std::uint8_t {
  kBool = 0,
  kU8 = 1,
  kI8 = 2,
  kF8_E4M3 = 3,
  kF8_E5M2 = 4,
  kU16 = 5,
  kI16 = 6,
  kF16 = 7,
  kBF16 = 8,
  kU32 = 9,
  kI32 = 10,
  kF32 = 11,
  kU64 = 12,
  kI64 = 13,
  kF64 = 14,
  kF8_E8M0 = 15,
  kC64 = 16,  // complex64: two F32
};

struct DTypeInfo {
  DType dtype;
  std::string_view name;
  std::size_t size;  // bytes per element
};

inline constexpr std::array<DTypeInfo, 17> kDTypes = {{
    {DType::kBool, "BOOL", 1},
    {DType::kU8, "U8", 1},
    {DType::kI8, "I8", 1},
    {DType::kF8_E4M3, "F8_E4M3", 1},
    {DType::kF8_E5M2, "F8_E5M2", 1},
    {DType::kU16, "U16", 2},
    {DType::kI16, "I16", 2},
    {DType::kF16, "F16", 2},
    {DType::kBF16, "BF16", 2},
    {DType::kU32, "U32", 4},
    {DType::kI32, "I32", 4},
    {DType::kF32, "F32", 4},
    {DType::kU64, "U64", 8},
    {DType::kI64, "I64", 8},
    {DType::kF64, "F64", 8},
    {DType::kF8_E8M0, "F8_E8M0", 1},
    {DType::kC64, "C64", 8},
}};

// The table is indexed by enum value; keep it that way.
static_assert([] {
  for (std::size_t i = 0; i < kDTypes.size(); ++i) {
    if (static_cast<std::size_t>(kDTypes[i].dtype) != i) return false;
  }
  return true;
}());

constexpr const DTypeInfo& dtype_info(DType d) { return kDTypes[static_cast<std::size_t>(d)]; }
constexpr std::size_t dtype_size(DType d) { return dtype_info(d).size; }
constexpr std::string_view dtype_name(DType d) { return dtype_info(d).name; }

// The dtype for a header name ("BF16"), or nullopt for a name kolmo does not know.
constexpr std::optional<DType> parse_dtype(std::string_view name) {
  for (const DTypeInfo& info : kDTypes) {
    if (info.name == name) return info.dtype;
  }
  return std::nullopt;
}

// Sub-byte types the reference implementation knows but kolmo cannot lay out yet: reported as
// unsupported rather than corrupt, so tools can say "valid, but not handled".
constexpr bool is_known_unsupported_dtype(std::string_view name) {
  return name == "F4" || name == "F6_E2M3" || name == "F6_E3M2";
}

}  // namespace kolmo::tensor
