// A read-only file descriptor closed on scope exit (tensor files are read with pread).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

namespace kolmo::tensor {

class OpenFile {
 public:
  explicit OpenFile(const std::filesystem::path& path)
      : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~OpenFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace kolmo::tensor
