#include "codecs/log/log_ich.h"

#include <map>
#include <string>
#include <unordered_map>

#include "codecs/log/log_format.h"

namespace kolmo::logc {
namespace {

// Rounds of sample -> cluster -> match; the last round clusters every line still unmatched, so
// every tokenized line ends with a template.
constexpr int kRounds = 5;
// Each round clusters 1/kSampleShare of the unmatched lines, at least kMinSample of them.
constexpr std::size_t kSampleShare = 8;
constexpr std::size_t kMinSample = 64;
// Below the (token count, first token) layer, clusters are split this many times by their most
// frequent non-universal token.
constexpr int kSplitDepth = 2;

struct Line {
  std::uint32_t index;
  const std::string_view* tokens;
  std::uint32_t count;
};

// Tokens holding digits are variables from the start (Logzip masks numbers before clustering).
bool is_variable(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return true;
  for (const char c : token) {
    const auto b = static_cast<std::uint8_t>(c);
    if (is_digit(b) || b < kShapeSafeByte) return true;
  }
  return false;
}

std::string bucket_key(std::uint32_t count, std::string_view first, bool first_wild) {
  std::string key = std::to_string(count);
  key.push_back(first_wild ? '*' : '=');
  if (!first_wild) key.append(first);
  return key;
}

class Ich {
 public:
  explicit Ich(std::vector<Template>& templates) : templates_(templates) {}

  // Clusters the sample, adds its templates; returns the index of the first new template.
  std::size_t cluster(const std::vector<Line>& sample) {
    const std::size_t first_new = templates_.size();
    // Layer 1 and 2: token count and first token (a variable first token is its own branch).
    std::map<std::string, std::vector<Line>> groups;
    for (const Line& l : sample) {
      groups[bucket_key(l.count, l.tokens[0], is_variable(l.tokens[0]))].push_back(l);
    }
    for (auto& [key, members] : groups) split(members, 0);
    return first_new;
  }

  // The most specific template among the new ones that line matches, or -1.
  long match(const Line& l, std::size_t first_new) const {
    long best = -1;
    std::size_t best_constants = 0;
    for (const bool wild_first : {false, true}) {
      const auto it = buckets_.find(bucket_key(l.count, l.tokens[0], wild_first));
      if (it == buckets_.end()) continue;
      for (const std::uint32_t t : it->second) {
        if (t < first_new) continue;
        const Template& tpl = templates_[t];
        std::size_t constants = 0;
        bool ok = true;
        for (std::uint32_t k = 0; k < l.count && ok; ++k) {
          if (tpl.wild[k]) continue;
          ok = tpl.tokens[k] == l.tokens[k];
          ++constants;
        }
        if (ok && (best < 0 || constants > best_constants)) {
          best = t;
          best_constants = constants;
        }
      }
    }
    return best;
  }

 private:
  // Layer 3: splits by the most frequent (position, token) pair that not every member has.
  void split(const std::vector<Line>& members, int depth) {
    if (depth < kSplitDepth && members.size() >= 2) {
      std::unordered_map<std::string, std::uint32_t> counts;
      std::string best_key;
      std::uint32_t best_count = 0;
      std::string key;
      for (const Line& l : members) {
        for (std::uint32_t k = 1; k < l.count; ++k) {
          if (is_variable(l.tokens[k])) continue;
          key = std::to_string(k);
          key.push_back(' ');
          key.append(l.tokens[k]);
          const std::uint32_t c = ++counts[key];
          if (c < members.size() && (c > best_count || (c == best_count && key < best_key))) {
            best_count = c;
            best_key = key;
          }
        }
      }
      if (best_count >= 2) {
        const std::size_t sp = best_key.find(' ');
        const auto pos = static_cast<std::uint32_t>(std::stoul(best_key.substr(0, sp)));
        const std::string_view token = std::string_view(best_key).substr(sp + 1);
        std::vector<Line> with, without;
        for (const Line& l : members) (l.tokens[pos] == token ? with : without).push_back(l);
        if (!without.empty()) {
          split(with, depth + 1);
          split(without, depth + 1);
          return;
        }
      }
    }
    add_template(members);
  }

  // The template of a cluster: tokens every member shares at a position, wildcards elsewhere.
  void add_template(const std::vector<Line>& members) {
    if (templates_.size() >= kMaxTemplates) return;
    const Line& head = members.front();
    Template tpl;
    tpl.tokens.assign(head.tokens, head.tokens + head.count);
    tpl.wild.assign(head.count, 0);
    for (std::uint32_t k = 0; k < head.count; ++k) {
      bool same = !is_variable(head.tokens[k]);
      for (std::size_t m = 1; m < members.size() && same; ++m) same = members[m].tokens[k] == head.tokens[k];
      tpl.wild[k] = same ? 0 : 1;
      if (!same) tpl.tokens[k] = std::string_view();
    }
    buckets_[bucket_key(head.count, tpl.tokens[0], tpl.wild[0] != 0)].push_back(
        static_cast<std::uint32_t>(templates_.size()));
    templates_.push_back(std::move(tpl));
  }

  std::vector<Template>& templates_;
  std::map<std::string, std::vector<std::uint32_t>> buckets_;
};

// A template whose sample lines all matched more specific ones is dropped; ids are renumbered.
void drop_unused_templates(ParsedLog& log) {
  std::vector<std::uint32_t> new_id(log.templates.size(), 0);
  std::vector<Template> kept;
  for (std::size_t t = 0; t < log.templates.size(); ++t) {
    if (log.templates[t].lines == 0) continue;
    new_id[t] = kFirstTemplateId + static_cast<std::uint32_t>(kept.size());
    kept.push_back(std::move(log.templates[t]));
  }
  log.templates.swap(kept);
  for (std::uint32_t& id : log.ids) {
    if (id >= kFirstTemplateId) id = new_id[id - kFirstTemplateId];
  }
}

}  // namespace

void mine_ich(ParsedLog& log) {
  const std::size_t n = log.lines.size();
  std::vector<Line> unmatched;
  for (std::size_t i = 0; i < n; ++i) {
    if (log.ids[i] != kIdRawContent) continue;
    const std::size_t end = i + 1 < n ? log.token_begin[i + 1] : log.tokens.size();
    const std::size_t count = end - log.token_begin[i];
    if (count == 0) continue;  // too many tokens: the content stays raw
    unmatched.push_back({static_cast<std::uint32_t>(i), &log.tokens[log.token_begin[i]],
                         static_cast<std::uint32_t>(count)});
  }
  Ich ich(log.templates);
  std::vector<Line> sample, left;
  for (int round = 0; round < kRounds && !unmatched.empty(); ++round) {
    sample.clear();
    const std::size_t want = std::max(kMinSample, unmatched.size() / kSampleShare);
    const std::size_t stride = round + 1 == kRounds || unmatched.size() <= want ? 1 : unmatched.size() / want;
    for (std::size_t i = 0; i < unmatched.size(); i += stride) sample.push_back(unmatched[i]);
    const std::size_t first_new = ich.cluster(sample);
    left.clear();
    for (const Line& l : unmatched) {
      const long t = ich.match(l, first_new);
      if (t < 0) {
        left.push_back(l);
        continue;
      }
      log.ids[l.index] = kFirstTemplateId + static_cast<std::uint32_t>(t);
      ++log.templates[static_cast<std::size_t>(t)].lines;
    }
    unmatched.swap(left);
  }
  drop_unused_templates(log);
}

}  // namespace kolmo::logc
