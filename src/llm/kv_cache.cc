#include "llm/kv_cache.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "llm/float_convert.h"
#include "llm/kv_blocked.h"
#include "llm/kv_measure.h"

namespace kolmo::llm {
namespace {

// The reference cache: fp32 keys and values as attention computed them.
// Layout of serialize(): for each position, its keys then its values, kv_dim fp32 each
// ([head][dim]), little-endian.
class ExactStore final : public KvStore {
 public:
  explicit ExactStore(const KvShape& shape)
      : shape_(shape), keys_(shape.kv_heads), values_(shape.kv_heads) {}

  void append(const float* k, const float* v, std::size_t positions) override {
    const std::size_t hd = shape_.head_dim;
    for (std::size_t p = 0; p < positions; ++p) {
      for (std::size_t h = 0; h < shape_.kv_heads; ++h) {
        const float* kp = k + p * shape_.kv_dim() + h * hd;
        const float* vp = v + p * shape_.kv_dim() + h * hd;
        keys_[h].insert(keys_[h].end(), kp, kp + hd);
        values_[h].insert(values_[h].end(), vp, vp + hd);
      }
    }
    length_ += positions;
  }
  std::size_t length() const override { return length_; }
  KvView view(std::size_t head, std::vector<float>&, std::vector<float>&) const override {
    return {keys_[head].data(), values_[head].data(), length_};
  }
  std::uint64_t stored_bits() const override { return elements() * 32; }
  Bytes serialize() const override {
    ByteWriter out;
    const std::size_t hd = shape_.head_dim;
    for (std::size_t p = 0; p < length_; ++p) {
      for (const auto* side : {&keys_, &values_}) {
        for (std::size_t h = 0; h < shape_.kv_heads; ++h) {
          for (std::size_t i = 0; i < hd; ++i) out.u32(float_to_bits((*side)[h][p * hd + i]));
        }
      }
    }
    return out.take();
  }
  const KvShape& shape() const override { return shape_; }

 private:
  KvShape shape_;
  std::vector<std::vector<float>> keys_, values_;  // per head: [pos][dim]
  std::size_t length_ = 0;
};

// Symmetric integer codes per group of `group` consecutive elements of one head's vector, with
// one fp16 scale per group (absmax / (2^(bits-1) - 1)). int8 and int4 are this with bits 8 / 4.
// Layout of serialize(): for each position, keys then values; for each head, for each group: the
// fp16 scale (2 bytes LE), then the group's codes as unsigned (code + 2^(bits-1)), `bits` bits
// each, packed LSB-first into group*bits/8 bytes.
class GroupQuantStore final : public KvStore {
 public:
  GroupQuantStore(const KvShape& shape, std::size_t bits, std::size_t group)
      : shape_(shape), bits_(bits), group_(group), qmax_((1 << (bits - 1)) - 1),
        sides_{Side(shape.kv_heads), Side(shape.kv_heads)} {}

