#include "entropy/binary_coder.h"

namespace kolmo {

void BinaryEncoder::finish() {
  // x1 and x2 differ in their top byte, so (x1 >> 24) + 1 cannot overflow and, followed by zeros,
  // is <= x2. When x1's low 24 bits are zero its own top byte followed by zeros equals x1.
  const std::uint32_t top = x1_ >> 24;
  const bool exact = (x1_ & 0x00ffffffu) == 0;
  out_->push_back(static_cast<std::uint8_t>(exact ? top : top + 1));
}

void AdaptiveByteModel::encode(BinaryEncoder& enc, std::uint8_t byte) {
  encode_byte_tree(
      enc, byte, [this](std::uint32_t node) { return nodes_[node].p16(); },
      [this](std::uint32_t node, int bit) { nodes_[node].update(bit, rate_); });
}

std::uint8_t AdaptiveByteModel::decode(BinaryDecoder& dec) {
  return decode_byte_tree(
      dec, [this](std::uint32_t node) { return nodes_[node].p16(); },
      [this](std::uint32_t node, int bit) { nodes_[node].update(bit, rate_); });
}

}  // namespace kolmo
