#include "cli/options.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <thread>

namespace kolmo::cli {
namespace {

constexpr unsigned kMaxThreads = 1024;

unsigned all_cores() { return std::max(1u, std::thread::hardware_concurrency()); }

bool is_level_flag(std::string_view arg) {
  return arg.size() >= 2 && arg[0] == '-' &&
         std::all_of(arg.begin() + 1, arg.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool takes_value(std::string_view arg) {
  static constexpr std::string_view kValued[] = {"-o", "--output", "-T", "--threads", "--codec",
                                                 "--block-size", "--memory", "--level"};
  return std::find(std::begin(kValued), std::end(kValued), arg) != std::end(kValued);
}

// CLI11 has no notion of "-1".."-9" as flags, so they become "--level N" before parsing. A value
// of an option (`-o -5`) and everything after "--" are file names and stay as they are.
std::vector<std::string> rewrite_level_flags(int argc, char** argv) {
  std::vector<std::string> out;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool is_value = i > 1 && takes_value(argv[i - 1]);
    if (arg == "--") options_done = true;
    if (!options_done && !is_value && is_level_flag(arg)) {
      out.emplace_back("--level");
      out.emplace_back(arg.substr(1));
    } else {
      out.emplace_back(arg);
    }
  }
  return out;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "kolmo: %s\nTry 'kolmo --help' for more information.\n", message.c_str());
  return 1;
}

// Checks that need several options together; returns an error message or "".
std::string check_combinations(const Options& o, int modes) {
  if (modes > 1) return "choose one of -z, -d, -t and -l";
  if (o.level < 0 || o.level > 9) {
    return "bad level " + std::to_string(o.level) + " (use -1 .. -9)";
  }
  if (!o.output.empty() && o.inputs.size() > 1) return "-o needs exactly one input file";
  if (!o.output.empty() && o.to_stdout) return "-o and -c cannot be combined";
  const bool writes = o.mode == Mode::kCompress || o.mode == Mode::kDecompress;
  if (!writes && (o.to_stdout || !o.output.empty())) {
    return std::string(o.mode == Mode::kTest ? "--test" : "--list") + " writes no output file";
  }
  if (!writes && o.remove_input) return "--rm only applies to -z and -d";
  if (o.remove_input && o.to_stdout) {
    return "--rm cannot be combined with -c (output on stdout cannot be verified)";
  }
  if (o.threads > kMaxThreads) return "too many threads (at most " + std::to_string(kMaxThreads) + ")";
  return "";
}

}  // namespace

unsigned default_thread_count() { return std::min(all_cores(), 4u); }

Expected<std::uint64_t> parse_size(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) {
    return invalid_argument("bad size '" + std::string(text) + "' (examples: 65536, 64K, 1M)");
  }
  std::string suffix(end, text.data() + text.size());
  std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  int shift = 0;
  if (suffix.empty() || suffix == "B") {
    shift = 0;
  } else if (suffix == "K" || suffix == "KB" || suffix == "KIB") {
    shift = 10;
  } else if (suffix == "M" || suffix == "MB" || suffix == "MIB") {
    shift = 20;
  } else if (suffix == "G" || suffix == "GB" || suffix == "GIB") {
    shift = 30;
  } else {
    return invalid_argument("bad size suffix in '" + std::string(text) + "' (use K, M or G)");
  }
  if (shift > 0 && value > (~std::uint64_t{0} >> shift)) {
    return invalid_argument("size '" + std::string(text) + "' is too large");
  }
  return value << shift;
}