  void append(const float* k, const float* v, std::size_t positions) override {
    for (std::size_t p = 0; p < positions; ++p) {
      for (std::size_t h = 0; h < shape_.kv_heads; ++h) {
        const std::size_t offset = p * shape_.kv_dim() + h * shape_.head_dim;
        quantize_vector(k + offset, sides_[0][h]);
        quantize_vector(v + offset, sides_[1][h]);
      }
    }
    length_ += positions;
  }
  std::size_t length() const override { return length_; }
  KvView view(std::size_t head, std::vector<float>& key_scratch,
              std::vector<float>& value_scratch) const override {
    dequantize(sides_[0][head], key_scratch);
    dequantize(sides_[1][head], value_scratch);
    return {key_scratch.data(), value_scratch.data(), length_};
  }
  std::uint64_t stored_bits() const override {
    const std::uint64_t groups = elements() / group_;
    return groups * (16 + group_ * bits_);
  }
  Bytes serialize() const override {
    ByteWriter out;
    const std::size_t groups_per_head = shape_.head_dim / group_;
    const int offset = 1 << (bits_ - 1);
    for (std::size_t p = 0; p < length_; ++p) {
      for (const Side& side : sides_) {
        for (std::size_t h = 0; h < shape_.kv_heads; ++h) {
          const HeadCodes& head = side[h];
          for (std::size_t g = 0; g < groups_per_head; ++g) {
            out.u16(head.scales16[p * groups_per_head + g]);
            std::uint32_t acc = 0;
            std::size_t filled = 0;
            const std::int8_t* codes = head.codes.data() + p * shape_.head_dim + g * group_;
            for (std::size_t i = 0; i < group_; ++i) {
              acc |= static_cast<std::uint32_t>(codes[i] + offset) << filled;
              filled += bits_;
              while (filled >= 8) {
                out.u8(static_cast<std::uint8_t>(acc));
                acc >>= 8;
                filled -= 8;
              }
            }
          }
        }
      }
    }
    return out.take();
  }
  const KvShape& shape() const override { return shape_; }

 private:
  struct HeadCodes {
    std::vector<std::int8_t> codes;       // [pos][dim]
    std::vector<std::uint16_t> scales16;  // [pos][group], fp16 bits
  };
  using Side = std::vector<HeadCodes>;

  void quantize_vector(const float* x, HeadCodes& head) const {
    for (std::size_t g = 0; g < shape_.head_dim; g += group_) {
      float absmax = 0.0f;
      for (std::size_t i = 0; i < group_; ++i) absmax = std::max(absmax, std::fabs(x[g + i]));
      std::uint16_t scale16 = float_to_fp16(std::min(absmax / static_cast<float>(qmax_), 65504.0f));
      if (!(absmax > 0.0f)) scale16 = 0;  // zeros (or NaN input) code as zeros
      const float scale = fp16_to_float(scale16);
      head.scales16.push_back(scale16);
      for (std::size_t i = 0; i < group_; ++i) {
        long q = 0;
        if (scale > 0.0f) q = std::lrint(x[g + i] / scale);
        q = std::clamp<long>(q, -qmax_, qmax_);
        head.codes.push_back(static_cast<std::int8_t>(q));
      }
    }
  }

  void dequantize(const HeadCodes& head, std::vector<float>& out) const {
    out.resize(head.codes.size());
    for (std::size_t i = 0; i < head.codes.size(); ++i) {
      out[i] = static_cast<float>(head.codes[i]) * fp16_to_float(head.scales16[i / group_]);
    }
  }

