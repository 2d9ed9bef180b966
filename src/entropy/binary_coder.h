// Binary arithmetic coder of the lpaq/paq kind, plus the small helpers its models share.
//
// The coder keeps a 32-bit range [x1, x2]. Each bit splits it at
//   xmid = x1 + ((x2 - x1) * p16 >> 16)      (64-bit product, so 16-bit probabilities are exact)
// where p16 = P(bit == 1) in [1, 65535]; a 1 keeps [x1, xmid], a 0 keeps [xmid + 1, x2]. Whenever
// x1 and x2 agree in their top byte that byte is final and is shifted out ("carry-less": the
// range never straddles a byte that was already written, so no carry propagation is needed).
//
// The decoder replays the same arithmetic on the same integers, so any model that produces the
// same p16 sequence on both sides decodes bit for bit. Past the end of its input the decoder reads
// zeros: it never reads out of bounds, and corrupt or truncated input only yields wrong bits, which
// the container's checksums catch. position() lets a codec also reject payloads that were clearly
// cut short.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kolmo/bytes.h"

namespace kolmo {

// Probabilities handed to the coder are P(1) scaled to 16 bits; valid values are 1..65535.
constexpr std::uint32_t kProbBits = 16;
constexpr std::uint32_t kProbOne = std::uint32_t{1} << kProbBits;  // exclusive upper bound

// Clamps any probability into the range the coder accepts, so that a model bug can cost
// compression but never correctness.
inline std::uint32_t clamp_p16(std::uint32_t p16) {
  return p16 < 1 ? 1 : (p16 > kProbOne - 1 ? kProbOne - 1 : p16);
}

namespace binary_coder_detail {
// The split point for probability p16 of a 1. Because p16 < 2^16 the product term is strictly
// below x2 - x1 whenever x2 > x1, so x1 <= xmid < x2 holds without a separate clamp; when the range
// has collapsed to a single value (x1 == x2) xmid == x1 and both bits remain decodable.
inline std::uint32_t split(std::uint32_t x1, std::uint32_t x2, std::uint32_t p16) {
  return x1 + static_cast<std::uint32_t>((static_cast<std::uint64_t>(x2 - x1) * p16) >> kProbBits);
}
}  // namespace binary_coder_detail

class BinaryEncoder {
 public:
  // Appends to `out` (which must outlive the encoder). Call finish() once after the last bit.
  explicit BinaryEncoder(Bytes& out) : out_(&out) {}

  void encode(int bit, std::uint32_t p16) {
    const std::uint32_t xmid = binary_coder_detail::split(x1_, x2_, clamp_p16(p16));
    if (bit) {
      x2_ = xmid;
    } else {
      x1_ = xmid + 1;
    }
    while (((x1_ ^ x2_) & 0xff000000u) == 0) {
      out_->push_back(static_cast<std::uint8_t>(x2_ >> 24));
      x1_ <<= 8;
      x2_ = (x2_ << 8) | 0xffu;
    }
  }
  // 12-bit probabilities (1..4095), as many classic models produce them.
  void encode12(int bit, std::uint32_t p12) { encode(bit, p12 << 4); }

  // Writes the shortest tail (one byte) that, followed by the zeros the decoder feeds past the
  // end, lands inside [x1, x2].
  void finish();

 private:
  Bytes* out_;
  std::uint32_t x1_ = 0;
  std::uint32_t x2_ = 0xffffffffu;
};

class BinaryDecoder {
 public:
  // `in` must outlive the decoder.
  explicit BinaryDecoder(ByteSpan in) : in_(in) {
    for (int i = 0; i < 4; ++i) x_ = (x_ << 8) | next_byte();
  }

  int decode(std::uint32_t p16) {
    const std::uint32_t xmid = binary_coder_detail::split(x1_, x2_, clamp_p16(p16));
    const int bit = x_ <= xmid;
    if (bit) {
      x2_ = xmid;
    } else {
      x1_ = xmid + 1;
    }
    while (((x1_ ^ x2_) & 0xff000000u) == 0) {
      x1_ <<= 8;
      x2_ = (x2_ << 8) | 0xffu;
      x_ = (x_ << 8) | next_byte();
    }
    return bit;
  }
  int decode12(std::uint32_t p12) { return decode(p12 << 4); }

  // Bytes consumed so far, counting the zeros fed past the end. The decoder looks four bytes
  // ahead and the encoder's tail is one byte, so a stream decoded with the model it was encoded
  // with ends with position() == input size + 3 exactly: anything else means the payload was cut
  // short, has trailing bytes or was not produced by this model.
  std::size_t position() const { return pos_; }
  bool consumed_exactly() const { return pos_ == in_.size() + 3; }
  // True once the decoder has read past the point where a valid stream ends: the payload was
  // cut short (or is not this model's), so a codec can stop at once instead of decoding the
  // rest of the block from zeros.
  bool overran() const { return pos_ > in_.size() + 3; }

 private:
  std::uint32_t next_byte() {
    const std::uint32_t b = pos_ < in_.size() ? in_[pos_] : 0u;
    ++pos_;
    return b;
  }

  ByteSpan in_;
  std::size_t pos_ = 0;
  std::uint32_t x1_ = 0;
  std::uint32_t x2_ = 0xffffffffu;
  std::uint32_t x_ = 0;
};

// A 16-bit adaptive probability of a 1 that moves a fixed fraction (2^-rate) of the way towards
// each observed bit. It stays inside [1, 65535] by construction: the step is at most
// (65536 - p) >> 1 upwards and p >> 1 downwards.
class AdaptiveBit {
 public:
  std::uint32_t p16() const { return p_; }
  void update(int bit, int rate) {
    if (bit) {
      p_ = static_cast<std::uint16_t>(p_ + ((kProbOne - p_) >> rate));
    } else {
      p_ = static_cast<std::uint16_t>(p_ - (p_ >> rate));
    }
  }

 private:
  std::uint16_t p_ = kProbOne / 2;
};

// Codes a byte as 8 binary decisions down a 255-node bit tree, most significant bit first. The
// node index starts at 1 and becomes (node << 1) | bit, so nodes 1..255 name every prefix of the
// byte. `model(node)` returns P(1) as a p16 for that node and `learn(node, bit)` updates it.
template <typename PredictFn, typename LearnFn>
void encode_byte_tree(BinaryEncoder& enc, std::uint8_t byte, PredictFn&& model, LearnFn&& learn) {
  std::uint32_t node = 1;
  for (int i = 7; i >= 0; --i) {
    const int bit = (byte >> i) & 1;
    enc.encode(bit, model(node));
    learn(node, bit);
    node = (node << 1) | static_cast<std::uint32_t>(bit);
  }
}

template <typename PredictFn, typename LearnFn>
std::uint8_t decode_byte_tree(BinaryDecoder& dec, PredictFn&& model, LearnFn&& learn) {
  std::uint32_t node = 1;
  while (node < 256) {
    const int bit = dec.decode(model(node));
    learn(node, bit);
    node = (node << 1) | static_cast<std::uint32_t>(bit);
  }
  return static_cast<std::uint8_t>(node - 256);
}

// An order-0 byte model: 255 adaptive probabilities, one per bit-tree node. Small and
// self-contained, for streams that need a simple adaptive byte coder (and as the reference
// model of the tests).
class AdaptiveByteModel {
 public:
  explicit AdaptiveByteModel(int rate = 5) : rate_(rate) {}
  void encode(BinaryEncoder& enc, std::uint8_t byte);
  std::uint8_t decode(BinaryDecoder& dec);

 private:
  AdaptiveBit nodes_[256];
  int rate_;
};

}  // namespace kolmo
