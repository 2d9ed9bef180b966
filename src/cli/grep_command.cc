#include "cli/grep_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/log/log_grep.h"
#include "container/format.h"
#include "kolmo/container.h"
#include "kolmo/hash.h"
#include "kolmo/io.h"
#include "search/line_pattern.h"

namespace kolmo::cli {
namespace {

constexpr int kMatched = 0, kNoMatch = 1, kError = 2;

struct GrepArgs {
  std::string pattern;
  bool have_pattern = false;
  std::string file;
  search::PatternOptions match;
  bool invert = false;       // -v
  bool count = false;        // -c
  bool line_numbers = false;  // -n
  bool quiet = false;        // -q
  bool stats = false;
  bool help = false;
};

void print_usage(std::FILE* to) {
  std::fprintf(to,
               "usage: kolmo grep [-F|-E] [-i] [-v] [-x] [-c] [-n] [-q] [--stats] [-e] PATTERN FILE.kmo\n"
               "  prints the lines that match PATTERN, as `kolmo -dc FILE.kmo | LC_ALL=C grep -a ...`\n"
               "  does with the same options (bytes, not characters):\n"
               "  -F  PATTERN is a fixed string (the default)\n"
               "  -E  PATTERN is an extended regular expression\n"
               "  -i  ignore ASCII case      -v  print the lines that do not match\n"
               "  -x  match whole lines only -c  print only the number of lines\n"
               "  -n  prefix line numbers    -q  print nothing; the exit status says\n"
               "  -e PATTERN  a pattern that starts with '-'\n"
               "  --stats  report on stderr how many lines had to be rebuilt\n"
               "  exit status: 0 a line was selected, 1 none, 2 an error\n");
}

// One short option letter; false for an unknown one.
bool apply_flag(char f, GrepArgs& a) {
  switch (f) {
    case 'F': a.match.extended_regex = false; return true;
    case 'E': a.match.extended_regex = true; return true;
    case 'i': a.match.ignore_case = true; return true;
    case 'v': a.invert = true; return true;
    case 'x': a.match.whole_line = true; return true;
    case 'c': a.count = true; return true;
    case 'n': a.line_numbers = true; return true;
    case 'q': a.quiet = true; return true;
    default: return false;
  }
}

bool parse_args(int argc, char** argv, GrepArgs& a) {
  std::vector<std::string> positional;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      positional.emplace_back(arg);
    } else if (arg == "--") {
      options_done = true;
    } else if (arg == "--stats") {
      a.stats = true;
    } else if (arg == "-h" || arg == "--help") {
      a.help = true;
      return true;
    } else if (arg == "-e") {
      if (i + 1 >= argc || a.have_pattern) {
        std::fprintf(stderr, "kolmo grep: -e takes one pattern (one -e only)\n");
        return false;
      }
      a.pattern = argv[++i];
      a.have_pattern = true;
    } else if (arg[1] == '-') {
      std::fprintf(stderr, "kolmo grep: unknown option '%s'\n", argv[i]);
      return false;
    } else {
      // Grouped flags, as in "-in".
      for (const char f : arg.substr(1)) {
        if (apply_flag(f, a)) continue;
        std::fprintf(stderr, "kolmo grep: unknown option '-%c'\n", f);
        return false;
      }
    }
  }
  if (!a.have_pattern) {
    if (positional.empty()) return false;
    a.pattern = positional.front();
    positional.erase(positional.begin());
  }
  if (positional.size() != 1) return false;
  a.file = positional[0];
  if (a.pattern.find('\n') != std::string::npos) {
    std::fprintf(stderr, "kolmo grep: the pattern may not contain a newline\n");
    return false;
  }
  return true;
}

// Joins lines across block boundaries, numbers them and prints the selected ones, as grep does
// (a last line without "\n" is printed with one).
class LineMatcher {
 public:
  LineMatcher(const GrepArgs& args, search::LinePattern pattern) : args_(args), pattern_(std::move(pattern)) {}

  // A piece of line `number` (1-based); `ends_line` when a "\n" followed it.
  void feed(std::string_view piece, bool ends_line, std::size_t number) {
    if (!partial_.empty() || !ends_line) {
      if (partial_.empty()) partial_number_ = number;
      partial_.append(piece);
      if (ends_line) {
        test(partial_, partial_number_);
        partial_.clear();
      }
      return;
    }
    test(piece, number);
  }
  // Decompressed bytes of a non-log block.
  void feed_bytes(ByteSpan bytes) {
    std::string_view rest(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      if (nl == std::string_view::npos) {
        feed(rest, false, lines_done_ + 1);
        return;
      }
      feed(rest.substr(0, nl), true, lines_done_ + 1);
      ++lines_done_;
      rest.remove_prefix(nl + 1);
    }
  }
  // After a log block whose lines were numbered from lines_done() + 1: `ended` lines of it ended
  // with "\n".
  void finish_block_lines(std::size_t ended) { lines_done_ += ended; }
  std::size_t lines_done() const { return lines_done_; }

  void finish() {
    if (!partial_.empty()) test(partial_, partial_number_);
    partial_.clear();
    if (args_.count && !args_.quiet) std::printf("%zu\n", selected_);
  }
  bool selected_any() const { return selected_ > 0; }
  // What a log block must hand over: every line when selecting non-matching lines.
  std::string_view prune_literal() const {
    return args_.invert ? std::string_view() : std::string_view(pattern_.required_literal());
  }

