// Byte sources and sinks: what the container reads from and writes to, so the same code serves
// files, pipes (stdin/stdout, size unknown) and memory.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo {

// Sequential input. read() fills up to out.size() bytes and returns how many; 0 only at the end.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual Expected<std::size_t> read(MutableByteSpan out) = 0;
  // Total size when known in advance (regular files, memory), else 0 with known == false.
  virtual bool size_known() const { return false; }
  virtual std::uint64_t size() const { return 0; }
};

// Sequential output.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status write(ByteSpan data) = 0;
};

// Random-access input, for listing and for decoding single blocks through the index.
class RandomAccessSource {
 public:
  virtual ~RandomAccessSource() = default;
  virtual std::uint64_t size() const = 0;
  // Reads exactly out.size() bytes at offset, or fails (kTruncated past the end).
  virtual Status read_at(std::uint64_t offset, MutableByteSpan out) const = 0;
};

class MemorySource final : public ByteSource, public RandomAccessSource {
 public:
  explicit MemorySource(ByteSpan data) : data_(data) {}
  Expected<std::size_t> read(MutableByteSpan out) override;
  bool size_known() const override { return true; }
  std::uint64_t size() const override { return data_.size(); }
  Status read_at(std::uint64_t offset, MutableByteSpan out) const override;

 private:
  ByteSpan data_;
  std::size_t pos_ = 0;
};

class MemorySink final : public ByteSink {
 public:
  Status write(ByteSpan data) override {
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    return ok_status();
  }
  Bytes& bytes() { return bytes_; }

 private:
  Bytes bytes_;
};

// A sink that only counts and hashes (used by `kolmo -t`).
class DiscardSink final : public ByteSink {
 public:
  Status write(ByteSpan data) override {
    written_ += data.size();
    return ok_status();
  }
  std::uint64_t written() const { return written_; }

 private:
  std::uint64_t written_ = 0;
};

// Reads a file descriptor (a regular file or a pipe). Does not own the descriptor.
class FdSource final : public ByteSource, public RandomAccessSource {
 public:
  // name is used in error messages only.
  FdSource(int fd, std::string name);
  Expected<std::size_t> read(MutableByteSpan out) override;
  bool size_known() const override { return regular_; }
  std::uint64_t size() const override { return size_; }
  Status read_at(std::uint64_t offset, MutableByteSpan out) const override;

 private:
  int fd_;
  std::string name_;
  bool regular_ = false;
  std::uint64_t size_ = 0;
};

// Writes to a file descriptor, retrying short writes. Does not own the descriptor.
class FdSink final : public ByteSink {
 public:
  FdSink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  Status write(ByteSpan data) override;

 private:
  int fd_;
  std::string name_;
};

}  // namespace kolmo
