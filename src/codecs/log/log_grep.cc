#include "codecs/log/log_grep.h"

#include <string>
#include <vector>

#include "codecs/log/log_decoded_block.h"
#include "codecs/log/log_dictionary.h"

namespace kolmo::logc {
namespace {

// A line of a template as the pattern sees it: constant bytes and wildcards (a column's value).
// A wildcard's `fit` indexes the fits of the template's columns: header fields first, then its
// parameter slots.
struct Piece {
  bool wild = false;
  char byte = 0;
  std::uint32_t fit = 0;
};

std::vector<Piece> template_pieces(const Layout& layout, const DecodedTemplate& t) {
  std::vector<Piece> pieces;
  auto constant = [&](std::string_view s) {
    for (const char c : s) pieces.push_back({false, c, 0});
  };
  constant(layout.literals[0]);
  for (std::size_t f = 0; f + 1 < layout.literals.size(); ++f) {
    pieces.push_back({true, 0, static_cast<std::uint32_t>(f)});
    constant(layout.literals[f + 1]);
  }
  auto slot = static_cast<std::uint32_t>(layout.literals.size() - 1);
  for (std::size_t k = 0; k < t.tokens.size(); ++k) {
    if (k > 0) constant(" ");
    if (t.wild[k]) {
      pieces.push_back({true, 0, slot++});
    } else {
      constant(t.tokens[k]);
    }
  }
  return pieces;
}

// Longer patterns are searched in every line (the per-column tables grow with its square).
constexpr std::size_t kMaxPrunedPattern = 64;

// What a column's values can contribute to a match of the pattern P (length L), gathered from
// every value by two Knuth-Morris-Pratt scans (forward and backward) and a search in P.
struct ColumnFit {
  bool inside = false;                // some value contains P
  std::vector<std::uint8_t> ends_in;  // [j]: P[0, j) is a suffix of some value (0 < j < L)
  std::vector<std::uint8_t> starts;   // [i]: P[i, L) is a prefix of some value (0 < i < L)
  std::vector<std::uint8_t> whole;    // [i * (L + 1) + j]: some value equals P[i, j)
};

// The prefix function of p: border[k] is the length of the longest proper border of p[0, k).
std::vector<std::size_t> borders(std::string_view p) {
  std::vector<std::size_t> border(p.size() + 1, 0);
  for (std::size_t k = 1, b = 0; k < p.size(); ++k) {
    while (b > 0 && p[k] != p[b]) b = border[b];
    if (p[k] == p[b]) ++b;
    border[k + 1] = b;
  }
  return border;
}

class PatternTables {
 public:
  explicit PatternTables(std::string_view pattern)
      : p_(pattern), r_(pattern.rbegin(), pattern.rend()), pb_(borders(p_)), rb_(borders(r_)) {}

  void add_value(std::string_view v, ColumnFit& fit) const {
    const std::size_t n = p_.size();
    // Forward: the longest prefix of P that ends the value, and P inside it.
    std::size_t s = 0;
    for (const char c : v) {
      s = step(p_, pb_, s, c);
      if (s == n) {
        fit.inside = true;
        return;
      }
    }
    for (std::size_t j = s; j > 0; j = pb_[j]) fit.ends_in[j] = 1;
    // Backward: the longest suffix of P that starts the value.
    s = 0;
    for (auto it = v.rbegin(); it != v.rend(); ++it) s = step(r_, rb_, s, *it);
    for (std::size_t k = s; k > 0; k = rb_[k]) fit.starts[n - k] = 1;
    if (v.size() <= n) {
      for (std::size_t i = p_.find(v); i != std::string::npos && i + v.size() <= n; i = p_.find(v, i + 1)) {
        fit.whole[i * (n + 1) + i + v.size()] = 1;
      }
    }
  }

