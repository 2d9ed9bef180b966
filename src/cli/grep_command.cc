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

namespace kolmo::cli {
namespace {

constexpr int kMatched = 0, kNoMatch = 1, kError = 2;

struct GrepArgs {
  std::string pattern;
  std::string file;
  bool stats = false;
  bool help = false;
};

void print_usage(std::FILE* to) {
  std::fprintf(to,
               "usage: kolmo grep [-F] [--stats] PATTERN FILE.kmo\n"
               "  prints the lines that contain PATTERN (a fixed string), as\n"
               "  `kolmo -dc FILE.kmo | grep -a -F PATTERN` does; --stats reports on stderr how\n"
               "  many lines had to be rebuilt\n");
}

bool parse_args(int argc, char** argv, GrepArgs& a) {
  std::vector<std::string> positional;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (!options_done && arg == "--") {
      options_done = true;
    } else if (!options_done && arg == "-F") {
      // Fixed strings are the only kind supported; -F is accepted for grep's spelling.
    } else if (!options_done && arg == "--stats") {
      a.stats = true;
    } else if (!options_done && (arg == "-h" || arg == "--help")) {
      a.help = true;
      return true;
    } else if (!options_done && arg.size() > 1 && arg[0] == '-') {
      std::fprintf(stderr, "kolmo grep: unknown option '%s' (regular expressions are not supported)\n", argv[i]);
      return false;
    } else {
      positional.emplace_back(arg);
    }
  }
  if (positional.size() != 2) return false;
  a.pattern = positional[0];
  a.file = positional[1];
  if (a.pattern.find('\n') != std::string::npos) {
    std::fprintf(stderr, "kolmo grep: the pattern may not contain a newline\n");
    return false;
  }
  return true;
}

// Joins lines across block boundaries and prints the matching ones, as grep does (a last line
// without "\n" is printed with one).
class LineMatcher {
 public:
  explicit LineMatcher(std::string_view pattern) : pattern_(pattern) {}

  // A piece of a line; `ends_line` when a "\n" followed it.
  void feed(std::string_view piece, bool ends_line) {
    if (!partial_.empty() || !ends_line) {
      partial_.append(piece);
      if (ends_line) {
        test(partial_);
        partial_.clear();
      }
      return;
    }
    test(piece);
  }
  // Decompressed bytes of a non-log block.
  void feed_bytes(ByteSpan bytes) {
    std::string_view rest(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      if (nl == std::string_view::npos) {
        feed(rest, false);
        return;
      }
      feed(rest.substr(0, nl), true);
      rest.remove_prefix(nl + 1);
    }
  }
  void finish() {
    if (!partial_.empty()) test(partial_);
    partial_.clear();
  }
  bool matched() const { return matched_; }
  std::string_view pattern() const { return pattern_; }

 private:
  void test(std::string_view line) {
    if (line.find(pattern_) == std::string_view::npos) return;
    matched_ = true;
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  }

  std::string pattern_;
  std::string partial_;
  bool matched_ = false;
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
  KOLMO_ASSIGN_OR_RETURN(
      const logc::GrepStats s,
      logc::grep_log_block(h.params, payload, h.original_size, m.pattern(), limits,
                           [&](const logc::GrepLine& line) { m.feed(line.text, line.terminated); }));
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
  LineMatcher m(a.pattern);
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
  return m.matched() ? kMatched : kNoMatch;
}

}  // namespace kolmo::cli
