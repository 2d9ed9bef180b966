#include "cli/targets.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "cli/file_ops.h"

namespace kolmo::cli {
namespace {

Failure fail(const std::string& name, std::string message) {
  return {name, io_error(std::move(message))};
}

bool writes_beside_input(const Options& o) {
  return (o.mode == Mode::kCompress || o.mode == Mode::kDecompress) && !o.to_stdout &&
         o.output.empty();
}

}  // namespace

Input::~Input() {
  if (fd_ >= 0 && !is_stdin()) ::close(fd_);
}

MaybeFailure Input::open(const std::string& path, const Options& o) {
  path_ = path;
  if (is_stdin()) {
    name_ = "(stdin)";
    fd_ = STDIN_FILENO;
    if (::fstat(fd_, &stat_) != 0) return fail(name_, "cannot stat: " + errno_text(errno));
    // Compressed data typed on a keyboard is never what the user meant (zstd refuses too).
    const bool reads_archive = o.mode != Mode::kCompress;
    if (reads_archive && !o.force && ::isatty(fd_) == 1) {
      return fail(name_, "refusing to read compressed data from a terminal; use -f to force");
    }
    if (o.mode == Mode::kList && !is_regular()) {
      return fail(name_, "--list needs a regular file (it reads the index at the end)");
    }
    return std::nullopt;
  }
  name_ = path;
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd_ < 0) return fail(name_, errno_text(errno));
  if (::fstat(fd_, &stat_) != 0) return fail(name_, "cannot stat: " + errno_text(errno));
  if (S_ISDIR(stat_.st_mode)) {
    return fail(name_, "is a directory (only model checkpoints are archived as directories, with --codec tensor; "
                       "other directories are not supported yet)");
  }
  if (!is_regular()) {
    // A device or FIFO may be read with an explicit output (-c/-o) or by -t, but deriving
    // "/dev/x.kmo" or removing it with --rm is never intended.
    if (writes_beside_input(o) || o.remove_input) return fail(name_, "is not a regular file");
    if (o.mode == Mode::kList) return fail(name_, "--list needs a regular file");
  }
  return std::nullopt;
}

bool has_kmo_suffix(const std::string& name) {
  return name.size() > kSuffix.size() &&
         name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0 &&
         name[name.size() - kSuffix.size() - 1] != '/';
}

std::optional<Target> resolve_target(const Input& input, const Options& o,
                                     MaybeFailure& failure) {
  Target t;
  if (o.to_stdout || (input.is_stdin() && o.output.empty())) {
    t.to_stdout = true;
    return t;
  }
  if (!o.output.empty()) {
    t.path = o.output;
  } else if (o.mode == Mode::kCompress) {
    if (has_kmo_suffix(input.path()) && !o.force) {
      failure = fail(input.name(), "already has the .kmo suffix; use -f to compress it again");
      return std::nullopt;
    }
    t.path = input.path() + std::string(kSuffix);
  } else {
    if (!has_kmo_suffix(input.path())) {
      failure = fail(input.name(), "unknown suffix (expected .kmo); use -o or -c to name the output");
      return std::nullopt;
    }
    t.path = input.path().substr(0, input.path().size() - kSuffix.size());
  }
  struct stat existing {};
  if (path_exists(t.path, &existing)) {
    if (S_ISDIR(existing.st_mode)) {
      failure = fail(t.path, "is a directory; cannot write the output there");
    } else if (!input.is_stdin() && same_file(existing, input.stat())) {
      failure = fail(t.path, "is the input file itself");
    } else if (!o.force) {
      failure = fail(t.path, "already exists; use -f to overwrite");
    }
    if (failure) return std::nullopt;
  }
  return t;
}

}  // namespace kolmo::cli