 private:
  static std::size_t step(const std::string& p, const std::vector<std::size_t>& border, std::size_t s, char c) {
    while (s > 0 && p[s] != c) s = border[s];
    return p[s] == c ? s + 1 : s;
  }
  std::string p_, r_;
  std::vector<std::size_t> pb_, rb_;
};

ColumnFit column_fit(const DecodedBlock& b, std::size_t column, std::size_t pattern_size,
                     const PatternTables& tables) {
  const std::size_t n = pattern_size;
  ColumnFit fit;
  fit.ends_in.assign(n + 1, 0);
  fit.starts.assign(n + 1, 0);
  fit.whole.assign((n + 1) * (n + 1), 0);
  const std::string_view arena(b.arena);
  std::uint32_t begin = b.columns[column].begin;
  for (const std::uint32_t end : b.columns[column].ends) {
    tables.add_value(arena.substr(begin, end - begin), fit);
    if (fit.inside) break;
    begin = end;
  }
  return fit;
}

// Whether some line made of `pieces` can contain the pattern P, given what each column's values
// can hold. reach[pos][i]: a match can have taken P[0, i) when piece pos begins.
bool template_may_match(const std::vector<Piece>& pieces, std::string_view pattern,
                        const std::vector<ColumnFit>& fits) {
  for (const Piece& p : pieces) {
    if (p.wild && fits[p.fit].inside) return true;
  }
  const std::size_t m = pieces.size(), n = pattern.size();
  std::vector<std::uint8_t> reach((m + 1) * (n + 1), 0);
  auto at = [&](std::size_t pos, std::size_t i) -> std::uint8_t& { return reach[pos * (n + 1) + i]; };
  for (std::size_t pos = 0; pos <= m; ++pos) at(pos, 0) = 1;  // a match may start anywhere
  for (std::size_t pos = 0; pos < m; ++pos) {
    const Piece& piece = pieces[pos];
    for (std::size_t i = 0; i < n; ++i) {
      if (!at(pos, i)) continue;
      if (!piece.wild) {
        if (piece.byte == pattern[i]) {
          if (i + 1 == n) return true;
          at(pos + 1, i + 1) = 1;
        }
        continue;
      }
      const ColumnFit& fit = fits[piece.fit];
      if (i == 0) {  // the match starts inside this value and leaves it after j bytes
        for (std::size_t j = 1; j < n; ++j) at(pos + 1, j) |= fit.ends_in[j];
        continue;
      }
      if (fit.starts[i]) return true;  // the match ends inside this value
      for (std::size_t j = i; j < n; ++j) at(pos + 1, j) |= fit.whole[i * (n + 1) + j];
    }
  }
  return false;
}

// Which templates can hold the pattern. The fits of one template's columns live only while it
// is checked (a block may have millions of columns); the header fields' are computed once.
std::vector<std::uint8_t> templates_that_may_match(const DecodedBlock& b, std::string_view pattern) {
  // No template (a side-information block keeps its header literals but has no columns: every
  // line is raw): nothing to prune.
  if (b.layout.templates.empty()) return {};
  const PatternTables tables(pattern);
  const std::size_t fields = b.layout.literals.size() - 1;
  std::vector<ColumnFit> fits;
  for (std::size_t f = 0; f < fields; ++f) fits.push_back(column_fit(b, f, pattern.size(), tables));
  std::vector<std::uint8_t> may_match(b.layout.templates.size(), 0);
  for (std::size_t t = 0; t < b.layout.templates.size(); ++t) {
    const DecodedTemplate& tpl = b.layout.templates[t];
    if (tpl.lines == 0) continue;
    fits.resize(fields);
    for (const std::uint32_t c : tpl.columns) fits.push_back(column_fit(b, c, pattern.size(), tables));
    may_match[t] = template_may_match(template_pieces(b.layout, tpl), pattern, fits);
  }
  return may_match;
}

// Rebuilds the lines of a block one at a time, or skips them (advancing the column cursors).
class LineCursor {
 public:
  explicit LineCursor(DecodedBlock& b) : b_(b), raws_{b.streams[kRawStream]} {}

  Status rebuild(std::size_t i, std::string& line) {
    line.clear();
    const std::uint32_t id = b_.layout.ids[i];
    if (id == kIdRawLine) {
      KOLMO_ASSIGN_OR_RETURN(std::string_view raw, raws_.next());
      line.append(raw);
    } else {
      const auto& lits = b_.layout.literals;
      line.append(lits[0]);
      for (std::size_t f = 0; f + 1 < lits.size(); ++f) {
        line.append(take_value(b_.arena, b_.columns[f])).append(lits[f + 1]);
      }
      if (id == kIdRawContent) {
        KOLMO_ASSIGN_OR_RETURN(std::string_view content, raws_.next());
        line.append(content);
      } else {
        const DecodedTemplate& t = b_.layout.templates[id - kFirstTemplateId];
        std::size_t slot = 0;
        for (std::size_t k = 0; k < t.tokens.size(); ++k) {
          if (k > 0) line.push_back(' ');
          line.append(t.wild[k] ? take_value(b_.arena, b_.columns[t.columns[slot++]]) : t.tokens[k]);
        }
      }
    }
    if (terminator_kind(i) == 1) line.push_back('\r');
    return ok_status();
  }

