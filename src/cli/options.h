// The command line of `kolmo` (zstd/xz conventions), parsed with CLI11 into Options.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kolmo/container.h"
#include "kolmo/status.h"

namespace kolmo::cli {

enum class Mode { kCompress, kDecompress, kTest, kList };

// The name that stands for stdin (as an input) and stdout (as -o).
inline constexpr std::string_view kStdioName = "-";
inline constexpr std::string_view kSuffix = ".kmo";

struct Options {
  Mode mode = Mode::kCompress;
  std::vector<std::string> inputs;  // never empty after parsing: no FILE means {"-"}
  std::string output;               // -o; empty = derived from the input name
  bool to_stdout = false;           // -c (also set by "-o -")
  bool force = false;
  bool remove_input = false;        // --rm
  bool quiet = false;
  bool verbose = false;
  unsigned threads = 1;
  std::string codec_spec;  // empty = chosen from the input (default_codec_for)
  int level = 0;           // 0 = the codec's default
  std::uint64_t block_size = 0;
  std::uint64_t memory_limit = kDefaultMemoryLimit;
  bool show_version = false;
  bool list_codecs = false;
};

// Either options to run, or the exit status to return right away (after --help, or after a
// usage error that was already reported on stderr).
struct ParsedCommandLine {
  std::optional<Options> options;
  int exit_status = 0;
};

ParsedCommandLine parse_command_line(int argc, char** argv);

// "64K", "1M", "2G", "4096", "1MiB": binary multiples, as zstd and xz read them.
Expected<std::uint64_t> parse_size(std::string_view text);

// Threads when -T is not given. Output is identical for any count, so this only trades CPU for
// time: we take the cores, but at most 4, to stay polite on shared machines (-T0 = all cores).
unsigned default_thread_count();

}  // namespace kolmo::cli
