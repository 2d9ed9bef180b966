// Number formatting and the lines the CLI prints about each file.
#pragma once

#include <cstdint>
#include <string>

namespace kolmo::cli {

// 1234567 -> "1,234,567": byte counts must be readable at a glance.
std::string with_commas(std::uint64_t n);

// Fixed-point with `digits` decimals: format_fixed(3.5714, 3) -> "3.571".
std::string format_fixed(double value, int digits);

// 1536 -> "1.5 KiB", for progress lines where exact counts would scroll.
std::string format_bytes_human(std::uint64_t n);

// "a.txt: 1,234,567 -> 345,678 bytes (3.571x, 2.24 bpb) in 0.42 s".
// from/to follow the direction of the job (decompression reads the smaller side); the ratio and
// bits per byte always use the original and compressed sizes.
std::string summary_line(const std::string& name, std::uint64_t from_bytes,
                         std::uint64_t to_bytes, std::uint64_t original,
                         std::uint64_t compressed, double seconds);

// "3.571x" (original/compressed), or "-" when there is nothing to compare.
std::string ratio_text(std::uint64_t original, std::uint64_t compressed);

}  // namespace kolmo::cli
