#include "llm/kv_blocked.h"

#include <algorithm>
#include <cmath>

#include "llm/float_convert.h"

namespace kolmo::llm {

void BitWriter::put(std::uint64_t value, std::size_t bits) {
  for (std::size_t i = 0; i < bits; ++i) {
    if (bits_ % 8 == 0) bytes_.push_back(0);
    bytes_.back() = static_cast<std::uint8_t>(bytes_.back() | (((value >> i) & 1u) << (bits_ % 8)));
    ++bits_;
  }
}

void BitWriter::put_fp16(float x) { put(float_to_fp16(x), 16); }

void BitWriter::append_bytes(const Bytes& bytes) {
  for (const std::uint8_t b : bytes) put(b, 8);
}

float round_fp16(float x) { return fp16_to_float(float_to_fp16(x)); }

double det_log(double x) {
  if (!(x > 0.0)) return -1e300;
  int exponent = 0;
  double m = std::frexp(x, &exponent);  // x = m * 2^e, m in [0.5, 1): exact
  if (m < 0.70710678118654752) {
    m *= 2.0;
    --exponent;
  }
  // ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172: 14 terms reach double precision.
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  double term = s, sum = 0.0;
  for (int k = 0; k < 14; ++k) {
    sum = sum + term / static_cast<double>(2 * k + 1);
    term = term * s2;
  }
  return 2.0 * sum + static_cast<double>(exponent) * 0.69314718055994531;
}

double det_log2(double x) { return det_log(x) / 0.69314718055994531; }

void quantize_minmax(const float* x, std::size_t count, std::size_t stride, std::size_t bits,
                     BitWriter& out, float* recon, const std::uint8_t* skip) {
  float lo = 0.0f, hi = 0.0f;
  bool any = false;
  for (std::size_t i = 0; i < count; ++i) {
    if (skip != nullptr && skip[i * stride]) continue;
    const float v = x[i * stride];
    if (!std::isfinite(v)) continue;
    if (!any) lo = hi = v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    any = true;
  }
  const float levels = static_cast<float>((1u << bits) - 1);
  const float zero = round_fp16(std::clamp(lo, -65504.0f, 65504.0f));
  const float scale = round_fp16(std::min((hi - zero) / levels, 65504.0f));
  out.put_fp16(zero);
  out.put_fp16(scale);
  for (std::size_t i = 0; i < count; ++i) {
    long q = 0;
    const float v = x[i * stride];
    if (scale > 0.0f && std::isfinite(v)) q = std::lrint((v - zero) / scale);
    q = std::clamp<long>(q, 0, static_cast<long>(levels));
    out.put(static_cast<std::uint64_t>(q), bits);
    recon[i * stride] = zero + static_cast<float>(q) * scale;
  }
}

BlockedKvStore::BlockedKvStore(const KvShape& shape, std::size_t block, std::size_t window)
    : shape_(shape), block_(block), window_(window) {
  for (int s = 0; s < 2; ++s) {
    raw_[s].resize(shape.kv_heads);
    recon_[s].resize(shape.kv_heads);
  }
}

void BlockedKvStore::append(const float* k, const float* v, std::size_t positions) {
  const std::size_t hd = shape_.head_dim;
  for (std::size_t p = 0; p < positions; ++p) {
    for (std::size_t h = 0; h < shape_.kv_heads; ++h) {
      const std::size_t offset = p * shape_.kv_dim() + h * hd;
      for (int s = 0; s < 2; ++s) {
        const float* src = (s == 0 ? k : v) + offset;
        raw_[s][h].insert(raw_[s][h].end(), src, src + hd);
        for (std::size_t i = 0; i < hd; ++i) recon_[s][h].push_back(round_fp16(src[i]));
      }
    }
  }
  length_ += positions;
  const std::size_t complete = length_ > window_ ? (length_ - window_) / block_ : 0;
  if (complete > blocks_ && !prepared_) {
    prepare(length_, payload_);
    prepared_ = true;
  }
  for (; blocks_ < complete; ++blocks_) {
    for (std::size_t h = 0; h < shape_.kv_heads; ++h) encode_block(h, blocks_ * block_, payload_);
  }
}

KvView BlockedKvStore::view(std::size_t head, std::vector<float>&, std::vector<float>&) const {
  return {recon_[0][head].data(), recon_[1][head].data(), length_};
}

std::uint64_t BlockedKvStore::stored_bits() const {
  const std::uint64_t tail = std::uint64_t{length_ - compressed_tokens()} * shape_.kv_dim() * 2 * 16;
  return (payload_.bits() + tail + 7) / 8 * 8;
}

Bytes BlockedKvStore::serialize() const {
  BitWriter out = payload_;
  const std::size_t hd = shape_.head_dim;
  for (std::size_t p = compressed_tokens(); p < length_; ++p) {
    for (int s = 0; s < 2; ++s) {
      for (std::size_t h = 0; h < shape_.kv_heads; ++h) {
        for (std::size_t i = 0; i < hd; ++i) out.put_fp16(raw_[s][h][p * hd + i]);
      }
    }
  }
  return out.bytes();
}

}  // namespace kolmo::llm
