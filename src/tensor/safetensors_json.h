// A strict parser for the one JSON shape a safetensors header may have, and the JSON string
// escaping its writer uses. Hand-written rather than a general JSON library because the header is
// flat and fixed, and strictness matters more than generality: duplicate keys, unknown fields,
// negative or fractional numbers, invalid UTF-8 and trailing bytes are all rejected here, which a
// general parser would silently accept or resolve.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kolmo/status.h"

namespace kolmo::tensor {

// A tensor entry as written, before any checks against dtypes and the data section.
struct RawTensorEntry {
  std::string name;
  std::string dtype;
  std::vector<std::uint64_t> shape;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

struct RawHeader {
  std::vector<RawTensorEntry> tensors;  // in JSON order
  std::vector<std::pair<std::string, std::string>> metadata;
  bool has_metadata = false;
  std::size_t json_size = 0;  // bytes up to and including the closing '}'
};

// Parses `text`: one JSON object, then only spaces up to the end.
Expected<RawHeader> parse_header_json(std::string_view text);

bool is_valid_utf8(std::string_view s);

// Appends s as a JSON string literal the way serde_json (the reference writer) does: escapes
// '"', '\\', and control characters (\b \f \n \r \t, else \u00xx); everything else verbatim.
void append_json_string(std::string& out, std::string_view s);

// A short, printable rendering of a tensor name for error messages (names can be huge or hold
// control bytes).
std::string quote_name(std::string_view name);

}  // namespace kolmo::tensor
