// Buffered, position-tracking reads from a ByteSource (a file, a pipe, memory). Both the writer
// (input blocks) and the sequential reader (.kmo frames) read through it.
#pragma once

#include <cstdint>
#include <string_view>

#include "kolmo/bytes.h"
#include "kolmo/io.h"
#include "kolmo/status.h"

namespace kolmo::kmo {

class SourceReader {
 public:
  explicit SourceReader(ByteSource& source) : source_(source) {}

  // Bytes consumed so far: the offset of the next byte in the stream.
  std::uint64_t offset() const { return offset_; }

  // Appends up to n bytes to out, fewer only at the end of the input. The buffer grows with the
  // data that actually arrives, so a declared size never allocates more than the input holds.
  Expected<std::size_t> append_up_to(Bytes& out, std::size_t n);
  // Appends exactly n bytes or fails with kTruncated naming `what`.
  Status append_exact(Bytes& out, std::size_t n, std::string_view what);
  Status read_exact(MutableByteSpan out, std::string_view what);
  Status skip(std::uint64_t n, std::string_view what);
  // Reads one byte; false at the end of the input.
  Expected<bool> next_byte(std::uint8_t& out);

 private:
  Status refill();

  ByteSource& source_;
  std::uint8_t buffer_[64 * 1024];
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
  std::uint64_t offset_ = 0;
};

}  // namespace kolmo::kmo