  // Only template lines are skipped, so the raw stream's cursor never has to move.
  void skip_template_line(std::size_t i) {
    for (std::size_t f = 0; f + 1 < b_.layout.literals.size(); ++f) ++b_.columns[f].next;
    const DecodedTemplate& t = b_.layout.templates[b_.layout.ids[i] - kFirstTemplateId];
    for (const std::uint32_t c : t.columns) ++b_.columns[c].next;
  }

  std::uint8_t terminator_kind(std::size_t i) const {
    const Bytes& eol = b_.streams[kEolStream];
    if (i + 1 == b_.layout.ids.size() && b_.no_final_newline) return 0;
    return eol.empty() ? 0 : eol.size() == 1 ? eol[0] : eol[i];
  }

 private:
  DecodedBlock& b_;
  RawCursor raws_;
};

// A version-3 block is a piece of the dictionary's sample: every line is searched.
Expected<GrepStats> grep_sample_copy(ByteSpan params, ByteSpan payload, std::size_t output_size,
                                     std::string_view pattern, const DecodeLimits& limits,
                                     const GrepLineFn& emit) {
  KOLMO_ASSIGN_OR_RETURN(const std::shared_ptr<const LogDictionary> dict,
                         dictionary_for_params(params, limits));
  KOLMO_ASSIGN_OR_RETURN(const ByteSpan copy, sample_copy(params, payload, output_size, *dict));
  std::string_view text(reinterpret_cast<const char*>(copy.data()), copy.size());
  GrepStats stats;
  std::vector<GrepLine> lines;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const bool terminated = nl != std::string_view::npos;
    lines.push_back(GrepLine{lines.size(), text.substr(0, terminated ? nl : text.size()), terminated});
    text.remove_prefix(terminated ? nl + 1 : text.size());
  }
  stats.lines = stats.rebuilt = lines.size();
  for (const GrepLine& line : lines) {
    const bool edge = line.index == 0 || line.index + 1 == lines.size();
    if (edge || line.text.find(pattern) != std::string_view::npos) emit(line);
  }
  return stats;
}

}  // namespace

Expected<GrepStats> grep_log_block(ByteSpan params, ByteSpan payload, std::size_t output_size,
                                   std::string_view pattern, const DecodeLimits& limits,
                                   const GrepLineFn& emit) {
  if (!params.empty() && params[0] == kSampleCopyVersion) {
    return grep_sample_copy(params, payload, output_size, pattern, limits, emit);
  }
  auto block = std::make_unique<DecodedBlock>();
  KOLMO_RETURN_IF_ERROR(read_log_block(params, payload, output_size, limits, *block));
  DecodedBlock& b = *block;
  // A "\r" is never in a template's pieces, and an empty pattern is in every line: such
  // patterns (and long ones) check every line.
  const bool prune = !pattern.empty() && pattern.size() <= kMaxPrunedPattern &&
                     pattern.find('\r') == std::string_view::npos;
  const std::vector<std::uint8_t> may_match =
      prune ? templates_that_may_match(b, pattern) : std::vector<std::uint8_t>(b.layout.templates.size(), 1);
  GrepStats stats;
  const std::size_t n = b.layout.ids.size();
  stats.lines = n;
  LineCursor cursor(b);
  std::string line;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t id = b.layout.ids[i];
    const bool edge = i == 0 || i + 1 == n;
    if (!edge && id >= kFirstTemplateId && !may_match[id - kFirstTemplateId]) {
      cursor.skip_template_line(i);
      continue;
    }
    if (cursor.terminator_kind(i) > 1) return corrupt_data("log: bad line terminator kind");
    KOLMO_RETURN_IF_ERROR(cursor.rebuild(i, line));
    ++stats.rebuilt;
    if (edge || line.find(pattern) != std::string::npos) {
      emit(GrepLine{i, line, !(i + 1 == n && b.no_final_newline)});
    }
  }
  return stats;
}

}  // namespace kolmo::logc
