#pragma once

namespace kolmo {
inline constexpr const char* kVersionString = "0.1.0";
// .kmo format version written by this build (docs/format.md). Readers accept any minor version
// of the same major version and refuse a newer major version.
inline constexpr int kFormatMajor = 1;
inline constexpr int kFormatMinor = 0;
}  // namespace kolmo
