#include "codecs/log/log_columns.h"

namespace kolmo::logc {

std::uint64_t power_of_ten(std::size_t n) {
  std::uint64_t p = 1;
  for (std::size_t i = 0; i < n; ++i) p *= 10;
  return p;
}

bool split_numeric(std::string_view value, std::string& shape, std::vector<std::uint64_t>& numbers) {
  shape.clear();
  const std::size_t first_number = numbers.size();
  std::size_t runs = 0;
  std::size_t i = 0;
  while (i < value.size()) {
    const auto c = static_cast<std::uint8_t>(value[i]);
    if (c < kShapeSafeByte) {
      numbers.resize(first_number);
      return false;
    }
    if (!is_digit(c)) {
      shape.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint64_t v = 0;
    while (i < value.size() && len < kMaxDigitRun && is_digit(static_cast<std::uint8_t>(value[i]))) {
      v = v * 10 + static_cast<std::uint64_t>(value[i] - '0');
      ++len;
      ++i;
    }
    if (++runs > kMaxRunsPerValue) {
      numbers.resize(first_number);
      return false;
    }
    shape.push_back(static_cast<char>(kShapeMarker));
    shape.push_back(static_cast<char>(kShapeLengthBase + len));
    numbers.push_back(v);
  }
  if (runs == 0) return false;
  return true;
}

}  // namespace kolmo::logc
