#include "cli/report.h"

#include <cstdio>

namespace kolmo::cli {

std::string with_commas(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string format_fixed(double value, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, value);
  return buf;
}

std::string format_bytes_human(std::uint64_t n) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(n);
  int unit = 0;
  while (value >= 1024.0 && unit < 4) {
    value /= 1024.0;
    ++unit;
  }
  return (unit == 0 ? std::to_string(n) : format_fixed(value, 1)) + " " + kUnits[unit];
}

std::string ratio_text(std::uint64_t original, std::uint64_t compressed) {
  if (original == 0 || compressed == 0) return "-";
  return format_fixed(static_cast<double>(original) / static_cast<double>(compressed), 3) + "x";
}

std::string summary_line(const std::string& name, std::uint64_t from_bytes,
                         std::uint64_t to_bytes, std::uint64_t original,
                         std::uint64_t compressed, double seconds) {
  std::string bpb = "-";
  if (original > 0) {
    bpb = format_fixed(8.0 * static_cast<double>(compressed) / static_cast<double>(original), 2);
  }
  return name + ": " + with_commas(from_bytes) + " -> " + with_commas(to_bytes) + " bytes (" +
         ratio_text(original, compressed) + ", " + bpb + " bpb) in " + format_fixed(seconds, 2) +
         " s";
}

}  // namespace kolmo::cli
