#include "codecs/log/log_parse.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "codecs/log/log_format.h"
#include "codecs/log/log_ich.h"

namespace kolmo::logc {
namespace {

constexpr std::size_t kMaxAutoFields = 8;
constexpr std::size_t kDetectSample = 4096;
// Templates seen on fewer lines cost more as templates than as raw content.
constexpr std::uint32_t kMinTemplateLines = 4;

void split_lines(std::string_view text, ParsedLog& log) {
  // One allocation per vector instead of a doubling series over a block of lines.
  const auto newlines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  log.lines.reserve(newlines + 1);
  log.eol.reserve(newlines + 1);
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      log.lines.push_back(text.substr(pos));
      log.eol.push_back(0);
      log.no_final_newline = true;
      return;
    }
    std::string_view line = text.substr(pos, nl - pos);
    std::uint8_t kind = 0;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
      kind = 1;
    }
    log.lines.push_back(line);
    log.eol.push_back(kind);
    pos = nl + 1;
  }
}

// Token with its digit runs collapsed: "12:05:33" -> "0:0:0".
std::string masked_shape(std::string_view token) {
  std::string s;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (is_digit(static_cast<std::uint8_t>(token[i]))) {
      if (s.empty() || s.back() != '0') s.push_back('0');
    } else {
      s.push_back(token[i]);
    }
  }
  return s;
}

bool has_digit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return is_digit(static_cast<std::uint8_t>(c)); });
}

// Splits the line into header fields and content; false when the line does not fit the format.
bool match_header(std::string_view line, const HeaderFormat& f, std::vector<std::string_view>& fields,
                  std::string_view& content) {
  const std::string_view prefix = f.literals.empty() ? std::string_view() : f.literals[0];
  if (line.substr(0, prefix.size()) != prefix) return false;
  std::size_t pos = prefix.size();
  for (std::size_t i = 1; i < f.literals.size(); ++i) {
    const std::size_t at = line.find(f.literals[i], pos);
    if (at == std::string_view::npos) return false;
    fields.push_back(line.substr(pos, at - pos));
    pos = at + f.literals[i].size();
  }
  content = line.substr(pos);
  return true;
}

bool is_parameter(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return true;
  for (const char c : token) {
    const auto b = static_cast<std::uint8_t>(c);
    if (is_digit(b) || b < kShapeSafeByte) return true;
  }
  return false;
}

class TemplateMiner {
 public:
  explicit TemplateMiner(int similarity16) : similarity16_(similarity16) {}

  // Returns the group of this token sequence (groups are numbered by first appearance).
  std::uint32_t add(const std::string_view* tokens, std::size_t n) {
    key_.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) key_.push_back(' ');
      if (is_parameter(tokens[i])) {
        key_.push_back(static_cast<char>(kShapeMarker));
      } else {
        key_.append(tokens[i]);
      }
    }
    auto it = groups_.find(key_);
    if (it != groups_.end()) {
      ++templates_[group_template_[it->second]].lines;
      return it->second;
    }
    const auto group = static_cast<std::uint32_t>(group_template_.size());
    groups_.emplace(key_, group);
    group_template_.push_back(place(tokens, n));
    ++templates_[group_template_.back()].lines;
    return group;
  }

  std::uint32_t template_of(std::uint32_t group) const { return group_template_[group]; }
  std::vector<Template>& templates() { return templates_; }

 private:
  // Joins the most similar template of the same length and first token, or starts a new one.
  std::uint32_t place(const std::string_view* tokens, std::size_t n) {
    std::string bucket_key = std::to_string(n);
    bucket_key.push_back(' ');
    if (!is_parameter(tokens[0])) bucket_key.append(tokens[0]);
    auto& bucket = buckets_[bucket_key];
    // Each token's class once, not once per template of the bucket.
    wild_.resize(n);
    for (std::size_t i = 0; i < n; ++i) wild_[i] = is_parameter(tokens[i]) ? 1 : 0;
    std::uint32_t best = 0;
    std::size_t best_same = 0;
    for (const std::uint32_t t : bucket) {
      const Template& tpl = templates_[t];
      std::size_t same = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const bool wild = wild_[i] != 0;
        if (tpl.wild[i] ? wild : (!wild && tpl.tokens[i] == tokens[i])) ++same;
      }
      if (same > best_same) {
        best_same = same;
        best = t;
      }
    }
    if (!bucket.empty() && best_same * 16 >= n * static_cast<std::size_t>(similarity16_) &&
        best_same < n) {
      Template& tpl = templates_[best];
      for (std::size_t i = 0; i < n; ++i) {
        if (!tpl.wild[i] && (wild_[i] != 0 || tpl.tokens[i] != tokens[i])) tpl.wild[i] = 1;
      }
      return best;
    }
    if (!bucket.empty() && best_same == n) return best;
    Template tpl;
    tpl.tokens.assign(tokens, tokens + n);
    tpl.wild = wild_;
    templates_.push_back(std::move(tpl));
    const auto t = static_cast<std::uint32_t>(templates_.size() - 1);
    if (bucket.size() < 256) bucket.push_back(t);  // bounded search per bucket
    return t;
  }

  int similarity16_;
  std::string key_;
  std::vector<std::uint8_t> wild_;  // per token of the sequence being placed: 1 for a parameter
  std::unordered_map<std::string, std::uint32_t> groups_;
  std::vector<std::uint32_t> group_template_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> buckets_;
  std::vector<Template> templates_;
};