 private:
  void test(std::string_view line, std::size_t number) {
    if (pattern_.matches(line) == args_.invert) return;
    ++selected_;
    if (args_.count || args_.quiet) return;
    if (args_.line_numbers) std::printf("%zu:", number);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  }

  const GrepArgs& args_;
  search::LinePattern pattern_;
  std::string partial_;
  std::size_t partial_number_ = 0;
  std::size_t lines_done_ = 0;  // lines ended by "\n" so far
  std::size_t selected_ = 0;
};

struct Totals {
  std::size_t log_blocks = 0, other_blocks = 0, lines = 0, rebuilt = 0;
};

// A log block: its frame is read and its payload check verified, then only the lines that can
// match are rebuilt.
// dictionary: the file's dictionary frame body when its codec is log (empty: none).
Status grep_log_frame(const RandomAccessSource& file, const BlockInfo& block, ByteSpan dictionary,
                      LineMatcher& m, Totals& totals) {
  Bytes frame(block.frame_size);
  KOLMO_RETURN_IF_ERROR(file.read_at(block.file_offset, frame));
  KOLMO_ASSIGN_OR_RETURN(const kmo::BlockHeader h, kmo::parse_block_header(frame));
  if (h.frame_size() != frame.size() || h.original_size != block.original_size) {
    return corrupt_data("the block frame disagrees with the index");
  }
  const ByteSpan payload = ByteSpan(frame).subspan(h.header_size(), h.stored_size);
  if (load_le32(frame.data() + h.header_size() + h.stored_size) != xxh64_low32(payload)) {
    return checksum_mismatch("payload check failed (the compressed bytes are damaged)");
  }
  DecodeLimits limits;
  limits.memory_bytes = kDefaultMemoryLimit - dictionary.size();
  limits.dictionary = dictionary;
  // Lines are numbered across blocks; the block's last line is always handed over, so whether
  // it ended with "\n" is known when the block is done.
  const std::size_t first_number = m.lines_done() + 1;
  bool last_line_ended = true;
  KOLMO_ASSIGN_OR_RETURN(const logc::GrepStats s,
                         logc::grep_log_block(h.params, payload, h.original_size, m.prune_literal(), limits,
                                              [&](const logc::GrepLine& line) {
                                                m.feed(line.text, line.terminated, first_number + line.index);
                                                last_line_ended = line.terminated;
                                              }));
  if (s.lines > 0) m.finish_block_lines(s.lines - (last_line_ended ? 0 : 1));
  ++totals.log_blocks;
  totals.lines += s.lines;
  totals.rebuilt += s.rebuilt;
  return ok_status();
}

Status grep_file(const GrepArgs& a, LineMatcher& m, Totals& totals) {
  const int fd = ::open(a.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open " + a.file + ": " + std::strerror(errno));
  FdSource file(fd, a.file);
  Status s = [&]() -> Status {
    KOLMO_ASSIGN_OR_RETURN(const ArchiveInfo info, read_archive_info(file));
    if (info.multi_file) return unsupported("kolmo grep reads single-stream .kmo files, not archives");
    // Read once per file: every log block of the file decodes with it.
    Bytes dictionary;
    if (info.dictionary_codec == CodecId::kLog) {
      KOLMO_ASSIGN_OR_RETURN(dictionary, read_dictionary(file, info, DecompressOptions{}));
    }
    for (std::size_t i = 0; i < info.blocks.size(); ++i) {
      const BlockInfo& b = info.blocks[i];
      if (b.codec == CodecId::kLog) {
        KOLMO_RETURN_IF_ERROR(grep_log_frame(file, b, dictionary, m, totals).with_context("block " + std::to_string(i)));
      } else {
        KOLMO_ASSIGN_OR_RETURN(const Bytes content, decode_block(file, info, i, DecompressOptions{}));
        m.feed_bytes(content);
        ++totals.other_blocks;
      }
    }
    m.finish();
    return ok_status();
  }();
  ::close(fd);
  return s;
}

}  // namespace

int grep_main(int argc, char** argv) {
  GrepArgs a;
  if (!parse_args(argc, argv, a)) {
    print_usage(stderr);
    return kError;
  }
  if (a.help) {
    print_usage(stdout);
    return 0;
  }
  Expected<search::LinePattern> pattern = search::LinePattern::compile(a.pattern, a.match);
  if (!pattern.ok()) {
    std::fprintf(stderr, "kolmo grep: %s\n", pattern.status().to_string().c_str());
    return kError;
  }
  LineMatcher m(a, std::move(pattern).value());
  Totals totals;
  const Status s = grep_file(a, m, totals);
  std::fflush(stdout);
  if (!s.ok()) {
    std::fprintf(stderr, "kolmo grep: %s: %s\n", a.file.c_str(), s.to_string().c_str());
    return kError;
  }
  if (a.stats) {
    std::fprintf(stderr, "kolmo grep: %zu log blocks (%zu of %zu lines rebuilt), %zu other blocks\n",
                 totals.log_blocks, totals.rebuilt, totals.lines, totals.other_blocks);
  }
  return m.selected_any() ? kMatched : kNoMatch;
}

}  // namespace kolmo::cli
