#include "codecs/log/log_decode.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "codecs/cm/cm_decode.h"
#include "codecs/log/log_backend.h"
#include "codecs/log/log_column_decode.h"
#include "codecs/log/log_decoded_block.h"
#include "codecs/log/log_dictionary.h"
#include "codecs/log/log_format.h"
#include "codecs/log/log_side_contexts.h"

namespace kolmo {
namespace {

using namespace logc;

std::string_view read_string(ByteReader& r, std::size_t max, std::string_view what) {
  const std::uint64_t n = r.varint_at_most(max, what);
  const ByteSpan b = r.bytes(static_cast<std::size_t>(n));
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

Status read_templates(ByteReader& meta, ByteReader& text, std::size_t max_templates, Layout& layout) {
  const std::uint64_t n = meta.varint_at_most(max_templates, "log template count");
  KOLMO_RETURN_IF_ERROR(meta.status());
  layout.templates.resize(static_cast<std::size_t>(n));
  for (DecodedTemplate& t : layout.templates) {
    const std::uint64_t tokens = meta.varint_at_most(kMaxTemplateTokens, "log template length");
    if (tokens == 0) meta.fail(StatusCode::kCorruptData, "log: empty template");
    KOLMO_RETURN_IF_ERROR(meta.status());
    for (std::uint64_t k = 0; k < tokens; ++k) {
      const std::uint64_t code = meta.varint_at_most(kMaxTokenBytes + 1, "log token length");
      KOLMO_RETURN_IF_ERROR(meta.status());
      const ByteSpan b = text.bytes(code == 0 ? 0 : static_cast<std::size_t>(code - 1));
      KOLMO_RETURN_IF_ERROR(text.status());
      t.tokens.emplace_back(reinterpret_cast<const char*>(b.data()), b.size());
      t.wild.push_back(code == 0 ? 1 : 0);
    }
  }
  return ok_status();
}

Status read_ids(ByteSpan stream, std::size_t lines, std::size_t width, Layout& layout) {
  if (stream.size() != lines * width) return corrupt_data("log: id stream size mismatch");
  layout.ids.resize(lines);
  const std::size_t limit = kFirstTemplateId + layout.templates.size();
  for (std::size_t i = 0; i < lines; ++i) {
    const std::uint32_t id = width == 1 ? stream[i] : load_le16(&stream[2 * i]);
    if (id >= limit) return corrupt_data("log: line refers to an unknown template");
    layout.ids[i] = id;
    if (id >= kFirstTemplateId) ++layout.templates[id - kFirstTemplateId].lines;
  }
  return ok_status();
}

class OutputWriter {
 public:
  explicit OutputWriter(MutableByteSpan out) : out_(out) {}
  bool put(std::string_view s) {
    if (s.size() > out_.size() - pos_) return false;
    std::copy(s.begin(), s.end(), out_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ += s.size();
    return true;
  }
  bool full() const { return pos_ == out_.size(); }

 private:
  MutableByteSpan out_;
  std::size_t pos_ = 0;
};

Status rebuild(const Layout& layout, std::vector<DecodedColumn>& columns, const std::string& arena,
               ByteSpan eol, ByteSpan raw, bool no_final_newline, MutableByteSpan output) {
  OutputWriter out(output);
  RawCursor raws{raw};
  const std::size_t fields = layout.literals.size() - 1;
  const std::size_t n = layout.ids.size();
  bool fits = true;
  for (std::size_t i = 0; i < n && fits; ++i) {
    const std::uint32_t id = layout.ids[i];
    if (id == kIdRawLine) {
      KOLMO_ASSIGN_OR_RETURN(std::string_view line, raws.next());
      fits = out.put(line);
    } else {
      fits = out.put(layout.literals[0]);
      for (std::size_t f = 0; f < fields && fits; ++f) {
        fits = out.put(take_value(arena, columns[f])) && out.put(layout.literals[f + 1]);
      }
      if (id == kIdRawContent) {
        KOLMO_ASSIGN_OR_RETURN(std::string_view content, raws.next());
        fits = fits && out.put(content);
      } else {
        const DecodedTemplate& t = layout.templates[id - kFirstTemplateId];
        std::size_t slot = 0;
        for (std::size_t k = 0; k < t.tokens.size() && fits; ++k) {
          if (k > 0) fits = out.put(" ");
          fits = fits && out.put(t.wild[k] ? take_value(arena, columns[t.columns[slot++]]) : t.tokens[k]);
        }
      }
    }
    // Empty: every line ends in "\n"; one byte: every line has that terminator kind.
    const std::uint8_t kind = eol.empty() ? 0 : eol.size() == 1 ? eol[0] : eol[i];
    if (kind > 1) return corrupt_data("log: bad line terminator kind");
    if (i + 1 == n && no_final_newline) {
      // (a uniform kind does not apply to an unterminated last line)
      if (eol.size() > 1 && kind != 0) return corrupt_data("log: unterminated last line has a terminator kind");
      continue;
    }
    fits = fits && out.put(kind == 1 ? "\r\n" : "\n");
  }
  if (!fits || !out.full()) return corrupt_data("log: lines do not fill the block exactly");
  if (raws.pos != raw.size()) return corrupt_data("log: raw stream has unused bytes");
  return ok_status();
}

// The raw stream of a side-information block (kBackendCmSide), read before the streams it
// depends on and decoded after them.
struct SideRecord {
  bool present = false;
  bool contents_only = false;  // kBackendCmSideContent or kBackendCmSideHeader: the hybrid way
  bool header_keys = false;    // kBackendCmSideHeader: the header keys are contexts too
  std::uint64_t raw_size = 0;
  ByteSpan stored;
};

Status read_side_record(ByteReader& in, std::uint64_t raw_size_limit, SideRecord& side) {
  const std::uint8_t backend = in.u8();
  side.contents_only = backend == kBackendCmSideContent || backend == kBackendCmSideHeader;
  side.header_keys = backend == kBackendCmSideHeader;
  side.raw_size = in.varint_at_most(raw_size_limit, "log stream size");
  const std::uint64_t stored_size = in.varint_at_most(in.remaining(), "log stored stream size");
  side.stored = in.bytes(static_cast<std::size_t>(stored_size));
  KOLMO_RETURN_IF_ERROR(in.status());
  if (side.raw_size == 0) return corrupt_data("log: empty side-information stream");
  if (side.stored.empty() || side.stored[0] + std::size_t{1} > side.stored.size()) {
    return corrupt_data("log: side-information stream without its cm parameters");
  }
  side.present = true;
  return ok_status();
}

// The header columns' values per field, in line order (the hybrid's header keys).
std::vector<std::vector<std::string_view>> header_values(const DecodedBlock& block) {
  std::vector<std::vector<std::string_view>> values(block.columns.size());
  const std::string_view arena = block.arena;
  for (std::size_t f = 0; f < values.size(); ++f) {
    const DecodedColumn& c = block.columns[f];
    std::uint32_t begin = c.begin;
    for (const std::uint32_t end : c.ends) {
      values[f].push_back(arena.substr(begin, end - begin));
      begin = end;
    }
  }
  return values;
}

// Every line whole in the raw stream, decoded by cm with the side contexts of the block's
// layout (header literals, templates, line ids), which then no longer apply: the lines are
// rebuilt as raw lines. The block has no columns. A hybrid block (contents_only): the header
// columns are already decoded, the raw stream holds contents (raw lines whole) decoded as lines
// of no header field, and the lines are rebuilt as header + raw content.
Status decode_side_lines(const SideRecord& side, ByteReader& meta, DecodedBlock& block,
                         const DecodeLimits& limits) {
  if (!meta.at_end()) return corrupt_data("log: side-information block has column descriptions");
  for (const Stream k : {kTextStream, kNumberStream, kIndexStream, kHeaderTextStream,
                         kHeaderNumberStream, kHeaderIndexStream}) {
    if (side.contents_only && k >= kHeaderTextStream) continue;  // the hybrid's header columns
    if (!block.streams[k].empty()) return corrupt_data("log: side-information block has column streams");
  }
  Layout& layout = block.layout;
  std::vector<SideTemplate> templates;
  templates.reserve(layout.templates.size());
  for (const DecodedTemplate& t : layout.templates) templates.push_back({t.wild});
  Bytes& raw = block.streams[kRawStream];
  raw.assign(static_cast<std::size_t>(side.raw_size), 0);
  const std::string_view no_header[] = {std::string_view{}};
  std::span<const std::string_view> literals = layout.literals;
  if (side.contents_only) literals = no_header;
  std::vector<std::uint64_t> keys;
  if (side.header_keys) keys = header_line_keys(layout.ids, header_values(block));
  LineSideContexts contexts(literals, std::move(templates), layout.ids, raw.data(), keys);
  const ByteSpan params = side.stored.subspan(1, side.stored[0]);
  const ByteSpan payload = side.stored.subspan(1 + side.stored[0]);
  KOLMO_RETURN_IF_ERROR(decode_cm_side_block(params, payload, raw, limits, contexts));
  for (std::uint32_t& id : layout.ids) {
    id = side.contents_only && id != kIdRawLine ? kIdRawContent : kIdRawLine;
  }
  layout.templates.clear();
  return ok_status();
}

}  // namespace

namespace logc {

Status read_log_block(ByteSpan params, ByteSpan payload, std::size_t output_size,
                      const DecodeLimits& limits, DecodedBlock& block) {
  // Version 1: one byte, the block alone. Version 2: the block's streams start from the file's
  // dictionary, which the params name by XXH64 (log_dictionary.h).
  std::shared_ptr<const LogDictionary> dictionary;
  if (params.empty()) return corrupt_data("log: bad block parameters");
  if (params[0] == kSampleCopyVersion) {
    return corrupt_data("log: a sample copy has no streams");  // decode_log_block copies it
  } else if (params[0] == kDictionaryPayloadVersion) {
    if (params.size() != kDictionaryParamsSize) return corrupt_data("log: bad block parameters");
    KOLMO_ASSIGN_OR_RETURN(dictionary, dictionary_for_params(params, limits));
  } else if (params[0] != kPayloadVersion) {
    return unsupported("log: unknown payload version");
  } else if (params.size() != 1) {
    return corrupt_data("log: bad block parameters");
  }
  ByteReader in(payload);
  const std::uint64_t lines = in.varint_at_most(output_size, "log line count");
  const std::uint8_t flags = in.u8();
  KOLMO_RETURN_IF_ERROR(in.status());
  if (flags > kFlagNoFinalNewline) return corrupt_data("log: unknown flags");
  // Every stream is bounded by what the block's bytes could need (numbers take at most 10
  // varint bytes per digit), and all of them together by the memory limit.
  const std::uint64_t stream_limit = 16 * std::uint64_t{output_size} + 4096;
  std::uint64_t used = output_size + (dictionary ? dictionary->memory_bytes() : 0);
  if (used > limits.memory_bytes) return limit_exceeded("log: the dictionary exceeds the memory limit");
  Bytes (&streams)[kStreamCount] = block.streams;
  SideRecord side;
  for (std::size_t k = 0; k < kStreamCount; ++k) {
    Bytes& s = streams[k];
    if (k == kRawStream && in.remaining() > 0 &&
        (payload[in.position()] == kBackendCmSide || payload[in.position()] == kBackendCmSideContent ||
         payload[in.position()] == kBackendCmSideHeader)) {
      KOLMO_RETURN_IF_ERROR(read_side_record(in, stream_limit, side));
      used += side.raw_size;
      if (used > limits.memory_bytes) return limit_exceeded("log: streams exceed the memory limit");
      continue;
    }
    const ByteSpan prime = dictionary ? dictionary->prime(k) : ByteSpan{};
    KOLMO_ASSIGN_OR_RETURN(s, read_stream(in, stream_limit, limits, prime));
    used += s.size();
    if (used > limits.memory_bytes) return limit_exceeded("log: streams exceed the memory limit");
  }
  if (!in.at_end()) return corrupt_data("log: payload has trailing bytes");

  Layout& layout = block.layout;
  ByteReader meta(streams[kMetaStream]);
  const std::uint64_t fields = meta.varint_at_most(kMaxHeaderFields, "log header field count");
  for (std::uint64_t i = 0; i <= fields && meta.ok(); ++i) {
    layout.literals.push_back(read_string(meta, kMaxLiteralBytes, "log literal length"));
    if (i > 0 && layout.literals.back().empty()) meta.fail(StatusCode::kCorruptData, "log: empty header literal");
  }
  const std::uint8_t width = meta.u8();
  KOLMO_RETURN_IF_ERROR(meta.status());
  if (width != 1 && width != 2) return corrupt_data("log: bad id width");
  ByteReader template_text(streams[kTemplateStream]);
  KOLMO_RETURN_IF_ERROR(read_templates(meta, template_text, lines, layout));
  if (!template_text.at_end()) return corrupt_data("log: template stream has unused bytes");
  KOLMO_RETURN_IF_ERROR(read_ids(streams[kIdStream], static_cast<std::size_t>(lines), width, layout));
  if (streams[kEolStream].size() > 1 && streams[kEolStream].size() != lines) {
    return corrupt_data("log: terminator stream size mismatch");
  }
  if (side.present) {
    used += LineSideContexts::memory_bytes(layout.templates.size());
    // The header keys: one per line, and a view of every header value while they are made.
    if (side.header_keys) used += 8 * lines + 16 * lines * fields;
    if (used > limits.memory_bytes) return limit_exceeded("log: side contexts exceed the memory limit");
  }
  if (side.present && !side.contents_only) {
    KOLMO_RETURN_IF_ERROR(decode_side_lines(side, meta, block, limits));
    block.no_final_newline = (flags & kFlagNoFinalNewline) != 0;
    return ok_status();
  }

  // Columns: header fields over lines with a header, then template slots. Each value but one
  // per line is followed by at least one output byte, which bounds their number.
  std::size_t header_lines = 0;
  for (const std::uint32_t id : layout.ids) header_lines += id != kIdRawLine ? 1 : 0;
  std::uint64_t values = header_lines * fields;
  std::span<const DecodedTemplate> template_columns = layout.templates;
  if (side.present) template_columns = {};  // a hybrid block: header columns only
  for (const DecodedTemplate& t : template_columns) {
    std::size_t wild = 0;
    for (const auto w : t.wild) wild += w;
    values += std::uint64_t{t.lines} * wild;
  }
  if (values > 2 * std::uint64_t{output_size} + 2) return corrupt_data("log: more values than the block can hold");
  if (used + values * 8 > limits.memory_bytes) return limit_exceeded("log: columns exceed the memory limit");
  ByteReader header_numbers(streams[kHeaderNumberStream]);
  ByteReader header_indices(streams[kHeaderIndexStream]);
  ColumnSources src{&meta, streams[kHeaderTextStream], 0, &header_numbers, &header_indices, {}, output_size, {}};
  std::vector<DecodedColumn>& columns = block.columns;
  columns.resize(static_cast<std::size_t>(fields));
  for (DecodedColumn& c : columns) KOLMO_RETURN_IF_ERROR(read_column(src, header_lines, c));
  if (src.text_pos != src.text.size() || !header_numbers.at_end() || !header_indices.at_end()) {
    return corrupt_data("log: header streams hold bytes no column used");
  }
  if (side.present) {  // the hybrid way: contents by cm, no template columns
    block.arena = std::move(src.arena);
    KOLMO_RETURN_IF_ERROR(decode_side_lines(side, meta, block, limits));
    block.no_final_newline = (flags & kFlagNoFinalNewline) != 0;
    return ok_status();
  }
  ByteReader numbers(streams[kNumberStream]);
  ByteReader indices(streams[kIndexStream]);
  src.text = streams[kTextStream];
  src.text_pos = 0;
  src.numbers = &numbers;
  src.indices = &indices;
  for (DecodedTemplate& t : layout.templates) {
    for (const auto w : t.wild) {
      if (!w) continue;
      t.columns.push_back(static_cast<std::uint32_t>(columns.size()));
      columns.emplace_back();
      KOLMO_RETURN_IF_ERROR(read_column(src, t.lines, columns.back()));
    }
  }
  if (!meta.at_end() || src.text_pos != src.text.size() || !numbers.at_end() || !indices.at_end()) {
    return corrupt_data("log: streams hold bytes no column used");
  }
  block.arena = std::move(src.arena);
  block.no_final_newline = (flags & kFlagNoFinalNewline) != 0;
  return ok_status();
}

}  // namespace logc

Status decode_log_block(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                        const DecodeLimits& limits) {
  if (!params.empty() && params[0] == kSampleCopyVersion) {
    KOLMO_ASSIGN_OR_RETURN(const std::shared_ptr<const LogDictionary> dict,
                           dictionary_for_params(params, limits));
    KOLMO_ASSIGN_OR_RETURN(const ByteSpan copy, sample_copy(params, payload, output.size(), *dict));
    std::copy(copy.begin(), copy.end(), output.begin());
    return ok_status();
  }
  DecodedBlock block;
  KOLMO_RETURN_IF_ERROR(read_log_block(params, payload, output.size(), limits, block));
  return rebuild(block.layout, block.columns, block.arena, block.streams[kEolStream],
                 block.streams[kRawStream], block.no_final_newline, output);
}

}  // namespace kolmo
