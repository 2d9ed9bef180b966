// Fixed-width bit fields packed LSB-first (the first field in the lowest bits of the first byte),
// for mode=max's raw remainder and df11's 5-bit gaps. The last byte is zero-padded.
#pragma once

#include <cstdint>

#include "kolmo/bytes.h"

namespace kolmo::tensor {

inline std::uint64_t packed_bytes(std::uint64_t count, int bits) {
  return (count * static_cast<std::uint64_t>(bits) + 7) / 8;
}

class BitPacker {
 public:
  explicit BitPacker(Bytes& out) : out_(&out) {}
  void put(std::uint32_t value, int bits) {  // bits <= 24
    acc_ |= static_cast<std::uint64_t>(value) << count_;
    count_ += bits;
    while (count_ >= 8) {
      out_->push_back(static_cast<std::uint8_t>(acc_));
      acc_ >>= 8;
      count_ -= 8;
    }
  }
  void finish() {
    if (count_ > 0) out_->push_back(static_cast<std::uint8_t>(acc_));
    acc_ = 0;
    count_ = 0;
  }

 private:
  Bytes* out_;
  std::uint64_t acc_ = 0;
  int count_ = 0;
};

// Reads fields from a span whose size the caller has checked; past its end it reads zeros (so a
// wrong size can only give wrong bits, never an out-of-bounds read).
class BitUnpacker {
 public:
  explicit BitUnpacker(ByteSpan in) : in_(in) {}
  std::uint32_t get(int bits) {  // bits <= 24
    while (count_ < bits) {
      const std::uint64_t byte = pos_ < in_.size() ? in_[pos_] : 0;
      ++pos_;
      acc_ |= byte << count_;
      count_ += 8;
    }
    const std::uint32_t v = static_cast<std::uint32_t>(acc_ & ((std::uint64_t{1} << bits) - 1));
    acc_ >>= bits;
    count_ -= bits;
    return v;
  }
  // True when every byte was read and the padding bits of the last one are zero.
  bool ended_cleanly() const { return pos_ == in_.size() && acc_ == 0; }

 private:
  ByteSpan in_;
  std::size_t pos_ = 0;
  std::uint64_t acc_ = 0;
  int count_ = 0;
};

}  // namespace kolmo::tensor
