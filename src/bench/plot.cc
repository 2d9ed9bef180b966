#include "bench/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace kolmo::bench {
namespace {

struct Point {
  std::string codec;
  std::uint64_t input_bytes = 0;
  std::uint64_t output_bytes = 0;
  double compress_s = 0;
  double ratio() const { return output_bytes ? double(input_bytes) / double(output_bytes) : 0; }
  double mb_s() const { return compress_s > 0 ? double(input_bytes) / 1e6 / compress_s : 0; }
};

// One point per codec, in the order codecs first appear.
std::vector<Point> points_per_codec(const std::vector<Measurement>& rows) {
  std::vector<Point> points;
  for (const Measurement& m : rows) {
    auto it = std::find_if(points.begin(), points.end(),
                           [&](const Point& p) { return p.codec == m.codec; });
    if (it == points.end()) it = points.insert(points.end(), Point{m.codec});
    it->input_bytes += m.input_bytes;
    it->output_bytes += m.output_bytes;
    it->compress_s += m.compress_s;
  }
  return points;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v >= 10 ? "%.0f" : v >= 1 ? "%.1f" : "%.2g", v);
  return buf;
}

// A qualitative palette that stays distinguishable for the usual handful of codecs.
const char* color(std::size_t i) {
  static const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                         "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
  return kPalette[i % std::size(kPalette)];
}

// Plot geometry (pixels).
constexpr double kWidth = 860, kHeight = 520;
constexpr double kLeft = 70, kRight = 640, kTop = 40, kBottom = 460;

}  // namespace

std::string render_svg(const std::vector<Measurement>& rows) {
  const std::vector<Point> points = points_per_codec(rows);
  // Axis ranges: whole decades of speed; ratio from a rounded-down minimum to a rounded-up max.
  double min_speed = 1e300, max_speed = 0, max_ratio = 0, min_ratio = 1e300;
  for (const Point& p : points) {
    if (p.mb_s() > 0) min_speed = std::min(min_speed, p.mb_s());
    max_speed = std::max(max_speed, p.mb_s());
    max_ratio = std::max(max_ratio, p.ratio());
    min_ratio = std::min(min_ratio, p.ratio());
  }
  if (max_speed <= 0) min_speed = max_speed = 1;
  const double x_lo = std::floor(std::log10(min_speed));
  const double x_hi = std::max(x_lo + 1, std::ceil(std::log10(max_speed)));
  const double y_lo = points.empty() ? 0 : std::max(0.0, std::floor(min_ratio - 0.5));
  const double y_hi = std::max(y_lo + 1, std::ceil(max_ratio + 0.25));
  auto x_of = [&](double mb_s) {
    const double lx = mb_s > 0 ? std::log10(mb_s) : x_lo;
    return kLeft + (lx - x_lo) / (x_hi - x_lo) * (kRight - kLeft);
  };
  auto y_of = [&](double ratio) { return kBottom - (ratio - y_lo) / (y_hi - y_lo) * (kBottom - kTop); };

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kWidth) +
                    "\" height=\"" + num(kHeight) + "\" viewBox=\"0 0 " + num(kWidth) + " " +
                    num(kHeight) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + num((kLeft + kRight) / 2) +
         "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">kolmo bench: ratio vs compression speed</text>\n";
  // Grid and ticks: every decade on x, every integer step (or a coarser one) on y.
  for (double d = x_lo; d <= x_hi + 1e-9; d += 1) {
    const double x = x_of(std::pow(10.0, d));
    svg += "<line x1=\"" + num(x) + "\" y1=\"" + num(kTop) + "\" x2=\"" + num(x) + "\" y2=\"" +
           num(kBottom) + "\" stroke=\"#ddd\"/>\n";
    svg += "<text x=\"" + num(x) + "\" y=\"" + num(kBottom + 16) + "\" text-anchor=\"middle\">" +
           tick_label(std::pow(10.0, d)) + "</text>\n";
  }
  const double y_step = std::max(1.0, std::ceil((y_hi - y_lo) / 8));
  for (double r = y_lo; r <= y_hi + 1e-9; r += y_step) {
    const double y = y_of(r);
    svg += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(y) + "\" x2=\"" + num(kRight) +
           "\" y2=\"" + num(y) + "\" stroke=\"#ddd\"/>\n";
    svg += "<text x=\"" + num(kLeft - 6) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
           tick_label(r) + "</text>\n";
  }
  svg += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(kRight - kLeft) +
         "\" height=\"" + num(kBottom - kTop) + "\" fill=\"none\" stroke=\"black\"/>\n";
  svg += "<text x=\"" + num((kLeft + kRight) / 2) + "\" y=\"" + num(kBottom + 36) +
         "\" text-anchor=\"middle\">compression speed (MB/s, log scale)</text>\n";
  svg += "<text x=\"18\" y=\"" + num((kTop + kBottom) / 2) + "\" text-anchor=\"middle\" transform=\"rotate(-90 18 " +
         num((kTop + kBottom) / 2) + ")\">compression ratio (input / output)</text>\n";

  for (std::size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    const std::string name = xml_escape(p.codec);
    const double x = x_of(p.mb_s()), y = y_of(p.ratio());
    svg += "<circle class=\"marker\" data-codec=\"" + name + "\" cx=\"" + num(x) + "\" cy=\"" +
           num(y) + "\" r=\"5\" fill=\"" + color(i) + "\"><title>" + name + ": ratio " +
           tick_label(p.ratio()) + ", " + tick_label(p.mb_s()) + " MB/s</title></circle>\n";
    // Labels near the right edge go on the marker's left so they stay clear of the legend.
    const bool flip = x > kRight - 100;
    svg += "<text x=\"" + num(flip ? x - 8 : x + 8) + "\" y=\"" + num(y - 6) + "\"" +
           (flip ? " text-anchor=\"end\"" : "") + ">" + name + "</text>\n";
    // Legend entry.
    const double ly = kTop + 10 + 20 * static_cast<double>(i);
    svg += "<rect class=\"legend-swatch\" x=\"" + num(kRight + 30) + "\" y=\"" + num(ly - 9) +
           "\" width=\"12\" height=\"12\" fill=\"" + color(i) + "\"/>\n";
    svg += "<text x=\"" + num(kRight + 48) + "\" y=\"" + num(ly + 1) + "\">" + name + "</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace kolmo::bench
