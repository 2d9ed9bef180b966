// Options of the log encoder, parsed from the spec text after "log:".
//   log                      default: kolmo's own model, every backend tried per stream
//   log:fast                 the same streams, zstd only (speed first)
//   log:max                  the default's backends plus cm (ratio first; also levels 7-9)
//   log:max,cm=N             cm at level N (1..9, default 5)
//   log:max,columns          columns only (log:max also tries every line whole, plain and with the
//                            template as cm side information, and keeps the smallest)
//   log:max,noside           columns and plain whole lines only (no side-information trial)
//   log:max,side             only the side-information way (tests and measurements)
//   log:max,hybrid           only the hybrid way: header columns, contents by cm with side
//                            information and the header keys (tests and measurements)
//   log:max,hybrid6          only round 6's hybrid (no header keys; tests of old files)
//   log:logzip[=1|2|3]       the Logzip method (IR level 1, 2 or 3, default 3), lzma backend
//   ...,nodict               no dictionary frame, even for files of small blocks
//   ...,format=<A> <B>: <Content>   a Loghub-style header format (must come last: it may hold ',')
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "codecs/log/log_backend_encode.h"
#include "kolmo/status.h"

namespace kolmo::logc {

enum class EncoderMode { kDefault, kFast, kMax, kLogzip };

// The header of a line: literal[0] field literal[1] field ... field literal[H] content.
struct HeaderFormat {
  std::vector<std::string> literals;  // H + 1 entries; literals[1..H] are not empty
  std::size_t fields() const { return literals.empty() ? 0 : literals.size() - 1; }
};

struct LogOptions {
  EncoderMode mode = EncoderMode::kDefault;
  int logzip_level = 3;
  bool has_format = false;
  HeaderFormat format;       // used when has_format
  std::string format_text;   // as given, for spec()
  BackendChoice backends;
  // log:max also codes the block with every line whole in the raw stream and keeps the smaller.
  bool whole_line_trial = true;
  // ... and every line whole coded by cm with the line's template as side information
  // (log_side_contexts.h); off with "noside", and with "columns".
  bool side_line_trial = true;
  bool only_side_lines = false;  // "side": that way alone (needs whole_line_trial)
  // ... and header fields as columns with every content coded by cm with side information
  // (the hybrid way); "noside" also turns it off, "hybrid" keeps it alone.
  bool only_hybrid_lines = false;
  // "hybrid6": the hybrid as round 6 wrote it (kBackendCmSideContent, no header keys).
  bool round6_hybrid = false;
  // Default mode: cm level 1 is also tried on the raw stream when it is small (log_encode.cc).
  bool cm_on_small_raw_stream = false;
  // Files of small blocks get a shared dictionary frame (log_dictionary.h); "nodict" turns it off.
  bool dictionary = true;
  // Drain-style merging: join a template group when at least this share (in 1/16) of tokens agree.
  int merge_similarity16 = 12;
};

// kInvalidArgument naming the problem for unknown options or a malformed format.
Expected<LogOptions> parse_log_options(std::string_view options, int level);
std::string log_options_spec(const LogOptions& o);

// "<Date> <Time> [<Pid>]: <Content>" -> literals "", " ", " [", "]: ". Backslashes escape the
// next character (Loghub writes "\[").
Expected<HeaderFormat> parse_header_format(std::string_view text);

}  // namespace kolmo::logc
