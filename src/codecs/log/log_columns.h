// Column representations shared by encoder and decoder: how a digit-bearing value is cut into a
// shape (its non-digit bytes with a marker per digit run) and the numbers of its digit runs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/log/log_format.h"

namespace kolmo::logc {

// Appends the shape of value to shape and its digit-run numbers to numbers (runs longer than
// kMaxDigitRun are cut into several). Returns false when value cannot be a numeric value: no
// digit, a byte below kShapeSafeByte, or more than kMaxRunsPerValue runs.
bool split_numeric(std::string_view value, std::string& shape, std::vector<std::uint64_t>& numbers);

// 10^n for n in 0..18.
std::uint64_t power_of_ten(std::size_t n);

}  // namespace kolmo::logc
