#include "kolmo/bytes.h"

namespace kolmo {

std::size_t append_varint(Bytes& out, std::uint64_t v) {
  std::size_t n = 0;
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
    ++n;
  }
  out.push_back(static_cast<std::uint8_t>(v));
  return n + 1;
}

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

bool ByteReader::take(std::size_t n, const std::uint8_t** out) {
  if (!ok()) return false;
  if (n > data_.size() - pos_) {
    status_ = truncated("needed " + std::to_string(n) + " bytes at offset " + std::to_string(pos_) +
                        ", only " + std::to_string(data_.size() - pos_) + " left");
    return false;
  }
  *out = data_.data() + pos_;
  pos_ += n;
  return true;
}

void ByteReader::fail(StatusCode code, std::string_view message) {
  if (!ok()) return;
  status_ = Status(code, std::string(message) + " (at offset " + std::to_string(pos_) + ")");
}

std::uint8_t ByteReader::u8() {
  const std::uint8_t* p;
  return take(1, &p) ? p[0] : 0;
}
std::uint16_t ByteReader::u16() {
  const std::uint8_t* p;
  return take(2, &p) ? load_le16(p) : 0;
}
std::uint32_t ByteReader::u32() {
  const std::uint8_t* p;
  return take(4, &p) ? load_le32(p) : 0;
}
std::uint64_t ByteReader::u64() {
  const std::uint8_t* p;
  return take(8, &p) ? load_le64(p) : 0;
}

std::uint64_t ByteReader::varint() {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
    const std::uint8_t b = u8();
    if (!ok()) return 0;
    const std::uint64_t payload = b & 0x7F;
    // The tenth byte may only carry the single remaining bit of a 64-bit value.
    if (i == kMaxVarintBytes - 1 && payload > 1) {
      fail(StatusCode::kCorruptData, "varint overflows 64 bits");
      return 0;
    }
    value |= payload << (7 * i);
    if ((b & 0x80) == 0) {
      if (b == 0 && i > 0) {
        fail(StatusCode::kCorruptData, "overlong varint encoding");
        return 0;
      }
      return value;
    }
  }
  fail(StatusCode::kCorruptData, "varint longer than 10 bytes");
  return 0;
}

std::uint64_t ByteReader::varint_at_most(std::uint64_t max, std::string_view what) {
  const std::uint64_t v = varint();
  if (ok() && v > max) {
    fail(StatusCode::kCorruptData, std::string(what) + " " + std::to_string(v) +
                                       " exceeds the maximum " + std::to_string(max));
    return 0;
  }
  return v;
}

ByteSpan ByteReader::bytes(std::size_t n) {
  const std::uint8_t* p;
  return take(n, &p) ? ByteSpan(p, n) : ByteSpan();
}

void ByteWriter::u16(std::uint16_t v) {
  std::uint8_t b[2];
  store_le16(b, v);
  out_.insert(out_.end(), b, b + 2);
}
void ByteWriter::u32(std::uint32_t v) {
  std::uint8_t b[4];
  store_le32(b, v);
  out_.insert(out_.end(), b, b + 4);
}
void ByteWriter::u64(std::uint64_t v) {
  std::uint8_t b[8];
  store_le64(b, v);
  out_.insert(out_.end(), b, b + 8);
}

}  // namespace kolmo
