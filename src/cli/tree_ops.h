// Directory outputs: a directory tree extracted from an archive appears under its final name
// only when it is complete, like AtomicOutput does for files. The tree is built in a temporary
// directory beside the destination (same filesystem, so the final rename is atomic) and removed
// again on failure or on SIGINT/SIGTERM/SIGHUP.
#pragma once

#include <string>

#include "kolmo/status.h"

namespace kolmo::cli {

// Removes `path` and everything below it without following symbolic links, using only
// async-signal-safe calls (the interrupt handler uses it). Read-only directories are made
// writable first. Returns false when something could not be removed.
bool remove_tree_signal_safe(const char* path);

class TemporaryDirectory {
 public:
  TemporaryDirectory() = default;
  ~TemporaryDirectory() { discard(); }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  // Creates the empty temporary directory for final_path (mode 0700 while it fills), registered
  // for removal on a signal before it exists.
  Status create(const std::string& final_path);
  const std::string& path() const { return temp_path_; }

  // Gives the tree the mode of a new directory, renames it to the final path (swapping out an
  // existing one when `replace`, whose old contents are then removed) and syncs the parent.
  Status commit(bool replace);

  // Removes the temporary tree; harmless when there is none or after commit().
  void discard();

 private:
  std::string final_path_;
  std::string temp_path_;
};

}  // namespace kolmo::cli
