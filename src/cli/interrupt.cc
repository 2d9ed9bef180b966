#include "cli/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstring>

#include "cli/tree_ops.h"

namespace kolmo::cli {
namespace {

constexpr int kHandledSignals[] = {SIGINT, SIGTERM, SIGHUP};

// The handler may run on any thread (the container has workers), at any moment. It reads the path
// only while g_cleanup_armed is true, and the writer disarms before touching the buffer, so the
// handler never sees a half-written path. std::atomic<bool> is lock-free, hence signal-safe.
char g_cleanup_path[PATH_MAX + 1];
std::atomic<bool> g_cleanup_armed{false};
static_assert(std::atomic<bool>::is_always_lock_free);
char g_cleanup_tree[PATH_MAX + 1];
std::atomic<bool> g_cleanup_tree_armed{false};

extern "C" void on_fatal_signal(int sig) {
  if (g_cleanup_armed.load()) ::unlink(g_cleanup_path);
  if (g_cleanup_tree_armed.load()) (void)remove_tree_signal_safe(g_cleanup_tree);
  // Die of the same signal, so the exit status tells the caller what happened.
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = &on_fatal_signal;
  sigemptyset(&action.sa_mask);
  // While one signal is being handled, the others wait: one cleanup, one exit.
  for (int sig : kHandledSignals) sigaddset(&action.sa_mask, sig);
  for (int sig : kHandledSignals) {
    struct sigaction previous {};
    if (::sigaction(sig, nullptr, &previous) == 0 && previous.sa_handler == SIG_IGN) continue;
    ::sigaction(sig, &action, nullptr);
  }
}

bool set_interrupt_cleanup(const std::string& path) {
  g_cleanup_armed.store(false);
  // A truncated path would name some other file, which the handler would then delete.
  if (path.size() >= sizeof(g_cleanup_path)) return false;
  std::memcpy(g_cleanup_path, path.c_str(), path.size() + 1);
  g_cleanup_armed.store(true);
  return true;
}

void clear_interrupt_cleanup() { g_cleanup_armed.store(false); }

bool set_interrupt_cleanup_tree(const std::string& path) {
  g_cleanup_tree_armed.store(false);
  if (path.size() >= sizeof(g_cleanup_tree)) return false;
  std::memcpy(g_cleanup_tree, path.c_str(), path.size() + 1);
  g_cleanup_tree_armed.store(true);
  return true;
}

void clear_interrupt_cleanup_tree() { g_cleanup_tree_armed.store(false); }

}  // namespace kolmo::cli
