#include "cli/file_ops.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "cli/interrupt.h"

namespace kolmo::cli {
namespace {

std::string base_name(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Status sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory " + dir + ": " + errno_text(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  // Some filesystems cannot sync directories at all; that is not a failure of ours.
  if (rc != 0 && err != EINVAL && err != ENOTSUP) {
    return io_error("cannot sync directory " + dir + ": " + errno_text(err));
  }
  return ok_status();
}

}  // namespace

// Hidden, clearly ours, and unique enough that registering the name before creating it (so that
// a signal in between finds it) can never point the signal handler at somebody else's file.
std::string temporary_name_for(const std::string& final_path, unsigned attempt) {
  static std::mt19937_64 random{std::random_device{}()};
  std::string dir = directory_of(final_path);
  if (dir.back() != '/') dir += '/';
  return dir + "." + base_name(final_path) + ".kolmo-tmp-" + std::to_string(::getpid()) + "-" +
         std::to_string(random() % 1000000000u) + "-" + std::to_string(attempt);
}

Status AtomicOutput::open(const std::string& final_path) {
  discard();
  final_path_ = final_path;
  for (unsigned attempt = 0; attempt < 100; ++attempt) {
    const std::string candidate = temporary_name_for(final_path, attempt);
    if (!set_interrupt_cleanup(candidate)) return io_error("path too long");
    const int fd = ::open(candidate.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      fd_ = fd;
      temp_path_ = candidate;
      return ok_status();
    }
    const int err = errno;
    clear_interrupt_cleanup();
    if (err != EEXIST) return io_error("cannot create a temporary file: " + errno_text(err));
  }
  return io_error("cannot create a temporary file: too many name collisions");
}

Status AtomicOutput::commit() {
  if (fd_ < 0) return internal_error("commit without an open output");
  if (::fsync(fd_) != 0) return io_error("cannot write: fsync failed: " + errno_text(errno));
  if (::close(fd_) != 0) {
    fd_ = -1;
    return io_error("cannot write: close failed: " + errno_text(errno));
  }
  fd_ = -1;
  if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    return io_error("cannot rename the temporary file into place: " + errno_text(errno));
  }
  // From here the file is complete under its final name: nothing may remove it any more.
  clear_interrupt_cleanup();
  temp_path_.clear();
  return sync_directory(directory_of(final_path_));
}

void AtomicOutput::discard() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    clear_interrupt_cleanup();
    temp_path_.clear();
  }
}

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status copy_file_metadata(const struct stat& from, int to_fd) {
  // Owner first: chown may clear setuid/setgid bits, which fchmod then restores.
  if (::fchown(to_fd, from.st_uid, from.st_gid) != 0) {
    (void)::fchown(to_fd, static_cast<uid_t>(-1), from.st_gid);  // the group alone may be ours
  }
  if (::fchmod(to_fd, from.st_mode & 07777) != 0) {
    return io_error("cannot set permissions: " + errno_text(errno));
  }
  const struct timespec times[2] = {from.st_atim, from.st_mtim};
  if (::futimens(to_fd, times) != 0) {
    return io_error("cannot set modification time: " + errno_text(errno));
  }
  return ok_status();
}

Status apply_default_mode(int fd) {
  // umask() can only be read by setting it; the CLI creates no files concurrently.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd, 0666 & ~mask) != 0) {
    return io_error("cannot set permissions: " + errno_text(errno));
  }
  return ok_status();
}

bool path_exists(const std::string& path, struct stat* st) {
  struct stat ignored {};
  return ::lstat(path.c_str(), st != nullptr ? st : &ignored) == 0;
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

Status remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return io_error("cannot remove: " + errno_text(errno));
  return ok_status();
}

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace kolmo::cli
