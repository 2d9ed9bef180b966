#include "bench/report.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace kolmo::bench {
namespace {

// ordered_json keeps the field order of report_fields(), so lines are easy to read and diff.
nlohmann::ordered_json to_json(const Measurement& m) {
  nlohmann::ordered_json j;
  j["file"] = m.file;
  j["codec"] = m.codec;
  j["threads"] = m.threads;
  j["input_bytes"] = m.input_bytes;
  j["output_bytes"] = m.output_bytes;
  j["ratio"] = m.ratio();
  j["bpb"] = m.bpb();
  j["compress_s"] = m.compress_s;
  j["decompress_s"] = m.decompress_s;
  j["compress_mb_s"] = m.compress_mb_s();
  j["decompress_mb_s"] = m.decompress_mb_s();
  j["compress_peak_rss_bytes"] = m.compress_peak_rss_bytes;
  j["decompress_peak_rss_bytes"] = m.decompress_peak_rss_bytes;
  j["peak_rss_method"] = std::string(rss_method_name(m.rss_method));
  j["roundtrip_ok"] = m.roundtrip_ok;
  // Only on checkpoint rows, so that the rows of plain files keep exactly report_fields().
  if (m.order0_bound_fraction) j["order0_bound_fraction"] = *m.order0_bound_fraction;
  return j;
}

// Shortest text that reads back as the same double: the CSV keeps every measured digit.
std::string number_text(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("0");
}

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_cell(const nlohmann::ordered_json& v) {
  if (v.is_string()) return csv_quote(v.get<std::string>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_float()) return number_text(v.get<double>());
  return v.dump();  // integers
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string mib(std::uint64_t bytes) { return fixed(static_cast<double>(bytes) / (1 << 20), 1); }

}  // namespace

const std::vector<std::string>& report_fields() {
  static const std::vector<std::string> fields = [] {
    std::vector<std::string> names;
    const nlohmann::ordered_json sample = to_json(Measurement{});  // must outlive items()
    for (const auto& item : sample.items()) names.push_back(item.key());
    return names;
  }();
  return fields;
}

std::string json_line(const Measurement& m) { return to_json(m).dump(); }

std::string csv_header() {
  std::string out;
  for (const std::string& f : report_fields()) out += (out.empty() ? "" : ",") + f;
  return out;
}

std::string csv_row(const Measurement& m) {
  std::string out;
  bool first = true;
  const nlohmann::ordered_json row = to_json(m);
  // The header's columns only: the CSV keeps one fixed set of columns for every row (the
  // checkpoint-only order0_bound_fraction is in JSON and the table, not here).
  for (const std::string& field : report_fields()) {
    if (!first) out += ',';
    first = false;
    out += csv_cell(row.at(field));
  }
  return out;
}

std::string format_table(const std::vector<Measurement>& rows) {
  const std::vector<std::string> header = {"file",  "codec",     "thr",      "input",
                                           "output", "ratio",    "bpb",      "comp MB/s",
                                           "dec MB/s", "comp MiB", "dec MiB", "ok"};
  std::vector<std::vector<std::string>> cells = {header};
  for (const Measurement& m : rows) {
    cells.push_back({m.file, m.codec, std::to_string(m.threads), std::to_string(m.input_bytes),
                     std::to_string(m.output_bytes), fixed(m.ratio(), 3), fixed(m.bpb(), 3),
                     fixed(m.compress_mb_s(), 2), fixed(m.decompress_mb_s(), 2),
                     mib(m.compress_peak_rss_bytes), mib(m.decompress_peak_rss_bytes),
                     m.roundtrip_ok ? "yes" : "NO"});
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& row : cells) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : cells) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      // Text columns (file, codec) left-aligned, numbers right-aligned.
      const std::string pad(width[i] - row[i].size(), ' ');
      out += i < 2 ? row[i] + pad : pad + row[i];
      out += i + 1 < row.size() ? "  " : "\n";
    }
  }
  // The bound is a property of the input, so one line per checkpoint, below the ratios.
  std::vector<std::string> bound_files;
  for (const Measurement& m : rows) {
    if (!m.order0_bound_fraction ||
        std::find(bound_files.begin(), bound_files.end(), m.file) != bound_files.end()) {
      continue;
    }
    bound_files.push_back(m.file);
    out += m.file + ": order-0 exponent bound: " + fixed(*m.order0_bound_fraction * 100, 1) +
           "% of the bytes" +
           (*m.order0_bound_fraction > 0
                ? " (ratio " + fixed(1 / *m.order0_bound_fraction, 3) + ")"
                : std::string()) +
           "\n";
  }
  return out;
}

}  // namespace kolmo::bench
