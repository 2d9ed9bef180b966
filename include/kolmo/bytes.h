// Byte buffers, little-endian helpers, varints and a checked reader/writer.
//
// ByteReader never reads past its span. A failed read sets a sticky error and returns zeros, so a
// parser can read a whole header and check status() once at a checkpoint instead of testing every
// field; the first failure (with its offset) is what status() reports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kolmo/status.h"

namespace kolmo {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;
using MutableByteSpan = std::span<std::uint8_t>;

inline ByteSpan as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// ---- little-endian loads and stores (unaligned, any host) ----
inline std::uint16_t load_le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t load_le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
inline std::uint64_t load_le64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(load_le32(p)) |
         (static_cast<std::uint64_t>(load_le32(p + 4)) << 32);
}
inline void store_le16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
inline void store_le32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void store_le64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// ---- varints: unsigned LEB128, at most 10 bytes for 64 bits ----
constexpr std::size_t kMaxVarintBytes = 10;

// Appends v as LEB128. Returns the number of bytes written.
std::size_t append_varint(Bytes& out, std::uint64_t v);
std::size_t varint_size(std::uint64_t v);

// Zig-zag mapping so that small negative numbers become small varints.
inline std::uint64_t zigzag_encode(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t zigzag_decode(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}

  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return ok() ? data_.size() - pos_ : 0; }
  std::size_t size() const { return data_.size(); }
  bool at_end() const { return pos_ == data_.size(); }
  bool ok() const { return status_.ok(); }
  // First failure, or ok. The checkpoint for a parser after reading a group of fields.
  const Status& status() const { return status_; }

  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::uint64_t u64();
  // Rejects overlong encodings (more than 10 bytes or bits beyond 64) as corrupt.
  std::uint64_t varint();
  // A varint that must not exceed max; larger values fail with kCorruptData naming `what`.
  std::uint64_t varint_at_most(std::uint64_t max, std::string_view what);

  // A view of the next n bytes (empty on failure); nothing is copied.
  ByteSpan bytes(std::size_t n);
  void skip(std::size_t n) { (void)bytes(n); }

  // Records a parser-level error (e.g. a bad magic) at the current position, unless an earlier
  // error is already recorded.
  void fail(StatusCode code, std::string_view message);

 private:
  bool take(std::size_t n, const std::uint8_t** out);

  ByteSpan data_;
  std::size_t pos_ = 0;
  Status status_;
};

class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(Bytes initial) : out_(std::move(initial)) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void varint(std::uint64_t v) { append_varint(out_, v); }
  void bytes(ByteSpan b) { out_.insert(out_.end(), b.begin(), b.end()); }

  std::size_t size() const { return out_.size(); }
  const Bytes& data() const { return out_; }
  Bytes& mutable_data() { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

}  // namespace kolmo
