#include "codecs/log/log_options.h"

#include "codecs/log/log_format.h"

namespace kolmo::logc {
namespace {
constexpr int kMaxModeMinLevel = 7;  // kolmo -7..-9 select log:max
constexpr int kDefaultCmLevel = 5;
}  // namespace

Expected<HeaderFormat> parse_header_format(std::string_view text) {
  HeaderFormat f;
  std::string literal;
  bool saw_content = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (saw_content) return invalid_argument("log format: <Content> must be the last field");
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      literal.push_back(text[++i]);
    } else if (c == '<') {
      const std::size_t close = text.find('>', i);
      if (close == std::string_view::npos) return invalid_argument("log format: unclosed '<'");
      const std::string_view name = text.substr(i + 1, close - i - 1);
      if (name.empty()) return invalid_argument("log format: empty field name");
      if (!f.literals.empty() && literal.empty()) {
        return invalid_argument("log format: fields must be separated by literal text");
      }
      if (literal.size() > kMaxLiteralBytes) return invalid_argument("log format: literal too long");
      f.literals.push_back(literal);
      literal.clear();
      i = close;
      saw_content = name == "Content";
    } else {
      literal.push_back(c);
    }
  }
  if (!saw_content) return invalid_argument("log format must end with <Content>");
  if (f.fields() > kMaxHeaderFields) return invalid_argument("log format: too many fields");
  return f;
}

Expected<LogOptions> parse_log_options(std::string_view options, int level) {
  LogOptions o;
  if (level == 1 || level == 2) o.mode = EncoderMode::kFast;
  if (level >= kMaxModeMinLevel) o.mode = EncoderMode::kMax;
  int cm_level = kDefaultCmLevel;
  while (!options.empty()) {
    std::string_view item;
    if (options.substr(0, 7) == "format=") {
      item = options;  // the format takes the rest of the spec: it may contain ','
      options = {};
    } else {
      const std::size_t comma = options.find(',');
      item = options.substr(0, comma);
      options = comma == std::string_view::npos ? std::string_view() : options.substr(comma + 1);
    }
    if (item == "fast") {
      o.mode = EncoderMode::kFast;
    } else if (item == "default") {
      o.mode = EncoderMode::kDefault;
    } else if (item == "max") {
      o.mode = EncoderMode::kMax;
    } else if (item.substr(0, 3) == "cm=") {
      if (item.size() != 4 || item[3] < '1' || item[3] > '9') {
        return invalid_argument("log: cm level must be 1..9, got '" + std::string(item) + "'");
      }
      cm_level = item[3] - '0';
      o.mode = EncoderMode::kMax;
    } else if (item == "logzip" || item.substr(0, 7) == "logzip=") {
      o.mode = EncoderMode::kLogzip;
      if (item.size() > 7) {
        if (item.size() != 8 || item[7] < '1' || item[7] > '3') {
          return invalid_argument("log: logzip level must be 1, 2 or 3, got '" + std::string(item) + "'");
        }
        o.logzip_level = item[7] - '0';
      }
    } else if (item == "columns") {
      o.whole_line_trial = false;
      o.mode = EncoderMode::kMax;
    } else if (item == "side") {
      o.only_side_lines = true;
      o.mode = EncoderMode::kMax;
    } else if (item == "hybrid") {
      o.only_hybrid_lines = true;
      o.mode = EncoderMode::kMax;
    } else if (item == "hybrid6") {
      o.only_hybrid_lines = true;
      o.round6_hybrid = true;
      o.mode = EncoderMode::kMax;
    } else if (item == "noside") {
      o.side_line_trial = false;
      o.mode = EncoderMode::kMax;
    } else if (item == "nodict") {
      o.dictionary = false;
    } else if (item.substr(0, 7) == "format=") {
      KOLMO_ASSIGN_OR_RETURN(o.format, parse_header_format(item.substr(7)));
      o.has_format = true;
      o.format_text = std::string(item.substr(7));
    } else {
      return invalid_argument("log: unknown option '" + std::string(item) +
                              "' (known: fast, max, cm=1..9, columns, noside, side, hybrid, hybrid6, logzip[=1..3], nodict, format=...)");
    }
  }
  switch (o.mode) {
    case EncoderMode::kDefault:
      // lzma and o2 on every stream; zstd -19 rarely wins against lzma and would cost a pass.
      o.backends = BackendChoice{.zstd = false, .lzma = true, .lzma_extreme = false, .o2 = true, .o2_level = 9};
      o.backends.min_size_for_models = 0;
      o.backends.sample_above = 128 << 10;
      o.cm_on_small_raw_stream = true;
      break;
    case EncoderMode::kMax:
      // The default's candidates plus cm, which wins on most text streams.
      o.backends = BackendChoice{.zstd = false, .lzma = true, .lzma_extreme = false, .o2 = true, .o2_level = 9,
                                 .cm = true, .cm_level = cm_level};
      o.backends.sample_above = 128 << 10;
      break;
    case EncoderMode::kFast:
      o.backends = BackendChoice{.zstd = true, .zstd_level = 9, .lzma = false, .o2 = false};
      break;
    case EncoderMode::kLogzip:
      // Logzip packs its intermediate representation and hands it to one general compressor.
      o.backends = BackendChoice{.zstd = false, .lzma = true, .lzma_extreme = true, .o2 = false};
      break;
  }
  return o;
}

std::string log_options_spec(const LogOptions& o) {
  std::string s = "log";
  if (o.mode == EncoderMode::kFast) s += ":fast";
  if (o.mode == EncoderMode::kMax) {
    s += ":max";
    if (o.backends.cm_level != kDefaultCmLevel) s += ",cm=" + std::to_string(o.backends.cm_level);
    if (!o.whole_line_trial) s += ",columns";
    if (o.whole_line_trial && !o.side_line_trial) s += ",noside";
    if (o.whole_line_trial && o.only_side_lines) s += ",side";
    if (o.whole_line_trial && o.only_hybrid_lines) s += o.round6_hybrid ? ",hybrid6" : ",hybrid";
  }
  if (o.mode == EncoderMode::kLogzip) s += ":logzip=" + std::to_string(o.logzip_level);
  if (!o.dictionary) s += std::string(s == "log" ? ":" : ",") + "nodict";
  if (o.has_format) s += std::string(s == "log" ? ":" : ",") + "format=" + o.format_text;
  return s;
}

}  // namespace kolmo::logc
