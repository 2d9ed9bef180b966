#include "cli/tree_ops.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "cli/file_ops.h"
#include "cli/interrupt.h"

namespace kolmo::cli {
namespace {

// Deeper trees than this are not produced by checkpoints; the rest is left rather than risking
// the signal handler's stack.
constexpr int kMaxRemoveDepth = 48;

struct LinuxDirent64 {
  std::uint64_t d_ino;
  std::int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

bool is_dot(const char* name) {
  return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

// Empties the directory open as `fd`. Entries removed while reading may shift the listing, so
// it is read again from the start until a pass finds nothing left.
bool empty_directory(int fd, int depth);

// Removes entry `name` of directory `dir_fd`: unlink first; a directory answers EISDIR (a link
// to one never does, so links are removed, not followed) and is emptied, then removed.
bool remove_entry(int dir_fd, const char* name, int depth) {
  if (::unlinkat(dir_fd, name, 0) == 0) return true;
  if (errno != EISDIR || depth >= kMaxRemoveDepth) return false;
  (void)::fchmodat(dir_fd, name, 0700, 0);  // a read-only directory cannot lose entries
  const int fd = ::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  const bool emptied = empty_directory(fd, depth + 1);
  ::close(fd);
  return emptied && ::unlinkat(dir_fd, name, AT_REMOVEDIR) == 0;
}

bool empty_directory(int fd, int depth) {
  alignas(8) char buffer[2048];
  for (int pass = 0; pass < 1000; ++pass) {
    bool removed_any = false, failed = false;
    if (::lseek(fd, 0, SEEK_SET) != 0) return false;
    for (;;) {
      const long n = ::syscall(SYS_getdents64, fd, buffer, sizeof(buffer));
      if (n < 0) return false;
      if (n == 0) break;
      for (long off = 0; off < n;) {
        const auto* d = reinterpret_cast<const LinuxDirent64*>(buffer + off);
        off += d->d_reclen;
        if (is_dot(d->d_name)) continue;
        if (remove_entry(fd, d->d_name, depth)) {
          removed_any = true;
        } else {
          failed = true;
        }
      }
    }
    if (!removed_any) return !failed;
  }
  return false;
}

}  // namespace

bool remove_tree_signal_safe(const char* path) {
  if (::unlink(path) == 0) return true;
  if (errno == ENOENT) return true;
  if (errno != EISDIR) return false;
  return remove_entry(AT_FDCWD, path, 0);
}

Status TemporaryDirectory::create(const std::string& final_path) {
  discard();
  final_path_ = final_path;
  for (unsigned attempt = 0; attempt < 100; ++attempt) {
    const std::string candidate = temporary_name_for(final_path, attempt);
    if (!set_interrupt_cleanup_tree(candidate)) return io_error("path too long");
    if (::mkdir(candidate.c_str(), 0700) == 0) {
      temp_path_ = candidate;
      return ok_status();
    }
    const int err = errno;
    clear_interrupt_cleanup_tree();
    if (err != EEXIST) {
      return io_error("cannot create a temporary directory: " + errno_text(err));
    }
  }
  return io_error("cannot create a temporary directory: too many name collisions");
}

Status TemporaryDirectory::commit(bool replace) {
  if (temp_path_.empty()) return internal_error("commit without a temporary directory");
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::chmod(temp_path_.c_str(), 0777 & ~mask) != 0) {
    return io_error("cannot set permissions: " + errno_text(errno));
  }
  if (replace && path_exists(final_path_)) {
    // Swap atomically, so that the destination is at every moment either the old or the new
    // tree; the old one then sits under the temporary name and goes with discard().
    if (::renameat2(AT_FDCWD, temp_path_.c_str(), AT_FDCWD, final_path_.c_str(),
                    RENAME_EXCHANGE) != 0) {
      return io_error("cannot replace " + final_path_ + ": " + errno_text(errno));
    }
    discard();
  } else {
    if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
      return io_error("cannot rename the temporary directory into place: " + errno_text(errno));
    }
    clear_interrupt_cleanup_tree();
    temp_path_.clear();
  }
  const std::string dir = directory_of(final_path_);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
  return ok_status();
}

void TemporaryDirectory::discard() {
  if (temp_path_.empty()) return;
  if (!remove_tree_signal_safe(temp_path_.c_str())) {
    std::fprintf(stderr, "kolmo: %s: could not remove the temporary directory\n",
                 temp_path_.c_str());
  }
  clear_interrupt_cleanup_tree();
  temp_path_.clear();
}

}  // namespace kolmo::cli