void split_tokens(std::string_view content, std::vector<std::string_view>& tokens) {
  std::size_t pos = 0;
  while (true) {
    const std::size_t sp = content.find(' ', pos);
    if (sp == std::string_view::npos) {
      tokens.push_back(content.substr(pos));
      return;
    }
    tokens.push_back(content.substr(pos, sp - pos));
    pos = sp + 1;
  }
}

}  // namespace

namespace {

struct FieldStats {
  bool common = false;   // present on nearly every line
  bool numeric = false;  // digit-bearing with few shapes (timestamps, ids, pids)
  bool small = false;    // few distinct values (levels, hosts)
};

// Statistics of the first kMaxAutoFields fields when lines are cut at `sep`.
std::vector<FieldStats> field_stats(const std::vector<std::string_view>& sample, char sep) {
  std::vector<FieldStats> stats;
  std::vector<std::size_t> pos(sample.size(), 0);
  std::vector<bool> alive(sample.size(), true);
  for (std::size_t field = 0; field < kMaxAutoFields; ++field) {
    std::size_t present = 0, with_digit = 0;
    std::unordered_set<std::string> shapes, values;
    for (std::size_t i = 0; i < sample.size(); ++i) {
      if (!alive[i]) continue;
      const std::size_t end = sample[i].find(sep, pos[i]);
      if (end == std::string_view::npos) {
        alive[i] = false;
        continue;
      }
      const std::string_view token = sample[i].substr(pos[i], end - pos[i]);
      ++present;
      if (has_digit(token)) ++with_digit;
      if (shapes.size() <= 16) shapes.insert(masked_shape(token));
      if (values.size() <= 32) values.insert(std::string(token));
      pos[i] = end + 1;
    }
    FieldStats f;
    f.common = present * 20 >= sample.size() * 19;
    f.numeric = with_digit * 10 >= present * 9 && shapes.size() <= 16;
    f.small = values.size() <= 32;
    stats.push_back(f);
  }
  return stats;
}

// The header ends at the last field that is numeric or small such that every field before it is
// common and no two fields in a row are free text (a free field between a timestamp and a pid,
// like a host name, still belongs to the header).
std::size_t header_length(const std::vector<FieldStats>& stats) {
  std::size_t best = 0;
  std::size_t free_run = 0;
  for (std::size_t i = 0; i < stats.size(); ++i) {
    if (!stats[i].common) break;
    if (stats[i].numeric || stats[i].small) {
      free_run = 0;
      best = i + 1;
    } else if (++free_run >= 2) {
      break;
    }
  }
  return best;
}

}  // namespace

