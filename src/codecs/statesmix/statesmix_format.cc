#include "codecs/statesmix/statesmix_format.h"

#include <bit>

#include "codecs/statesmix/context_models.h"

namespace kolmo::statesmix {
namespace {

class BitWriter {
 public:
  void put(std::uint32_t bit) {
    cur_ |= static_cast<std::uint8_t>(bit << fill_);
    if (++fill_ == 8) flush();
  }
  Bytes finish() {
    if (fill_) flush();
    return std::move(out_);
  }

 private:
  void flush() {
    out_.push_back(cur_);
    cur_ = 0;
    fill_ = 0;
  }
  Bytes out_;
  std::uint8_t cur_ = 0;
  int fill_ = 0;
};

class BitReader {
 public:
  explicit BitReader(ByteSpan in) : in_(in) {}
  // Returns false past the end.
  bool get(std::uint32_t& bit) {
    if (pos_ >= in_.size() * 8) return false;
    bit = (in_[pos_ >> 3] >> (pos_ & 7)) & 1;
    ++pos_;
    return true;
  }

 private:
  ByteSpan in_;
  std::size_t pos_ = 0;
};

std::uint64_t rice_bits(const std::vector<std::uint32_t>& ids, std::uint32_t k) {
  std::uint64_t bits = 0;
  std::int64_t prev = -1;
  for (std::uint32_t id : ids) {
    const std::uint64_t gap = static_cast<std::uint64_t>(id - prev - 1);
    bits += (gap >> k) + 1 + k;
    prev = id;
  }
  return bits;
}

}  // namespace

Bytes serialize_params(const Params& p) {
  ByteWriter w;
  w.u8(kParamsVersion);
  w.u64(p.tokenizer_hash);
  w.u8(static_cast<std::uint8_t>(p.table_bits));
  return w.take();
}

Expected<Params> parse_params(ByteSpan bytes) {
  if (bytes.size() != kParamsSize) {
    return corrupt_data("statesmix params must be " + std::to_string(kParamsSize) + " bytes, got " +
                        std::to_string(bytes.size()));
  }
  ByteReader r(bytes);
  const std::uint8_t version = r.u8();
  Params p;
  p.tokenizer_hash = r.u64();
  p.table_bits = r.u8();
  if (version != kParamsVersion) {
    return unsupported("statesmix params version " + std::to_string(version) + " is unknown");
  }
  if (p.table_bits < kMinTableBits || p.table_bits > kMaxTableBits) {
    return corrupt_data("statesmix table size 2^" + std::to_string(p.table_bits) +
                        " is outside the format's range");
  }
  return p;
}

std::uint32_t table_bits_for(std::uint64_t n_tokens) {
  const std::uint32_t bits = static_cast<std::uint32_t>(std::bit_width(2 * n_tokens));
  return bits < kMinTableBits ? kMinTableBits : (bits > 22 ? 22 : bits);
}

void write_vocabulary(const std::vector<std::uint32_t>& ids, ByteWriter& out) {
  std::uint32_t best_k = 0;
  for (std::uint32_t k = 1; k <= kMaxRiceK; ++k) {
    if (rice_bits(ids, k) < rice_bits(ids, best_k)) best_k = k;
  }
  BitWriter bits;
  std::int64_t prev = -1;
  for (std::uint32_t id : ids) {
    const std::uint64_t gap = static_cast<std::uint64_t>(id - prev - 1);
    for (std::uint64_t q = gap >> best_k; q > 0; --q) bits.put(1);
    bits.put(0);
    for (std::uint32_t b = 0; b < best_k; ++b) bits.put((gap >> b) & 1);
    prev = id;
  }
  const Bytes coded = bits.finish();
  out.u8(static_cast<std::uint8_t>(best_k));
  out.varint(coded.size());
  out.bytes(coded);
}

Expected<std::vector<std::uint32_t>> read_vocabulary(ByteReader& in, std::uint32_t ve,
                                                     std::uint32_t vocab_size) {
  const std::uint32_t k = in.u8();
  const std::uint64_t len = in.varint_at_most(in.remaining(), "statesmix vocabulary length");
  const ByteSpan coded = in.bytes(static_cast<std::size_t>(len));
  if (!in.ok()) return in.status();
  if (k > kMaxRiceK) return corrupt_data("statesmix vocabulary Rice parameter out of range");
  BitReader bits(coded);
  std::vector<std::uint32_t> ids;
  ids.reserve(ve);
  std::int64_t prev = -1;
  for (std::uint32_t i = 0; i < ve; ++i) {
    std::uint64_t q = 0;
    std::uint32_t bit = 0;
    for (;;) {
      if (!bits.get(bit)) return corrupt_data("statesmix vocabulary truncated");
      if (bit == 0) break;
      if (++q > vocab_size) return corrupt_data("statesmix vocabulary gap too large");
    }
    std::uint64_t gap = q << k;
    for (std::uint32_t b = 0; b < k; ++b) {
      if (!bits.get(bit)) return corrupt_data("statesmix vocabulary truncated");
      gap |= std::uint64_t{bit} << b;
    }
    const std::uint64_t id = static_cast<std::uint64_t>(prev + 1) + gap;
    if (id >= vocab_size) return corrupt_data("statesmix vocabulary id out of range");
    ids.push_back(static_cast<std::uint32_t>(id));
    prev = static_cast<std::int64_t>(id);
  }
  return ids;
}

}  // namespace kolmo::statesmix
