// Opening an input and deciding where its output goes, with every refusal the CLI makes before
// a single byte is written.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>

#include "cli/options.h"
#include "kolmo/status.h"

namespace kolmo::cli {

// A failure concerning one file, printed as "kolmo: NAME: what failed".
struct Failure {
  std::string name;
  Status status;
};
using MaybeFailure = std::optional<Failure>;

// One open input. Owns its descriptor unless it is stdin.
class Input {
 public:
  Input() = default;
  ~Input();
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;

  // Opens `path` ("-" = stdin) and refuses what this mode cannot read: missing files,
  // directories, and non-regular files whose output would be derived from their name.
  MaybeFailure open(const std::string& path, const Options& options);

  bool is_stdin() const { return path_ == kStdioName; }
  bool is_regular() const { return S_ISREG(stat_.st_mode); }
  const std::string& path() const { return path_; }
  const std::string& name() const { return name_; }  // for messages
  int fd() const { return fd_; }
  const struct stat& stat() const { return stat_; }

 private:
  std::string path_;
  std::string name_;
  int fd_ = -1;
  struct stat stat_ {};
};

// Where an output goes: stdout, or a file written through AtomicOutput.
struct Target {
  bool to_stdout = false;
  std::string path;
};

// Derives the output of `input` for compression or decompression (FILE <-> FILE.kmo, or -o/-c)
// and refuses an existing output without -f, a directory, or the input itself.
std::optional<Target> resolve_target(const Input& input, const Options& options,
                                     MaybeFailure& failure);

// True when `name` ends with ".kmo" and has something before it.
bool has_kmo_suffix(const std::string& name);

}  // namespace kolmo::cli