ByteSpan leading_lines(ByteSpan input, std::size_t max_bytes) {
  if (input.size() <= max_bytes) return input;
  std::size_t end = max_bytes;
  while (end > 0 && input[end - 1] != '\n') --end;
  return input.first(end == 0 ? max_bytes : end);
}

HeaderFormat detect_header(ByteSpan input) {
  ParsedLog split;
  split_lines({reinterpret_cast<const char*>(input.data()), input.size()}, split);
  const std::vector<std::string_view>& lines = split.lines;
  HeaderFormat f;
  f.literals.push_back("");
  if (lines.empty()) return f;
  const std::size_t stride = std::max<std::size_t>(1, lines.size() / kDetectSample);
  std::vector<std::string_view> sample;
  for (std::size_t i = 0; i < lines.size(); i += stride) sample.push_back(lines[i]);
  char best_sep = ' ';
  std::size_t best_length = 0;
  for (const char sep : {' ', '|', '\t', ','}) {
    const std::size_t length = header_length(field_stats(sample, sep));
    if (length > best_length) {
      best_length = length;
      best_sep = sep;
    }
  }
  for (std::size_t i = 0; i < best_length; ++i) f.literals.push_back(std::string(1, best_sep));
  return f;
}

ParsedLog parse_log(ByteSpan input, const HeaderFormat& header, int merge_similarity16,
                    TemplateMethod method) {
  const bool online = method == TemplateMethod::kOnline;
  ParsedLog log;
  split_lines({reinterpret_cast<const char*>(input.data()), input.size()}, log);
  log.header = header;
  const std::size_t n = log.lines.size();
  log.ids.resize(n);
  log.field_begin.resize(n);
  log.contents.resize(n);
  log.token_begin.resize(n);
  // Upper bounds (each token but a line's last ends at a space), so the big vectors are not
  // regrown and copied over a block.
  log.fields.reserve(n * header.fields());
  if (method != TemplateMethod::kNone) {
    log.tokens.reserve(n + static_cast<std::size_t>(std::count(input.begin(), input.end(), ' ')));
  }
  TemplateMiner miner(merge_similarity16);
  std::vector<std::uint32_t> group(n, 0);
  std::vector<std::string_view> fields;
  for (std::size_t i = 0; i < n; ++i) {
    fields.clear();
    std::string_view content;
    log.field_begin[i] = static_cast<std::uint32_t>(log.fields.size());
    log.token_begin[i] = static_cast<std::uint32_t>(log.tokens.size());
    if (!match_header(log.lines[i], log.header, fields, content)) {
      log.ids[i] = kIdRawLine;
      continue;
    }
    log.fields.insert(log.fields.end(), fields.begin(), fields.end());
    log.contents[i] = content;
    log.ids[i] = kIdRawContent;
    if (method == TemplateMethod::kNone) continue;
    const std::size_t first = log.tokens.size();
    split_tokens(content, log.tokens);
    const std::size_t count = log.tokens.size() - first;
    if (count > kMaxTemplateTokens) {
      log.tokens.resize(first);
      continue;
    }
    if (online) group[i] = miner.add(&log.tokens[first], count) + 1;
  }
  if (method == TemplateMethod::kIch) {
    mine_ich(log);
    return log;
  }
  std::vector<Template>& mined = miner.templates();
  std::vector<std::uint32_t> final_id(mined.size(), 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (group[i] == 0) continue;
    const std::uint32_t t = miner.template_of(group[i] - 1);
    if (mined[t].lines < kMinTemplateLines) continue;
    if (final_id[t] == 0) {
      if (log.templates.size() >= kMaxTemplates) continue;
      final_id[t] = kFirstTemplateId + static_cast<std::uint32_t>(log.templates.size());
      log.templates.push_back(std::move(mined[t]));
    }
    log.ids[i] = final_id[t];
  }
  return log;
}

}  // namespace kolmo::logc
