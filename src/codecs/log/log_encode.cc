#include "codecs/log/log_encode.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <cstdint>

#include "codecs/cm/cm_encode.h"
#include "codecs/cm/cm_side_contexts.h"
#include "codecs/log/log_column_encode.h"
#include "codecs/log/log_dictionary.h"
#include "codecs/log/log_format.h"
#include "codecs/log/log_options.h"
#include "codecs/log/log_parse.h"
#include "codecs/log/log_side_contexts.h"
#include "codecs/o2/o2_model.h"
#include "codecs/o2/o2_params.h"

namespace kolmo {
namespace {

using namespace logc;

constexpr std::size_t kHeaderSampleBytes = 256 << 10;
// log:max chooses between columns and whole lines on this much of a block (encode_max).
constexpr std::size_t kMaxTrialBytes = 256 << 10;
constexpr std::size_t kCmRawStreamShare = 16;
// log:max tries plain whole lines beside the side way only where templates are this dense or more
// (LogEncoder::side_way_covers_whole_lines).
constexpr std::size_t kLinesPerTemplateForWholeLines = 32;
// Files cut into blocks up to this size get a dictionary mined from their first
// kDictionarySampleBytes (docs/log.md, "Dictionary frame").
constexpr std::uint64_t kDictionaryMaxBlockSize = std::uint64_t{1} << 20;
constexpr std::size_t kDictionarySampleBytes = 256 << 10;

void append_string(Bytes& out, std::string_view s) {
  append_varint(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

// shapes_only: constant tokens are written empty (code 1), for the side-information way, whose
// model reads them from the template's previous line.
void write_templates(const ParsedLog& log, Bytes& meta, Bytes& text, bool shapes_only = false) {
  append_varint(meta, log.templates.size());
  for (const Template& t : log.templates) {
    append_varint(meta, t.tokens.size());
    for (std::size_t i = 0; i < t.tokens.size(); ++i) {
      if (t.wild[i]) {
        append_varint(meta, 0);
      } else if (shapes_only) {
        append_varint(meta, 1);
      } else {
        append_varint(meta, t.tokens[i].size() + 1);
        text.insert(text.end(), t.tokens[i].begin(), t.tokens[i].end());
      }
    }
  }
}

// Header field f over every line with a header, field after field.
void write_header_columns(const ParsedLog& log, ColumnPolicy policy, StreamSet& streams) {
  const std::size_t fields = log.header.fields();
  const std::size_t n = log.lines.size();
  std::vector<std::string_view> values;
  streams.header = true;
  for (std::size_t f = 0; f < fields; ++f) {
    values.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (log.ids[i] != kIdRawLine) values.push_back(log.fields[log.field_begin[i] + f]);
    }
    write_column(values, policy, streams);
  }
  streams.header = false;
}

// Header field columns first, then every template's parameter slots in template order.
void write_columns(const ParsedLog& log, ColumnPolicy policy, StreamSet& streams) {
  write_header_columns(log, policy, streams);
  const std::size_t n = log.lines.size();
  std::vector<std::string_view> values;
  std::vector<std::vector<std::uint32_t>> lines_of(log.templates.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (log.ids[i] >= kFirstTemplateId) lines_of[log.ids[i] - kFirstTemplateId].push_back(static_cast<std::uint32_t>(i));
  }
  for (std::size_t t = 0; t < log.templates.size(); ++t) {
    const Template& tpl = log.templates[t];
    for (std::size_t k = 0; k < tpl.tokens.size(); ++k) {
      if (!tpl.wild[k]) continue;
      values.clear();
      for (const std::uint32_t i : lines_of[t]) values.push_back(log.tokens[log.token_begin[i] + k]);
      write_column(values, policy, streams);
    }
  }
}

// What the raw stream holds: raw lines and raw contents (columns), every line whole (the
// side-information way), or every line's content and raw lines whole (the hybrid way).
enum class RawText { kUnmatched, kEveryLine, kEveryContent };

void write_line_streams(const ParsedLog& log, StreamSet& streams, RawText what = RawText::kUnmatched) {
  const bool every_line_raw = what == RawText::kEveryLine;
  const bool every_content = what == RawText::kEveryContent;
  const bool wide = log.templates.size() + kFirstTemplateId > 256;
  streams.s[kMetaStream].push_back(wide ? 2 : 1);
  Bytes& ids = streams.s[kIdStream];
  Bytes& raw = streams.s[kRawStream];
  for (std::size_t i = 0; i < log.lines.size(); ++i) {
    const std::uint32_t id = log.ids[i];
    ids.push_back(static_cast<std::uint8_t>(id));
    if (wide) ids.push_back(static_cast<std::uint8_t>(id >> 8));
    const std::string_view text = id == kIdRawLine || every_line_raw ? log.lines[i] : log.contents[i];
    if (id <= kIdRawContent || every_line_raw || every_content) {
      raw.insert(raw.end(), text.begin(), text.end());
      raw.push_back('\n');
    }
  }
  // One terminator kind for every terminated line (the usual case) is written once, or not at
  // all for "\n".
  Bytes& eol = streams.s[kEolStream];
  const auto terminated = log.eol.end() - (log.no_final_newline ? 1 : 0);
  if (std::all_of(log.eol.begin(), terminated, [&](std::uint8_t k) { return k == log.eol.front(); })) {
    if (log.eol.begin() != terminated && log.eol.front() != 0) eol.push_back(log.eol.front());
  } else {
    eol.assign(log.eol.begin(), log.eol.end());
  }
}

StreamSet build_streams(const ParsedLog& log, ColumnPolicy policy) {
  StreamSet streams;
  Bytes& meta = streams.s[kMetaStream];
  append_varint(meta, log.header.fields());
  for (const std::string& lit : log.header.literals) append_string(meta, lit);
  write_line_streams(log, streams);
  write_templates(log, meta, streams.s[kTemplateStream]);
  write_columns(log, policy, streams);
  return streams;
}

// The side-information ways: meta (header literals, id width, template shapes), line ids,
// terminators, and the template-token stream empty. Without header columns (hybrid empty) the raw
// stream holds every line whole and there are no columns; the hybrid way makes the header fields
// columns (their descriptions end the meta, their values fill the header streams) and the raw
// stream holds every line's content (a raw line whole).
StreamSet build_side_streams(const ParsedLog& log, std::optional<ColumnPolicy> hybrid) {
  StreamSet streams;
  Bytes& meta = streams.s[kMetaStream];
  append_varint(meta, log.header.fields());
  for (const std::string& lit : log.header.literals) append_string(meta, lit);
  write_line_streams(log, streams, hybrid ? RawText::kEveryContent : RawText::kEveryLine);
  write_templates(log, meta, streams.s[kTemplateStream], true);
  if (hybrid) write_header_columns(log, *hybrid, streams);
  return streams;
}

// The cm level of the side-information way: the log's level, or the highest below it with room
// for the provider's contexts (level 9 already models kMaxLevelContexts contexts).
int side_level(int level, int side_contexts) {
  while (level > 1 && !cm::side_contexts_fit(level, side_contexts)) --level;
  return level;
}

// Per header field its values over the lines with a header, in line order.
std::vector<std::vector<std::string_view>> header_values(const ParsedLog& log) {
  std::vector<std::vector<std::string_view>> columns(log.header.fields());
  for (std::size_t i = 0; i < log.lines.size(); ++i) {
    if (log.ids[i] == kIdRawLine) continue;
    for (std::size_t f = 0; f < columns.size(); ++f) columns[f].push_back(log.fields[log.field_begin[i] + f]);
  }
  return columns;
}

// The raw stream of a side-information way, coded by cm with the lines' side contexts:
// [backend][raw size][stored size][params length][cm params][cm payload]. The backend says
// what the stream holds: every line whole (kBackendCmSide), or the contents, the header being
// columns (kBackendCmSideHeader, with the header keys as more contexts; kBackendCmSideContent,
// round 6's hybrid without them, written by log:max,hybrid6 only).
Status append_side_stream(Bytes& out, const ParsedLog& log, ByteSpan raw, int level, std::uint8_t backend) {
  const bool contents_only = backend != kBackendCmSide;
  const std::vector<std::string_view> literals =
      contents_only ? std::vector<std::string_view>{std::string_view{}}
                    : std::vector<std::string_view>(log.header.literals.begin(), log.header.literals.end());
  std::vector<SideTemplate> templates;
  templates.reserve(log.templates.size());
  for (const Template& t : log.templates) templates.push_back({t.wild});
  std::vector<std::uint64_t> keys;
  if (backend == kBackendCmSideHeader) keys = header_line_keys(log.ids, header_values(log));
  LineSideContexts side(literals, std::move(templates), log.ids, raw.data(), keys);
  EncodedBlock coded;
  KOLMO_RETURN_IF_ERROR(encode_cm_side_block(side_level(level, side.count()), raw, side, coded));
  out.push_back(backend);
  append_varint(out, raw.size());
  append_varint(out, 1 + coded.params.size() + coded.payload.size());
  out.push_back(static_cast<std::uint8_t>(coded.params.size()));
  out.insert(out.end(), coded.params.begin(), coded.params.end());
  out.insert(out.end(), coded.payload.begin(), coded.payload.end());
  return ok_status();
}

// Bytes of the streams under a quick backend: the yardstick for choosing a header.
std::size_t quick_size(const StreamSet& streams, BackendScratch& scratch) {
  const BackendChoice quick{.zstd = true, .zstd_level = 6, .lzma = false, .o2 = false};
  Bytes out;
  for (const Bytes& s : streams.s) (void)append_stream(out, s, quick, scratch);
  return out.size();
}

// A parse of some input and its streams.
struct Modelled {
  ParsedLog log;
  StreamSet streams;
  bool whole_input = false;  // the parse covers the whole block, not just its first lines
};

class LogEncoder final : public BlockEncoder {
 public:
  explicit LogEncoder(LogOptions options) : options_(std::move(options)) {}

  Status encode_block(ByteSpan input, EncodedBlock& out) const override {
    return encode(input, nullptr, out);
  }

  // A dictionary pays off only where blocks are small enough to relearn much (docs/log.md,
  // "Blocks and templates across blocks"); Logzip's method stays as published.
  std::size_t dictionary_sample_size(std::uint64_t block_size) const override {
    if (options_.mode == EncoderMode::kLogzip || !options_.dictionary ||
        block_size > kDictionaryMaxBlockSize) {
      return 0;
    }
    // Whole blocks: each block the sample covers is then a copy of a piece of it.
    if (block_size >= kDictionarySampleBytes) return static_cast<std::size_t>(block_size);
    return static_cast<std::size_t>(kDictionarySampleBytes / block_size * block_size);
  }

  // The dictionary: a version-1 payload of the sample, coded as any block.
  Expected<Bytes> build_dictionary(ByteSpan sample) const override {
    const ByteSpan lines = sample;
    if (lines.empty()) return Bytes{};
    EncodedBlock block;
    KOLMO_RETURN_IF_ERROR(encode(lines, nullptr, block));
    Bytes body = {kDictionaryVersion};
    append_varint(body, lines.size());
    body.insert(body.end(), block.payload.begin(), block.payload.end());
    return body;
  }

  Status encode_block_with_dictionary(ByteSpan input, ByteSpan dictionary, EncodedBlock& out,
                                      unsigned /*threads*/) const override {
    DecodeLimits limits;
    limits.memory_bytes = std::uint64_t{1} << 40;  // our own dictionary: no limit to apply
    KOLMO_ASSIGN_OR_RETURN(const std::shared_ptr<const LogDictionary> dict,
                           expand_log_dictionary(dictionary, limits));
    // A block the sample holds (the container cuts the sample at a multiple of the block size,
    // so each of the first blocks is one) is stored as its offset there: version 3.
    if (const auto at = find_in_sample(input, *dict)) {
      out.params = {kSampleCopyVersion, 0, 0, 0, 0, 0, 0, 0, 0};
      store_le64(&out.params[1], dict->hash);
      append_varint(out.params, *at);
      out.payload.clear();
      return ok_status();
    }
    return encode(input, dict.get(), out);
  }

  static std::optional<std::size_t> find_in_sample(ByteSpan input, const LogDictionary& dict) {
    if (input.empty() || input.size() > dict.text.size()) return std::nullopt;
    const auto it = std::search(dict.text.begin(), dict.text.end(),
                                std::boyer_moore_horspool_searcher(input.begin(), input.end()));
    if (it == dict.text.end()) return std::nullopt;
    return static_cast<std::size_t>(it - dict.text.begin());
  }

  // One block, alone (dict == nullptr: params version 1) or after the file's dictionary (version
  // 2: the params name it, the header is its header unless a format was given, and every
  // stream's backend starts from the dictionary's stream).
  Status encode(ByteSpan input, const LogDictionary* dict, EncodedBlock& out) const {
    out.params = {kPayloadVersion};
    if (dict != nullptr) {
      out.params = {kDictionaryPayloadVersion, 0, 0, 0, 0, 0, 0, 0, 0};
      store_le64(&out.params[1], dict->hash);
    }
    out.payload.clear();
    const bool logzip = options_.mode == EncoderMode::kLogzip;
    // Logzip: level 1 header columns as text, no templates; level 2 ICH templates and every
    // column split into sub-fields; level 3 sub-fields through one global dictionary.
    const TemplateMethod templates = !logzip                       ? TemplateMethod::kOnline
                                     : options_.logzip_level >= 2 ? TemplateMethod::kIch
                                                                  : TemplateMethod::kNone;
    const ColumnPolicy policy = !logzip                       ? ColumnPolicy::kAuto
                                : options_.logzip_level >= 3 ? ColumnPolicy::kSubGlobal
                                : options_.logzip_level == 2 ? ColumnPolicy::kSubText
                                                             : ColumnPolicy::kText;
    // One scratch for the header trials and the streams: their zstd context is made once.
    BackendScratch scratch;
    std::optional<Modelled> chosen;
    if (!options_.has_format && dict == nullptr) chosen = choose_header(input, templates, policy, scratch);
    const HeaderFormat header = options_.has_format ? options_.format
                                : dict != nullptr       ? dictionary_header(*dict)
                                                        : chosen->log.header;
    // A block no larger than the header sample was already modelled whole by the winning trial.
    if (!chosen || !chosen->whole_input) chosen = model(input, header, templates, policy);
    if (options_.mode == EncoderMode::kMax && options_.whole_line_trial) {
      return encode_max(input, *chosen, dict, policy, scratch, out.payload);
    }
    return write_payload(input, chosen->log, chosen->streams, dict, scratch, out.payload);
  }

  // log:max codes the block in up to four ways and keeps the smallest: as columns; with every
  // line whole in the raw stream, as a text model sees it (on the Loghub samples cm's contexts
  // across the fields of a line beat the columns on 14 of 16); whole lines again, but coded by
  // cm with each line's template as side information (docs/log.md, "log:max with template side
  // information"); and the hybrid: header fields as columns (where columns beat cm: timestamps
  // and pids as deltas), contents by cm with the side information (docs/log.md, "log:max: the
  // hybrid way"). All are coded on the block's first kMaxTrialBytes (all of a small block,
  // whose smallest payload is then kept), and only the winner on the rest. The decoder reads
  // each.
  enum class Way { kColumns, kWholeLines, kSideLines, kHybridLines };

  Status encode_max(ByteSpan input, const Modelled& columns, const LogDictionary* dict,
                    ColumnPolicy policy, BackendScratch& scratch, Bytes& payload) const {
    const ByteSpan sample = leading_lines(input, kMaxTrialBytes);
    std::vector<Way> ways = {Way::kColumns, Way::kWholeLines};
    if (options_.side_line_trial) {
      ways.push_back(Way::kSideLines);
      // Without header fields the hybrid's raw stream is the side way's (less the first
      // literal, if a format gave one): not worth a cm pass.
      if (columns.log.header.fields() > 0) ways.push_back(Way::kHybridLines);
    }
    if (options_.only_side_lines || options_.only_hybrid_lines) ways.clear();
    if (options_.only_side_lines) ways.push_back(Way::kSideLines);
    if (options_.only_hybrid_lines) ways.push_back(Way::kHybridLines);
    const bool whole_block = sample.size() == input.size();
    std::optional<Modelled> sample_columns;
    if (!whole_block) sample_columns = model(sample, columns.log.header, TemplateMethod::kOnline, policy);
    if (side_way_covers_whole_lines(whole_block ? columns.log : sample_columns->log)) {
      ways.erase(std::remove(ways.begin(), ways.end(), Way::kWholeLines), ways.end());
    }
    if (whole_block) return write_smallest(input, columns, ways, dict, policy, scratch, payload);
    Way best = Way::kColumns;
    std::size_t best_size = SIZE_MAX;
    for (const Way w : ways) {
      Bytes trial;
      KOLMO_RETURN_IF_ERROR(write_way(w, sample, *sample_columns, dict, policy, scratch, trial));
      if (trial.size() < best_size) {
        best_size = trial.size();
        best = w;
      }
    }
    return write_way(best, input, columns, dict, policy, scratch, payload);
  }

  // Speed (issue 6, round 7): plain whole lines beat the side-information way only by what the
  // side way pays for its line ids and templates, which is little unless the lines are spread
  // over many templates (on the 16 Loghub samples whole lines won on Mac only, 115 templates in
  // 2,000 lines, and came close on Android, 72; elsewhere, at most 43, the side way or the hybrid
  // was smaller by 0.2-9 %). So when the side way is tried and the trial's lines have fewer than
  // one template per kLinesPerTemplateForWholeLines lines, the whole-line cm pass is skipped.
  bool side_way_covers_whole_lines(const ParsedLog& trial) const {
    return options_.side_line_trial && !options_.only_side_lines && !options_.only_hybrid_lines &&
           trial.templates.size() * kLinesPerTemplateForWholeLines < trial.lines.size();
  }

  // Every way on the whole block; the smallest payload (the first of equals) is kept.
  Status write_smallest(ByteSpan input, const Modelled& columns, const std::vector<Way>& ways,
                        const LogDictionary* dict, ColumnPolicy policy, BackendScratch& scratch,
                        Bytes& payload) const {
    payload.clear();
    bool first = true;
    for (const Way w : ways) {
      Bytes trial;
      KOLMO_RETURN_IF_ERROR(write_way(w, input, columns, dict, policy, scratch, trial));
      if (first || trial.size() < payload.size()) payload = std::move(trial);
      first = false;
    }
    return ok_status();
  }

  // One way's payload of input; columns: its parse as columns (the side way reuses its header,
  // templates and line ids).
  Status write_way(Way w, ByteSpan input, const Modelled& columns, const LogDictionary* dict,
                   ColumnPolicy policy, BackendScratch& scratch, Bytes& payload) const {
    switch (w) {
      case Way::kColumns:
        return write_payload(input, columns.log, columns.streams, dict, scratch, payload);
      case Way::kWholeLines: {
        const Modelled whole = model(input, HeaderFormat{{""}}, TemplateMethod::kNone, policy);
        return write_payload(input, whole.log, whole.streams, dict, scratch, payload);
      }
      case Way::kSideLines:
        if (columns.log.lines.empty()) {  // no raw stream to code: the columns say it all
          return write_payload(input, columns.log, columns.streams, dict, scratch, payload);
        }
        return write_side_payload(input, columns.log, dict, scratch, payload);
      case Way::kHybridLines:
        if (columns.log.lines.empty()) {
          return write_payload(input, columns.log, columns.streams, dict, scratch, payload);
        }
        return write_side_payload(input, columns.log, dict, scratch, payload, policy);
    }
    return ok_status();
  }

  // The side-information way: every stream as in write_payload but the raw stream, which holds
  // every line and is coded by cm with the lines' side contexts. With a column policy: the
  // hybrid way (header columns, contents in the raw stream).
  Status write_side_payload(ByteSpan input, const ParsedLog& log, const LogDictionary* dict,
                            BackendScratch& scratch, Bytes& p,
                            std::optional<ColumnPolicy> hybrid = std::nullopt) const {
    const StreamSet streams = build_side_streams(log, hybrid);
    append_varint(p, log.lines.size());
    p.push_back(log.no_final_newline ? kFlagNoFinalNewline : 0);
    for (std::size_t k = 0; k < kStreamCount; ++k) {
      if (k == kRawStream) {
        const std::uint8_t backend = !hybrid                    ? kBackendCmSide
                                     : options_.round6_hybrid ? kBackendCmSideContent
                                                              : kBackendCmSideHeader;
        KOLMO_RETURN_IF_ERROR(append_side_stream(p, log, streams.s[k], options_.backends.cm_level, backend));
        continue;
      }
      const ByteSpan prime = dict != nullptr ? dict->prime(k) : ByteSpan{};
      KOLMO_RETURN_IF_ERROR(append_stream(
          p, streams.s[k], backends_for(k, streams.s[k].size(), input.size()), scratch, prime));
    }
    return ok_status();
  }

  // The block's payload: line count, flags, then every stream under its backends.
  Status write_payload(ByteSpan input, const ParsedLog& log, const StreamSet& streams,
                       const LogDictionary* dict, BackendScratch& scratch, Bytes& p) const {
    append_varint(p, log.lines.size());
    p.push_back(log.no_final_newline ? kFlagNoFinalNewline : 0);
    for (std::size_t k = 0; k < kStreamCount; ++k) {
      const ByteSpan prime = dict != nullptr ? dict->prime(k) : ByteSpan{};
      KOLMO_RETURN_IF_ERROR(append_stream(
          p, streams.s[k], backends_for(k, streams.s[k].size(), input.size()), scratch, prime));
    }
    return ok_status();
  }

  // The default mode adds cm at its fastest level on the raw stream (free text, where cm wins
  // most) when that stream is at most 1/16 of the block: cm codes ~1.3 MB/s, so this bounds its
  // cost whatever the input (a log of raw lines would otherwise run cm on all of it).
  BackendChoice backends_for(std::size_t stream, std::size_t stream_size, std::size_t block_size) const {
    BackendChoice c = options_.backends;
    if (options_.cm_on_small_raw_stream && !c.cm && stream == kRawStream &&
        stream_size <= block_size / kCmRawStreamShare) {
      c.cm = true;
      c.cm_level = 1;
    }
    return c;
  }

  static HeaderFormat dictionary_header(const LogDictionary& dict) {
    HeaderFormat h;
    for (const std::string_view lit : dict.sample.layout.literals) h.literals.emplace_back(lit);
    return h;
  }

  Modelled model(ByteSpan input, const HeaderFormat& header, TemplateMethod templates,
                 ColumnPolicy policy) const {
    Modelled m;
    m.log = parse_log(input, header, options_.merge_similarity16, templates);
    m.streams = build_streams(m.log, policy);
    return m;
  }

  // Tries each prefix of the detected header on the first lines of the block; returns the
  // winner's model (its header in log.header), which the caller reuses when it covers the block.
  Modelled choose_header(ByteSpan input, TemplateMethod templates, ColumnPolicy policy,
                         BackendScratch& scratch) const {
    const ByteSpan sample = leading_lines(input, kHeaderSampleBytes);
    const HeaderFormat longest = detect_header(sample);
    std::optional<Modelled> best;
    std::size_t best_size = SIZE_MAX;
    for (std::size_t h = longest.fields() + 1; h-- > 0;) {
      HeaderFormat candidate;
      candidate.literals.assign(longest.literals.begin(), longest.literals.begin() + static_cast<std::ptrdiff_t>(h + 1));
      Modelled trial = model(sample, candidate, templates, policy);
      const std::size_t size = quick_size(trial.streams, scratch);
      if (size < best_size) {
        best_size = size;
        best = std::move(trial);
      }
    }
    best->whole_input = sample.size() == input.size();
    return std::move(*best);
  }

  std::uint64_t preferred_block_size() const override { return std::uint64_t{8} << 20; }
  // One o2 model at a time (the largest backend state), plus the streams and the parse of a
  // block, which stay within a few times the block size.
  std::uint64_t working_memory() const override {
    const std::uint64_t model =
        options_.backends.o2 ? o2::model_memory_bytes(o2::params_for_level(options_.backends.o2_level)) : 0;
    // log:max's whole-line trials hold a second parse and stream set beside the columns', and
    // the side-information way one more stream set.
    const std::uint64_t parses = options_.mode == EncoderMode::kMax && options_.whole_line_trial ? 7 : 4;
    return model + cm_memory() + parses * preferred_block_size();
  }
  std::string spec() const override { return log_options_spec(options_); }
  // cm's own estimate for its level (one cm model at a time, freed after each stream).
  std::uint64_t cm_memory() const {
    if (!options_.backends.cm && !options_.cm_on_small_raw_stream) return 0;
    const int level = options_.backends.cm ? options_.backends.cm_level : 1;
    auto cm = make_cm_encoder(std::to_string(level), 0);
    return cm.ok() ? (*cm)->working_memory() : 0;
  }

 private:
  LogOptions options_;
};

}  // namespace

Expected<std::unique_ptr<BlockEncoder>> make_log_encoder(std::string_view options, int level) {
  KOLMO_ASSIGN_OR_RETURN(LogOptions o, parse_log_options(options, level));
  return std::unique_ptr<BlockEncoder>(std::make_unique<LogEncoder>(std::move(o)));
}

}  // namespace kolmo
