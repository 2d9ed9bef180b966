// The `log` codec's payload layout, shared by its encoder and decoder (docs/log.md has the full
// description). A block is cut into lines; each line is either raw, or a header (fields between
// fixed literals) followed by a content that is raw or an instance of a mined template. Field and
// template-slot values live in columns; every column picks a representation (text, dictionary,
// or shape + numbers); the columns' bytes go to a few typed streams, each compressed by the
// backend that made it smallest.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kolmo::logc {

constexpr std::uint8_t kPayloadVersion = 1;

// Streams, in payload order.
enum Stream : std::uint8_t {
  kMetaStream = 0,      // header literals, templates, column descriptions
  kIdStream = 1,        // per line: line kind / template id (1 or 2 bytes)
  kEolStream = 2,       // per line: 0 = "\n", 1 = "\r\n"; empty: all "\n"; 1 byte: all that kind
  kTextStream = 3,      // text-column values, dictionary entries, shapes ('\n'-terminated)
  kNumberStream = 4,    // numbers of shape columns (varints, raw or zig-zag deltas)
  kIndexStream = 5,     // dictionary and shape indices (varints)
  kRawStream = 6,       // raw lines and raw contents ('\n'-terminated)
  kTemplateStream = 7,  // the constant tokens of the templates (their lengths are in meta)
  // The header columns' own text, number and index streams (same layout as 3, 4 and 5): header
  // fields and template parameters have different statistics, so each set gets its own backend.
  kHeaderTextStream = 8,
  kHeaderNumberStream = 9,
  kHeaderIndexStream = 10,
  kStreamCount = 11,
};

// How one stream's bytes are stored.
enum Backend : std::uint8_t {
  kBackendStore = 0,
  kBackendZstd = 1,
  kBackendLzma = 2,  // raw LZMA2; the first 2 bytes are dict log2 and lc + 5 lp + 25 pb
  kBackendO2 = 3,    // the first byte is the o2 params length, then the params
  kBackendCm = 4,    // the first byte is the cm params length, then the params (log:max)
  kBackendCount = 5,
};
// The raw stream only: every line of the block whole, coded by cm with per-byte contexts from
// the line's id, the header literals and the template tokens (log_side_contexts.h), which the
// decoder reads first; [params length u8][cm params][cm payload]. The block then has no columns.
// Outside kBackendCount so that any other stream refuses it.
constexpr std::uint8_t kBackendCmSide = 5;
// The raw stream only, the hybrid of columns and side information: header fields are columns
// as usual; the raw stream holds every line's content (a raw line whole), coded by cm with the
// contexts of log_side_contexts.h over contents only (as if the header had no fields).
constexpr std::uint8_t kBackendCmSideContent = 6;
// As kBackendCmSideContent (round 7), with one more context from each line's header values
// (header_line_keys in log_side_contexts.h: the decoder has the header columns first).
constexpr std::uint8_t kBackendCmSideHeader = 7;

// The text, number and index streams of header columns (true) or template columns (false).
inline Stream text_stream(bool header) { return header ? kHeaderTextStream : kTextStream; }
inline Stream number_stream(bool header) { return header ? kHeaderNumberStream : kNumberStream; }
inline Stream index_stream(bool header) { return header ? kHeaderIndexStream : kIndexStream; }

// Per-line id: 0 raw line, 1 header + raw content, 2 + k template k.
constexpr std::uint32_t kIdRawLine = 0;
constexpr std::uint32_t kIdRawContent = 1;
constexpr std::uint32_t kFirstTemplateId = 2;
constexpr std::uint32_t kMaxTemplates = 65536 - kFirstTemplateId;

// Column representations.
enum ColumnMode : std::uint8_t {
  kColumnText = 0,     // each value '\n'-terminated in the text stream
  kColumnDict = 1,     // distinct values in the text stream, an index per value
  kColumnNumeric = 2,  // a dictionary of shapes (digit runs replaced by markers) + numbers
  // Logzip: a dictionary of delimiter skeletons (each alphanumeric run replaced by kShapeMarker)
  // and one sub-column per alphanumeric run position, each text or global-dictionary coded.
  kColumnSubfields = 3,
  // Logzip level 3: each value is an index into the block's global dictionary, whose entries
  // appear in first-use order (index == current size: a new entry, its text in the text stream).
  kColumnGlobalDict = 4,
  kColumnModeCount = 5,
};

// Sub-column representations of a kColumnSubfields column.
enum SubfieldMode : std::uint8_t { kSubfieldText = 0, kSubfieldGlobal = 1 };

// Format maxima (checked by the decoder before allocating).
constexpr std::size_t kMaxHeaderFields = 32;
constexpr std::size_t kMaxLiteralBytes = 256;
constexpr std::size_t kMaxTemplateTokens = 256;
constexpr std::size_t kMaxTokenBytes = 4096;
constexpr std::size_t kMaxDigitRun = 18;        // a run of at most 18 digits fits in 64 bits
constexpr std::size_t kMaxRunsPerValue = 32;    // sub-columns of a numeric column
constexpr std::size_t kMaxSubfields = 64;       // sub-columns of a sub-field column

// In a shape, a digit run of length L (1..18) is kShapeMarker followed by kShapeLengthBase + L.
// Values holding bytes below kShapeSafeByte never use the numeric representation.
constexpr std::uint8_t kShapeMarker = 0x01;
constexpr std::uint8_t kShapeLengthBase = 0x40;
constexpr std::uint8_t kShapeSafeByte = 0x03;

// Payload flags.
constexpr std::uint8_t kFlagNoFinalNewline = 1;

inline bool is_digit(std::uint8_t c) { return c >= '0' && c <= '9'; }
// Logzip's sub-field split: values are cut at runs of bytes that are not [A-Za-z0-9].
inline bool is_alnum(std::uint8_t c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace kolmo::logc