ParsedCommandLine parse_command_line(int argc, char** argv) {
  Options o;
  bool decompress = false, test = false, list = false, compress = false, keep = false;
  unsigned threads = default_thread_count();
  std::string block_size_text, memory_text;

  CLI::App app{"kolmo: compress and decompress .kmo files\n"
               "  kolmo [OPTIONS] [FILE...]   no FILE or '-': stdin to stdout\n"
               "  kolmo bench ...             the benchmark harness (kolmo bench --help)\n"
               "  kolmo grep PATTERN FILE.kmo print the lines containing PATTERN (kolmo grep --help)\n"
               "  kolmo llm ...               run a language model, measure KV methods (kolmo llm --help)\n"
               "  kolmo codecs                same as --list-codecs",
               "kolmo"};
  app.footer(
      "FILE is compressed to FILE.kmo beside it; -d turns FILE.kmo back into FILE.\n"
      "Inputs are kept unless --rm is given, and are removed only after their output was written\n"
      "and verified. Outputs keep the input's permissions and modification time.\n"
      "Exit status: 0 success, 1 any error (other files are still processed), 128+N on signal N.\n");
  app.add_flag("-z,--compress", compress, "Compress (the default)");
  app.add_flag("-d,--decompress,--uncompress", decompress, "Decompress FILE.kmo to FILE");
  app.add_flag("-t,--test", test, "Check integrity: decode fully, write nothing");
  app.add_flag("-l,--list", list, "List blocks, codecs and sizes (-v: one line per block)");
  app.add_flag("-c,--stdout", o.to_stdout, "Write to stdout, keep inputs");
  app.add_option("-o,--output", o.output, "Output file (one input only; '-' = stdout)");
  app.add_flag("-k,--keep", keep, "Keep inputs (the default; for compatibility)");
  app.add_flag("--rm", o.remove_input, "Remove each input after its output was verified");
  app.add_flag("-f,--force", o.force,
               "Overwrite existing outputs; allow compressed data on a terminal");
  app.add_option("-T,--threads", threads,
                 "Worker threads, 0 = all cores (default: cores, at most 4; output is identical "
                 "for any count)");
  app.add_option("--codec", o.codec_spec,
                 "Codec NAME[:OPTIONS], e.g. zstd:19 or cm:9 (default: " +
                     std::string(kTextCodecName) + " for text at levels " +
                     std::to_string(kTextModelMinLevel) + "-9, else " +
                     std::string(kDefaultCodecName) + "; tensor for checkpoints)");
  app.add_option("--level", o.level, "Compression level 1..9, also written -1 .. -9");
  app.add_option("--block-size", block_size_text, "Block size, e.g. 1M (default: the codec's)");
  app.add_option("--memory", memory_text, "Decoder memory limit, e.g. 512M (default: 3G)");
  app.add_flag("-q,--quiet", o.quiet, "No progress meter");
  app.add_flag("-v,--verbose", o.verbose, "A summary line per file");
  app.add_flag("-V,--version", o.show_version, "Print the version and the codecs");
  app.add_flag("--list-codecs", o.list_codecs, "List the codecs with their ids");
  app.add_option("files", o.inputs, "Input files ('-' = stdin)");

  const std::vector<std::string> args = rewrite_level_flags(argc, argv);
  // CLI11 consumes arguments from the back of the vector.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return {std::nullopt, app.exit(e)};
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, usage_error(e.what())};
  }
  (void)keep;

  o.mode = decompress ? Mode::kDecompress : test ? Mode::kTest : list ? Mode::kList
                                                                         : Mode::kCompress;
  o.threads = threads == 0 ? all_cores() : threads;
  if (o.output == kStdioName) {
    o.output.clear();
    o.to_stdout = true;
  }
  if (o.inputs.empty()) o.inputs.emplace_back(kStdioName);
  if (!block_size_text.empty()) {
    auto size = parse_size(block_size_text);
    if (!size.ok()) return {std::nullopt, usage_error("--block-size: " + size.status().message())};
    if (*size == 0 || *size > kMaxBlockSize) {
      return {std::nullopt, usage_error("--block-size must be between 1 and 1G")};
    }
    o.block_size = *size;
  }
  if (!memory_text.empty()) {
    auto size = parse_size(memory_text);
    if (!size.ok()) return {std::nullopt, usage_error("--memory: " + size.status().message())};
    if (*size == 0) return {std::nullopt, usage_error("--memory must be more than 0")};
    o.memory_limit = *size;
  }
  const int modes = int{compress} + int{decompress} + int{test} + int{list};
  if (const std::string error = check_combinations(o, modes); !error.empty()) {
    return {std::nullopt, usage_error(error)};
  }
  return {std::move(o), 0};
}

}  // namespace kolmo::cli
