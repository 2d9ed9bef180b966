// Writing measurements: an aligned text table (default), JSON Lines (--json) or CSV (--csv).
// JSON and CSV carry the same fields, in the same order (report_fields()).
#pragma once

#include <string>
#include <vector>

#include "bench/measure.h"

namespace kolmo::bench {

// The field names of a JSON object / the CSV header, in output order.
const std::vector<std::string>& report_fields();

// One JSON object on one line, without the newline.
std::string json_line(const Measurement& m);

// The CSV header and one CSV row, without newlines. Text fields are quoted when needed.
std::string csv_header();
std::string csv_row(const Measurement& m);

// An aligned, human-readable table of all rows, ending with a newline.
std::string format_table(const std::vector<Measurement>& rows);

}  // namespace kolmo::bench
