// Shared machinery of the compressed KV-cache methods (kv_kivi.cc, kv_gear.cc, kv_qjl.cc,
// kv_million.cc, kv_mustafar.cc, kv_kolmo.cc).
//
// A BlockedKvStore keeps the appended fp32 rows of every head, compresses them in blocks of
// `block` tokens as soon as a block is complete and `window` newer tokens exist (KIVI's
// full-precision window; 0 for the others), and keeps the rest (the tail) in fp16. The method's
// bits for every block go, in block order, into one bit stream (`payload`), which is exactly what
// it stores; serialize() writes that stream, then the tail as fp16, padded to a byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "llm/kv_cache.h"

namespace kolmo::llm {

// Bits appended LSB-first into bytes.
class BitWriter {
 public:
  void put(std::uint64_t value, std::size_t bits);
  void put_fp16(float x);  // writes the fp16 code of x (16 bits)
  void append_bytes(const Bytes& bytes);  // bit-aligned copy of whole bytes
  std::uint64_t bits() const { return bits_; }
  const Bytes& bytes() const { return bytes_; }

 private:
  Bytes bytes_;
  std::uint64_t bits_ = 0;
};

// x rounded to the nearest fp16 value (what a stored fp16 gives back).
float round_fp16(float x);

// Deterministic natural log / log2 for doubles > 0 (frexp + atanh series, fixed order, no libm),
// for anything an encoder's choices or a decoder's replay depend on.
double det_log(double x);
double det_log2(double x);

// Asymmetric (min/max) b-bit quantisation of `count` values at x[i * stride]: fp16 zero (min)
// and fp16 scale (max - min) / (2^b - 1) are written, then the codes. The reconstruction goes to
// out[i * stride]. Values marked in `skip` (when given, same stride) are quantised but may be
// anything; they do not widen the range.
void quantize_minmax(const float* x, std::size_t count, std::size_t stride, std::size_t bits,
                     BitWriter& out, float* recon, const std::uint8_t* skip = nullptr);

class BlockedKvStore : public KvStore {
 public:
  BlockedKvStore(const KvShape& shape, std::size_t block, std::size_t window);

  void append(const float* k, const float* v, std::size_t positions) final;
  std::size_t length() const final { return length_; }
  KvView view(std::size_t head, std::vector<float>&, std::vector<float>&) const override;
  std::uint64_t stored_bits() const final;
  Bytes serialize() const final;
  const KvShape& shape() const final { return shape_; }

  std::size_t compressed_tokens() const { return blocks_ * block_; }
  std::uint64_t payload_bits() const { return payload_.bits(); }

 protected:
  // Called once, before the first block, with everything appended so far (e.g. MILLION trains
  // its codebooks on the prompt here). raw_keys/raw_values of each head hold `tokens` rows.
  virtual void prepare(std::size_t /*tokens*/, BitWriter& /*out*/) {}
  // Compresses tokens [first, first + block) of one head: reads raw_keys(head)/raw_values(head),
  // writes its bits to `out` and the reconstruction into recon_keys(head)/recon_values(head).
  virtual void encode_block(std::size_t head, std::size_t first, BitWriter& out) = 0;

  const float* raw_keys(std::size_t head) const { return raw_[0][head].data(); }
  const float* raw_values(std::size_t head) const { return raw_[1][head].data(); }
  float* recon_keys(std::size_t head) { return recon_[0][head].data(); }
  float* recon_values(std::size_t head) { return recon_[1][head].data(); }
  const float* recon_keys(std::size_t head) const { return recon_[0][head].data(); }
  std::size_t block() const { return block_; }

  KvShape shape_;

 private:
  std::size_t block_, window_;
  std::size_t length_ = 0, blocks_ = 0;
  bool prepared_ = false;
  std::vector<std::vector<float>> raw_[2], recon_[2];  // [side][head]: [pos][dim]
  BitWriter payload_;
};

// Factories of the methods (parameters already validated by parse_kv_method).
std::unique_ptr<KvStore> make_kivi_store(const KvShape& shape, const KvMethod& m);
std::unique_ptr<KvStore> make_gear_store(const KvShape& shape, const KvMethod& m);
std::unique_ptr<KvStore> make_qjl_store(const KvShape& shape, const KvMethod& m);
std::unique_ptr<KvStore> make_million_store(const KvShape& shape, const KvMethod& m);
std::unique_ptr<KvStore> make_mustafar_store(const KvShape& shape, const KvMethod& m);
std::unique_ptr<KvStore> make_kolmo_store(const KvShape& shape, const KvMethod& m);
std::unique_ptr<KvStore> make_half_store(const KvShape& shape, bool bf16);
std::unique_ptr<KvStore> make_channel_int_store(const KvShape& shape, const KvMethod& m);

}  // namespace kolmo::llm
