// SIGINT/SIGTERM/SIGHUP handling: an interrupted run must not leave a partial output behind.
//
// The CLI writes every output file under a temporary name first. That name is registered here
// before the file is created, so a signal arriving at any moment finds it; the handler unlinks it
// (async-signal-safe) and re-raises the signal with its default action, so the parent sees the
// process killed by that signal (a shell reports 128+N).
#pragma once

#include <string>

namespace kolmo::cli {

// Installs the handlers once, at startup. Signals that were ignored when kolmo started (e.g.
// under nohup) stay ignored, as gzip and zstd do.
void install_interrupt_handlers();

// Registers the one temporary file to remove if a signal arrives; replaces any earlier one.
// Files are processed one at a time, so one slot is enough. Returns false (registering nothing)
// for a path longer than PATH_MAX: the caller must not create such a file unprotected.
bool set_interrupt_cleanup(const std::string& path);

// Forgets the registered file (after it was renamed into place or removed).
void clear_interrupt_cleanup();

// A second slot for a temporary directory tree (an archive being extracted), removed with
// everything below it. Same contract as the file slot.
bool set_interrupt_cleanup_tree(const std::string& path);
void clear_interrupt_cleanup_tree();

}  // namespace kolmo::cli