  KvShape shape_;
  std::size_t bits_;
  std::size_t group_;
  int qmax_;
  Side sides_[2];  // keys, values; per head
  std::size_t length_ = 0;
};

Status parse_option(std::string_view option, KvMethod& method) {
  const std::size_t eq = option.find('=');
  if (eq == std::string_view::npos) {
    return invalid_argument("--kv option \"" + std::string(option) + "\" is not key=value");
  }
  const std::string_view key = option.substr(0, eq);
  std::string value(option.substr(eq + 1));
  // "bits=4.5": one decimal digit, kept in bits_tenths (only kolmo accepts it, checked later).
  if (key == "bits" && value.size() >= 3 && value[value.size() - 2] == '.' &&
      value.back() >= '0' && value.back() <= '9') {
    method.bits_tenths = static_cast<std::size_t>(value.back() - '0');
    value.resize(value.size() - 2);
  }
  char* end = nullptr;
  const unsigned long number = std::strtoul(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || number > 4096) {
    return invalid_argument("--kv option " + std::string(key) + ": bad number \"" + value + "\"");
  }
  if (key == "bits") {
    method.bits = number;
  } else if (key == "group") {
    method.group = number;
  } else if (key == "window") {
    method.window = number;
  } else if (key == "rank") {
    method.rank = number;
  } else if (key == "seed") {
    method.seed = number;
  } else {
    return invalid_argument("--kv: unknown option \"" + std::string(key) + "\"");
  }
  return ok_status();
}

// Defaults and checks of the compressed methods (bits = budget per element, metadata included;
// how each method spends it: docs/llm.md).
Expected<KvMethod> finish_compressed_method(KvMethod m, const KvShape& shape) {
  struct Defaults {
    const char* name;
    std::size_t group;
  };
  // kolmo's block: its fixed metadata per block and side (step, length, 19 bits per channel, and
  // the rANS blob's mode, 8 lane states and table, ~600 bits) is 0.11 bits per element at 256
  // tokens and head_dim 64 (0.45 at 64 tokens), and 0.38 at head_dim 8, where 64 tokens would
  // cost 1.5 bits of a 2-4 bit budget; a longer block leaves more recent tokens in the fp16 tail
  // (and none of a 256-token context compressed past 256).
  static constexpr Defaults kDefaults[] = {{"kivi", 32},    {"gear", 256},   {"qjl", 32},
                                           {"million", 1},  {"mustafar", 1}, {"kolmo", 256}};
  const Defaults* d = nullptr;
  for (const Defaults& candidate : kDefaults) {
    if (m.name == candidate.name) d = &candidate;
  }
  if (d == nullptr) return invalid_argument("--kv: unknown method \"" + m.name + "\"");
  if (m.bits == 0) m.bits = 3;
  if (m.bits < 2 || m.bits > 8 || (m.bits == 8 && m.bits_tenths != 0)) {
    return invalid_argument("--kv " + m.name + ": bits must be 2..8");
  }
  if (m.bits_tenths != 0 && m.name != "kolmo") {
    return invalid_argument("--kv " + m.name + ": bits must be a whole number");
  }
  const bool takes_group = m.name != "million" && m.name != "mustafar";
  if (m.group != 0 && !takes_group) return invalid_argument("--kv " + m.name + " takes no group");
  if (m.group == 0) m.group = d->group;
  if (m.window != 0 && m.name != "kivi") return invalid_argument("--kv: only kivi takes window");
  if (m.rank != 0 && m.name != "gear") return invalid_argument("--kv: only gear takes rank");
  if (m.seed != 0 && m.name != "qjl") return invalid_argument("--kv: only qjl takes seed");
  if (m.name == "kivi" && m.window == 0) m.window = 32;
  if (m.name == "gear" && m.rank == 0) m.rank = 1;
  if (m.name == "qjl" && m.seed == 0) m.seed = 1;
  if (m.name == "gear" && m.rank > shape.head_dim) return invalid_argument("--kv gear: rank above head_dim");
  if (m.name == "million" && shape.head_dim % 2 != 0) {
    return invalid_argument("--kv million: head_dim must be even");
  }
  if (shape.head_dim < 2) return invalid_argument("--kv: head_dim must be at least 2");
  return m;
}

}  // namespace

std::string KvMethod::describe() const {
  if (name == "exact" || name == "fp16" || name == "bf16") return name;
  std::string s = name + ":bits=" + std::to_string(bits);
  if (bits_tenths != 0) {
    s += '.';
    s += std::to_string(bits_tenths);
  }
  if (name != "mustafar" && name != "million") s += ",group=" + std::to_string(group);
  if (name == "kivi") s += ",window=" + std::to_string(window);
  if (name == "gear") s += ",rank=" + std::to_string(rank);
  if (name == "qjl") s += ",seed=" + std::to_string(seed);
  return s;
}

std::unique_ptr<KvStore> KvMethod::make_store(const KvShape& shape) const {
  if (stats) {
    KvMethod plain = *this;
    plain.stats.reset();
    return make_measuring_store(plain.make_store(shape), shape, stats);
  }
  if (name == "exact") return std::make_unique<ExactStore>(shape);
  if (name == "fp16" || name == "bf16") return make_half_store(shape, name == "bf16");
  if (name == "int8c" || name == "int4c") return make_channel_int_store(shape, *this);
  if (name == "kivi") return make_kivi_store(shape, *this);
  if (name == "gear") return make_gear_store(shape, *this);
  if (name == "qjl") return make_qjl_store(shape, *this);
  if (name == "million") return make_million_store(shape, *this);
  if (name == "mustafar") return make_mustafar_store(shape, *this);
  if (name == "kolmo") return make_kolmo_store(shape, *this);
  return std::make_unique<GroupQuantStore>(shape, bits, group);
}

Expected<KvMethod> parse_kv_method(std::string_view spec, const KvShape& shape) {
  KvMethod method;
  const std::size_t colon = spec.find(':');
  method.name = std::string(spec.substr(0, colon));
  if (colon != std::string_view::npos) {
    std::string_view rest = spec.substr(colon + 1);
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      KOLMO_RETURN_IF_ERROR(parse_option(rest.substr(0, comma), method));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  const bool simple = method.name == "exact" || method.name == "int8" || method.name == "int4" ||
                      method.name == "fp16" || method.name == "bf16" || method.name == "int8c" ||
                      method.name == "int4c";
  if (simple && method.bits_tenths != 0) {
    return invalid_argument("--kv " + method.name + ": bits must be a whole number");
  }
  if (simple && (method.window != 0 || method.rank != 0 || method.seed != 0)) {
    return invalid_argument("--kv " + method.name + " takes only bits and group");
  }
  if (method.name == "fp16" || method.name == "bf16") {
    if (method.bits != 0 || method.group != 0) return invalid_argument("--kv " + method.name + " takes no options");
    return method;
  }
  if (method.name == "int8c" || method.name == "int4c") {
    if (method.bits == 0) method.bits = method.name == "int8c" ? 8 : 4;
    if (method.group == 0) method.group = method.name == "int8c" ? 64 : 32;
    if (method.bits < 2 || method.bits > 8) return invalid_argument("--kv: bits must be 2..8");
    return method;
  }
  if (method.name == "exact") {
    if (method.bits != 0 || method.group != 0) return invalid_argument("--kv exact takes no options");
    return method;
  }
  if (method.name == "int8" || method.name == "int4") {
    const std::size_t default_bits = method.name == "int8" ? 8 : 4;
    if (method.bits == 0) method.bits = default_bits;
    if (method.group == 0) method.group = method.name == "int8" ? shape.head_dim : std::min<std::size_t>(32, shape.head_dim);
    if (method.bits < 2 || method.bits > 8) return invalid_argument("--kv: bits must be 2..8");
    if (method.group == 0 || shape.head_dim % method.group != 0) {
      return invalid_argument("--kv: group must divide head_dim " + std::to_string(shape.head_dim));
    }
    if ((method.group * method.bits) % 8 != 0) {
      return invalid_argument("--kv: group x bits must be a whole number of bytes");
    }
    return method;
  }
  return finish_compressed_method(method, shape);
}

Expected<std::vector<KvMethod>> parse_kv_methods(std::string_view spec, const KvShape& shape) {
  std::vector<std::string> pieces;
  while (!spec.empty()) {
    const std::size_t comma = spec.find(',');
    const std::string piece(spec.substr(0, comma));
    const bool option = piece.find('=') != std::string::npos && piece.find(':') == std::string::npos;
    if (option && !pieces.empty()) {
      pieces.back() += (pieces.back().find(':') == std::string::npos ? ":" : ",") + piece;
    } else {
      pieces.push_back(piece);
    }
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
  }
  if (pieces.empty()) return invalid_argument("--kv: no method");
  std::vector<KvMethod> methods;
  for (const std::string& piece : pieces) {
    Expected<KvMethod> m = parse_kv_method(piece, shape);
    if (!m.ok()) return m.status();
    methods.push_back(*m);
  }
  return methods;
}

}  // namespace kolmo::llm
