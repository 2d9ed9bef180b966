#include "kolmo/io.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace kolmo {

Expected<std::size_t> MemorySource::read(MutableByteSpan out) {
  const std::size_t n = std::min(out.size(), data_.size() - pos_);
  if (n > 0) std::memcpy(out.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

Status MemorySource::read_at(std::uint64_t offset, MutableByteSpan out) const {
  if (offset > data_.size() || out.size() > data_.size() - offset) {
    return truncated("read of " + std::to_string(out.size()) + " bytes at offset " +
                     std::to_string(offset) + " is past the end (" + std::to_string(data_.size()) +
                     " bytes)");
  }
  if (!out.empty()) std::memcpy(out.data(), data_.data() + offset, out.size());
  return ok_status();
}

FdSource::FdSource(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
  struct stat st {};
  if (fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) {
    regular_ = true;
    size_ = static_cast<std::uint64_t>(st.st_size);
  }
}

Expected<std::size_t> FdSource::read(MutableByteSpan out) {
  std::size_t total = 0;
  // Fill the whole request unless the input ends: pipes deliver short reads.
  while (total < out.size()) {
    const ssize_t n = ::read(fd_, out.data() + total, out.size() - total);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot read " + name_ + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    total += static_cast<std::size_t>(n);
  }
  return total;
}

Status FdSource::read_at(std::uint64_t offset, MutableByteSpan out) const {
  std::size_t total = 0;
  while (total < out.size()) {
    const ssize_t n = ::pread(fd_, out.data() + total, out.size() - total,
                              static_cast<off_t>(offset + total));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot read " + name_ + ": " + std::strerror(errno));
    }
    if (n == 0) {
      return truncated(name_ + " ends at " + std::to_string(offset + total) + ", expected " +
                       std::to_string(offset + out.size()) + " bytes");
    }
    total += static_cast<std::size_t>(n);
  }
  return ok_status();
}

Status FdSink::write(ByteSpan data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write " + name_ + ": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return ok_status();
}

}  // namespace kolmo
