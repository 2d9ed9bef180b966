#include "bench/codec_spec.h"

#include <charconv>

#include "kolmo/codec.h"

namespace kolmo::bench {
namespace {

constexpr std::string_view kKolmoPrefix = "kmo:";

struct ToolInfo {
  std::string_view name;
  CodecFamily family;
  int min_level;
  int max_level;
  int default_level;
};

// The ranges are those each tool accepts on its command line (zstd up to 22 needs --ultra).
constexpr ToolInfo kTools[] = {
    {"xz", CodecFamily::kXz, 0, 9, 6},        {"zstd", CodecFamily::kZstd, 1, 22, 3},
    {"brotli", CodecFamily::kBrotli, 0, 11, 11}, {"bzip2", CodecFamily::kBzip2, 1, 9, 9},
    {"gzip", CodecFamily::kGzip, 1, 9, 6},
};

const ToolInfo* find_tool(std::string_view name) {
  for (const ToolInfo& t : kTools) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string known_names() {
  std::string known = "kmo:SPEC";
  for (const ToolInfo& t : kTools) known += ", " + std::string(t.name) + "[:N]";
  for (const CodecInfo& c : all_codecs()) {
    if (find_tool(c.name) == nullptr) known += ", " + std::string(c.name);
  }
  return known;
}

Expected<CodecSpec> parse_tool_spec(const ToolInfo& tool, std::string_view options) {
  CodecSpec spec;
  spec.family = tool.family;
  spec.level = tool.default_level;
  if (tool.family == CodecFamily::kXz && !options.empty() && options.back() == 'e') {
    spec.extreme = true;
    options.remove_suffix(1);
  }
  if (!options.empty()) {
    int level = 0;
    const auto [end, ec] = std::from_chars(options.data(), options.data() + options.size(), level);
    if (ec != std::errc() || end != options.data() + options.size()) {
      return invalid_argument(std::string(tool.name) + " level must be a number, got '" +
                              std::string(options) + "'");
    }
    spec.level = level;
  } else if (spec.extreme) {
    return invalid_argument("xz needs a preset before 'e' (e.g. xz:9e)");
  }
  if (spec.level < tool.min_level || spec.level > tool.max_level) {
    return invalid_argument(std::string(tool.name) + " level must be " +
                            std::to_string(tool.min_level) + ".." +
                            std::to_string(tool.max_level) + ", got " + std::to_string(spec.level));
  }
  spec.label = std::string(tool.name) + ":" + std::to_string(spec.level) + (spec.extreme ? "e" : "");
  return spec;
}

// "tensor:o0|df11|max" is shorthand for "tensor:mode=...": the mode is the one option that
// matters on a checkpoint, so `--codec tensor,tensor:df11,tensor:max` reads naturally.
std::string expand_tensor_shorthand(std::string_view kolmo_text) {
  for (const std::string_view mode : {"o0", "df11", "max"}) {
    if (kolmo_text == "tensor:" + std::string(mode)) return "tensor:mode=" + std::string(mode);
  }
  return std::string(kolmo_text);
}

CodecSpec kolmo_spec(std::string_view kolmo_text) {
  CodecSpec spec;
  spec.family = CodecFamily::kKolmo;
  spec.kolmo_spec = expand_tensor_shorthand(kolmo_text);
  spec.label = std::string(kKolmoPrefix) + spec.kolmo_spec;  // refined once the encoder exists
  return spec;
}

}  // namespace

Expected<CodecSpec> parse_codec_spec(std::string_view text) {
  if (text.substr(0, kKolmoPrefix.size()) == kKolmoPrefix) {
    return kolmo_spec(text.substr(kKolmoPrefix.size()));
  }
  const std::size_t colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  const std::string_view options =
      colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  if (colon != std::string_view::npos && options.empty()) {
    return invalid_argument("codec '" + std::string(text) + "' has an empty level after ':'");
  }
  if (const ToolInfo* tool = find_tool(name)) return parse_tool_spec(*tool, options);
  if (find_codec(name) != nullptr) return kolmo_spec(text);
  return invalid_argument("unknown codec '" + std::string(text) + "' (known: " + known_names() +
                          ")");
}

namespace {

// Whether an item of the list starts a spec of its own: "kmo:...", a tool name or a kolmo codec
// name (before any ':'). Anything else ("ssm", "lstm", "level=9", "max") is an option.
bool starts_a_spec(std::string_view item) {
  if (item.substr(0, kKolmoPrefix.size()) == kKolmoPrefix) return true;
  const std::string_view name = item.substr(0, item.find(':'));
  return find_tool(name) != nullptr || find_codec(name) != nullptr;
}

bool is_kolmo_spec(std::string_view item) {
  const Expected<CodecSpec> spec = parse_codec_spec(item);
  return spec.ok() && spec->family == CodecFamily::kKolmo;
}

}  // namespace

std::vector<std::string> split_codec_list(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      // kolmo's own options are comma-separated too (kmo:cm:9,ssm,lstm): an item that starts no
      // spec of its own continues the kolmo spec before it.
      if (!out.empty() && !starts_a_spec(item) && is_kolmo_spec(out.back())) {
        out.back().append(1, ',').append(item);
      } else {
        out.emplace_back(item);
      }
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

const std::vector<std::string>& default_codec_list() {
  static const std::vector<std::string> list = {"kmo:zstd", "kmo:o2",   "xz:9e",  "zstd:19",
                                                "brotli:11", "bzip2:9", "gzip:9"};
  return list;
}

}  // namespace kolmo::bench
