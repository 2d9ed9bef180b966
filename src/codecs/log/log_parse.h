// The encoder's view of a block: lines, their header fields, and their contents matched to
// templates mined online (masking digit-bearing tokens, then Drain-style merging of groups of the
// same length and first token). Everything refers into the input; nothing is copied.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "codecs/log/log_options.h"
#include "kolmo/bytes.h"

namespace kolmo::logc {

struct Template {
  std::vector<std::string_view> tokens;  // constant tokens (ignored where wild)
  std::vector<std::uint8_t> wild;        // 1 where the token is a parameter
  std::uint32_t lines = 0;
};

struct ParsedLog {
  HeaderFormat header;
  bool no_final_newline = false;
  std::vector<std::string_view> lines;    // without their terminator
  std::vector<std::uint8_t> eol;          // 0 "\n", 1 "\r\n"
  std::vector<std::uint32_t> ids;         // kIdRawLine, kIdRawContent or kFirstTemplateId + t
  std::vector<std::uint32_t> field_begin; // per line: first of its H fields in `fields`
  std::vector<std::string_view> fields;
  std::vector<std::string_view> contents; // per line (empty for raw lines)
  std::vector<std::uint32_t> token_begin; // per line: first of its tokens in `tokens`
  std::vector<std::string_view> tokens;
  std::vector<Template> templates;
};

// How templates are mined: none (Logzip level 1), kolmo's online merge, or Logzip's iterative
// clustering hierarchy (ICH: cluster a sample, extract templates, match every line, repeat on
// the lines left unmatched).
enum class TemplateMethod { kNone, kOnline, kIch };

// Header fields per `header`, templates per `method`.
ParsedLog parse_log(ByteSpan input, const HeaderFormat& header, int merge_similarity16,
                    TemplateMethod method);

// The longest plausible header (fields cut at one separator), from a sample of the lines. The
// encoder then tries its prefixes and keeps the one that compresses best.
HeaderFormat detect_header(ByteSpan input);

// The first lines of input, at most max_bytes (whole lines, unless the first is longer).
ByteSpan leading_lines(ByteSpan input, std::size_t max_bytes);

}  // namespace kolmo::logc
