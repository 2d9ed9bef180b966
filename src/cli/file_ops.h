// File-system steps of the CLI: the temporary-file-then-rename protocol that keeps every output
// all-or-nothing, copying permissions and times, and removing inputs.
#pragma once

#include <sys/stat.h>

#include <string>

#include "kolmo/status.h"

namespace kolmo::cli {

// An output file that appears under its final name only when it is complete and on disk.
// The data goes to a temporary file in the same directory (hence the same filesystem, so the
// final rename is atomic); anything short of commit() removes it again, including a signal.
class AtomicOutput {
 public:
  AtomicOutput() = default;
  ~AtomicOutput() { discard(); }
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  // Creates the empty temporary file for final_path, registered for removal on SIGINT/SIGTERM.
  Status open(const std::string& final_path);

  // Read-write descriptor of the temporary file (the CLI reads it back to verify).
  int fd() const { return fd_; }
  const std::string& temp_path() const { return temp_path_; }

  // fsync()s the data, renames the file over the final path, then fsync()s the directory so
  // that the rename itself survives a crash. Once the rename is done the output is kept even if
  // the directory sync fails (the error is still reported, so that --rm keeps the input).
  Status commit();

  // Closes and removes the temporary file; harmless when nothing is open or after commit().
  void discard();

 private:
  int fd_ = -1;
  std::string final_path_;
  std::string temp_path_;
};

// A hidden temporary name beside final_path (".NAME.kolmo-tmp-PID-RANDOM-ATTEMPT").
std::string temporary_name_for(const std::string& final_path, unsigned attempt);

// The directory part of a path: "." for "name", "/" for "/name".
std::string directory_of(const std::string& path);

// Gives the output the input's permission bits and access/modification times (as gzip and zstd
// do); the owner too when we may (root), silently keeping ours otherwise.
Status copy_file_metadata(const struct stat& from, int to_fd);

// Permissions a newly created file would get (0666 minus the umask), for outputs that have no
// input file to copy them from (stdin). The temporary file was created 0600.
Status apply_default_mode(int fd);

// lstat() that reports only whether something exists under the name.
bool path_exists(const std::string& path, struct stat* st = nullptr);

bool same_file(const struct stat& a, const struct stat& b);

// Removes an input after its output was written and verified.
Status remove_file(const std::string& path);

// Text of errno for messages: "No such file or directory".
std::string errno_text(int err);

}  // namespace kolmo::cli
