// The tensor codec (docs/tensor.md): exact round trips of every bit pattern for each dtype and
// mode, the ratio promises (o0 within 0.3% of the order-0 bound, df11 just above it, max below
// it on data with structure), clean failures on damaged input, and the shared model weights.
#include "codecs/tensor/tensor_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "codec_test_support.h"
#include "codecs/tensor/tensor_format.h"
#include "codecs/tensor/tensor_stats.h"
#include "kolmo/codec.h"
#include "test_data.h"

namespace kolmo {
namespace {

using tensor::Dtype;
using tensor::Mode;

const CodecInfo& codec() {
  static const CodecInfo info = tensor_codec_info();
  return info;
}

std::string spec_for(Dtype d, Mode m) {
  return "dtype=" + std::string(tensor::dtype_name(d)) +
         ",mode=" + std::string(tensor::mode_name(m));
}

EncodedBlock encode(ByteSpan input, const std::string& options) {
  return codec_test::encode_with(codec(), input, 0, options);
}

Status decode(const EncodedBlock& block, Bytes& out, DecodeLimits limits = {}) {
  return codec_test::decode_with(codec(), block, out, limits);
}

// An approximately Gaussian integer (Irwin-Hall: sum of four uniforms), turned into a float by an
// exact int -> float conversion and a power-of-two scale: no libm, same bits everywhere.
float gaussian_like(std::mt19937& rng, float scale) {
  std::int64_t sum = 0;
  for (int i = 0; i < 4; ++i) sum += static_cast<std::int64_t>(rng() >> 12) - (1 << 19);
  return static_cast<float>(sum) * scale;
}

std::uint32_t float_bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

void append_element(Bytes& out, Dtype d, float f) {
  const std::uint32_t u = float_bits(f);
  if (d == Dtype::kFp32) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(u >> (8 * i)));
    return;
  }
  std::uint16_t h;
  if (d == Dtype::kBf16) {
    h = static_cast<std::uint16_t>(u >> 16);  // truncation: any bf16 pattern will do
  } else {
    // fp16 from the float's exponent and top mantissa bits; out-of-range exponents saturate.
    const int e = static_cast<int>((u >> 23) & 0xff) - 127 + 15;
    const std::uint32_t sign = (u >> 16) & 0x8000;
    const std::uint32_t e5 = e <= 0 ? 0 : (e >= 31 ? 30 : static_cast<std::uint32_t>(e));
    h = static_cast<std::uint16_t>(sign | (e5 << 10) | ((u >> 13) & 0x3ff));
  }
  out.push_back(static_cast<std::uint8_t>(h));
  out.push_back(static_cast<std::uint8_t>(h >> 8));
}

// n weights of standard deviation ~2^-6 (typical of trained layers).
Bytes generated_weights(Dtype d, std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out;
  for (std::size_t i = 0; i < n; ++i) append_element(out, d, gaussian_like(rng, 0x1p-26f));
  return out;
}

// Rows of 64 weights, each row with its own power-of-two scale: the previous exponent predicts
// the next one far better than the order-0 distribution does.
Bytes correlated_weights(Dtype d, std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out;
  float scale = 0x1p-26f;
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 64 == 0) scale = 0x1p-30f * static_cast<float>(1u << (rng() % 12));
    append_element(out, d, gaussian_like(rng, scale));
  }
  return out;
}

// Every special bit pattern of the dtype: NaNs with several payloads, +-Inf, +-0, subnormals,
// the largest and smallest normals.
Bytes special_values(Dtype d) {
  Bytes out;
  auto put = [&](std::uint32_t bits) {
    const int w = tensor::element_bytes(d);
    for (int i = 0; i < w; ++i) out.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
  };
  if (d == Dtype::kFp32) {
    for (std::uint32_t v :
         {0x7fc00000u, 0x7f800001u, 0xffc12345u, 0x7fbfffffu, 0x7f800000u, 0xff800000u, 0x00000000u,
          0x80000000u, 0x00000001u, 0x807fffffu, 0x7f7fffffu, 0x00800000u}) {
      put(v);
    }
  } else if (d == Dtype::kBf16) {
    for (std::uint32_t v : {0x7fc0u, 0x7f81u, 0xffc1u, 0x7fffu, 0x7f80u, 0xff80u, 0x0000u, 0x8000u,
                            0x0001u, 0x807fu, 0x7f7fu, 0x0080u}) {
      put(v);
    }
  } else {
    for (std::uint32_t v : {0x7e00u, 0x7c01u, 0xfe55u, 0x7fffu, 0x7c00u, 0xfc00u, 0x0000u, 0x8000u,
                            0x0001u, 0x83ffu, 0x7bffu, 0x0400u}) {
      put(v);
    }
  }
  return out;
}

constexpr Dtype kDtypes[] = {Dtype::kBf16, Dtype::kFp16, Dtype::kFp32};
constexpr Mode kModes[] = {Mode::kO0, Mode::kDf11, Mode::kMax};

void expect_round_trip(const Bytes& in, const std::string& options) {
  const EncodedBlock block = encode(in, options);
  Bytes out(in.size());
  const Status s = decode(block, out);
  ASSERT_TRUE(s.ok()) << options << " size " << in.size() << ": " << s.to_string();
  ASSERT_EQ(out, in) << options << " size " << in.size();
}

TEST(TensorCodec, RoundTripsEveryDtypeAndModeOnWeightsAndSpecialValues) {
  for (const Dtype d : kDtypes) {
    for (const Mode m : kModes) {
      const std::string options = spec_for(d, m);
      Bytes weights = generated_weights(d, 20000, 7);
      const Bytes specials = special_values(d);
      // Specials scattered through the weights and at both ends.
      weights.insert(weights.begin(), specials.begin(), specials.end());
      weights.insert(weights.begin() + 1000 * tensor::element_bytes(d), specials.begin(),
                     specials.end());
      weights.insert(weights.end(), specials.begin(), specials.end());
      expect_round_trip(weights, options);
      expect_round_trip(specials, options);
      expect_round_trip({}, options);
      const int w = tensor::element_bytes(d);
      expect_round_trip(Bytes(specials.begin(), specials.begin() + w), options);  // 1 element
      for (int tail = 1; tail < w; ++tail) {  // odd lengths: a trailing partial element
        Bytes odd(weights.begin(), weights.begin() + 101 * w + tail);
        expect_round_trip(odd, options);
        expect_round_trip(Bytes(weights.begin(), weights.begin() + tail), options);
      }
    }
  }
}

TEST(TensorCodec, RoundTripsEveryBf16AndFp16BitPattern) {
  Bytes all;
  for (std::uint32_t v = 0; v < 65536; ++v) {
    all.push_back(static_cast<std::uint8_t>(v));
    all.push_back(static_cast<std::uint8_t>(v >> 8));
  }
  for (const Dtype d : {Dtype::kBf16, Dtype::kFp16}) {
    for (const Mode m : kModes) expect_round_trip(all, spec_for(d, m));
  }
}

TEST(TensorCodec, MaxModeOptionsRoundTrip) {
  const Bytes in = correlated_weights(Dtype::kFp32, 5000, 3);
  for (int order1 = 0; order1 <= 1; ++order1) {
    for (int mbits = 0; mbits <= tensor::kMaxMantissaBitsLimit; ++mbits) {
      expect_round_trip(in, "dtype=fp32,mode=max,order1=" + std::to_string(order1) +
                                ",mbits=" + std::to_string(mbits));
    }
  }
}

TEST(TensorCodec, SpecsAndOptions) {
  auto enc = make_encoder("tensor:dtype=fp16,mode=df11", 0);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ((*enc)->spec(), "tensor:dtype=fp16,mode=df11");
  EXPECT_EQ((*enc)->preferred_block_size() % 4, 0u);
  EXPECT_LE((*enc)->preferred_block_size(), std::uint64_t{1} << 30);
  auto def = make_encoder("tensor", 0);
  ASSERT_TRUE(def.ok());
  EXPECT_EQ((*def)->spec(), "tensor:dtype=bf16,mode=o0");
  for (const char* bad : {"tensor:dtype=fp8", "tensor:mode=o1", "tensor:bf16", "tensor:mbits=2",
                          "tensor:mode=max,mbits=4", "tensor:mode=max,order1=2", "tensor:x=1"}) {
    EXPECT_EQ(make_encoder(bad, 0).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

struct Sizes {
  double compressed = 0;
  double bound = 0;
};

Sizes measure(const Bytes& in, Dtype d, Mode m) {
  const EncodedBlock block = encode(in, spec_for(d, m));
  Bytes out(in.size());
  EXPECT_TRUE(decode(block, out).ok());
  EXPECT_EQ(out, in);
  return {static_cast<double>(block.payload.size() + block.params.size()),
          tensor::order0_exponent_entropy(in, d).bound_bytes};
}

TEST(TensorCodec, O0IsWithinAThirdOfAPercentOfTheOrder0Bound) {
  const Bytes in = generated_weights(Dtype::kBf16, 1 << 20, 11);
  const Sizes s = measure(in, Dtype::kBf16, Mode::kO0);
  std::printf("o0: %.0f bytes, bound %.0f (%.4f%% over)\n", s.compressed, s.bound,
              100 * (s.compressed / s.bound - 1));
  EXPECT_LE(s.compressed, s.bound * 1.003);
  EXPECT_GE(s.compressed, s.bound * 0.999);  // order 0 cannot beat its own bound
}

TEST(TensorCodec, Df11IsAboveTheBoundButClose) {
  const Bytes in = generated_weights(Dtype::kBf16, 1 << 20, 12);
  const Sizes s = measure(in, Dtype::kBf16, Mode::kDf11);
  std::printf("df11: %.0f bytes, bound %.0f (%.3f%% over)\n", s.compressed, s.bound,
              100 * (s.compressed / s.bound - 1));
  EXPECT_GT(s.compressed, s.bound);
  EXPECT_LT(s.compressed, s.bound * 1.04);
}

TEST(TensorCodec, MaxGoesBelowTheBoundWhenExponentsAreCorrelated) {
  for (const Dtype d : kDtypes) {
    const Bytes in = correlated_weights(d, 1 << 18, 13);
    const Sizes o0 = measure(in, d, Mode::kO0);
    const Sizes max = measure(in, d, Mode::kMax);
    std::printf("%s: o0 %.0f, max %.0f, bound %.0f\n", std::string(tensor::dtype_name(d)).c_str(),
                o0.compressed, max.compressed, max.bound);
    // Knowing the row's scale from the previous exponent saves well over half a bit per element.
    EXPECT_LT(max.compressed, max.bound - (1 << 18) * 0.5 / 8) << tensor::dtype_name(d);
  }
}

TEST(TensorCodec, Order0EntropyOfAKnownDistribution) {
  Bytes in;
  for (int i = 0; i < 1000; ++i) append_element(in, Dtype::kBf16, i % 2 ? 1.5f : 0.75f);
  in.push_back(0x42);  // a partial element counts as raw bytes
  const tensor::ExponentEntropy e = tensor::order0_exponent_entropy(in, Dtype::kBf16);
  EXPECT_EQ(e.elements, 1000u);
  EXPECT_DOUBLE_EQ(e.bits_per_element, 1.0);
  EXPECT_DOUBLE_EQ(e.bound_bytes, 1000 * 9.0 / 8 + 1);
  Bytes fp16;
  for (int i = 0; i < 4; ++i) append_element(fp16, Dtype::kFp16, static_cast<float>(1 << i));
  EXPECT_DOUBLE_EQ(tensor::order0_exponent_entropy(fp16, Dtype::kFp16).bits_per_element, 2.0);
}

TEST(TensorCodec, BadParametersAreCorruptData) {
  const Bytes in = generated_weights(Dtype::kBf16, 100, 1);
  Bytes out(in.size());
  const EncodedBlock good = encode(in, "mode=df11");
  const Bytes bad_params[] = {
      {},           {1, 0},          {2, 0, 0},       {1, 3, 0}, {1, 0, 3},    {1, 0, 0, 0},
      {1, 0, 1, 3}, {1, 0, 1, 4, 8}, {1, 0, 1, 3, 7}, {1, 0, 2}, {1, 0, 2, 8}, {1, 0, 2, 1, 0}};
  for (const Bytes& p : bad_params) {
    EXPECT_EQ(codec().decode(p, good.payload, out, {}).code(), StatusCode::kCorruptData);
  }
}

TEST(TensorCodec, TruncatedOrExtendedPayloadsFailCleanly) {
  for (const Dtype d : kDtypes) {
    for (const Mode m : kModes) {
      const Bytes in = generated_weights(d, 3000, 5);
      const EncodedBlock block = encode(in, spec_for(d, m));
      Bytes out(in.size());
      for (const std::size_t cut : {std::size_t{1}, std::size_t{7}, block.payload.size() / 2}) {
        EncodedBlock shorter = block;
        shorter.payload.resize(block.payload.size() - cut);
        EXPECT_FALSE(decode(shorter, out).ok()) << spec_for(d, m) << " cut " << cut;
      }
      EncodedBlock longer = block;
      longer.payload.push_back(0);
      EXPECT_FALSE(decode(longer, out).ok()) << spec_for(d, m);
      Bytes wrong_size(in.size() + tensor::element_bytes(d));
      EXPECT_FALSE(decode(block, wrong_size).ok()) << spec_for(d, m);
    }
  }
}

TEST(TensorCodec, DamagedPayloadsNeverCrash) {
  // Every byte flipped in turn: the decoder fails or returns wrong bytes (the container's
  // checksum catches those), but never reads or writes out of bounds (ASan run).
  for (const Dtype d : kDtypes) {
    for (const Mode m : kModes) {
      const Bytes in = generated_weights(d, 300, 9);
      const EncodedBlock block = encode(in, spec_for(d, m));
      Bytes out(in.size());
      for (std::size_t i = 0; i < block.payload.size(); ++i) {
        EncodedBlock damaged = block;
        damaged.payload[i] ^= static_cast<std::uint8_t>(1 + i % 255);
        (void)decode(damaged, out);
      }
    }
  }
}

TEST(TensorCodec, Df11GpuArraysAreChecked) {
  const Bytes in = generated_weights(Dtype::kBf16, 100000, 21);
  const EncodedBlock block = encode(in, "mode=df11");
  Bytes out(in.size());
  ASSERT_TRUE(decode(block, out).ok());
  // The raw bytes are the last 100000 bytes; the block starts (u32) and gaps come before them.
  // Damage the final block-start entry (the element count) and a gap byte.
  const std::size_t raw_at = block.payload.size() - 100000;
  for (const std::size_t pos : {raw_at - 1, raw_at - 20}) {
    EncodedBlock damaged = block;
    damaged.payload[pos] ^= 0x01;
    EXPECT_EQ(decode(damaged, out).code(), StatusCode::kCorruptData) << pos;
  }
}

TEST(TensorCodec, RefusesToDecodeOverTheMemoryLimit) {
  for (const Mode m : kModes) {
    const Bytes in = generated_weights(Dtype::kBf16, 100, 2);
    const EncodedBlock block = encode(in, spec_for(Dtype::kBf16, m));
    Bytes out(in.size());
    DecodeLimits tiny;
    tiny.memory_bytes = 1024;
    EXPECT_EQ(decode(block, out, tiny).code(), StatusCode::kLimitExceeded);
  }
}

// The four bf16 shards of kolmo-lm-24m: the safetensors header is skipped here (8-byte LE
// length N, data from 8 + N; every tensor is BF16), the data sections concatenated.
Bytes shared_model_weights(const std::filesystem::path& data) {
  Bytes all;
  for (int shard = 1; shard <= 4; ++shard) {
    const auto path = data / "models" / "kolmo-lm-24m" /
                      ("model-0000" + std::to_string(shard) + "-of-00004.safetensors");
    const Bytes file = testing::read_file(path);
    if (file.size() < 8) return {};
    const std::uint64_t header = load_le64(file.data());
    if (header > file.size() - 8) return {};
    all.insert(all.end(), file.begin() + static_cast<std::ptrdiff_t>(8 + header), file.end());
  }
  return all;
}

TEST(TensorCodecSharedData, ModelWeightsAgainstTheOrder0Bound) {
  KOLMO_REQUIRE_DATA(data);
  const Bytes weights = shared_model_weights(data);
  if (weights.empty()) GTEST_SKIP() << "kolmo-lm-24m shards not found";
  const tensor::ExponentEntropy e = tensor::order0_exponent_entropy(weights, Dtype::kBf16);
  const double bound = e.bound_bytes;
  std::printf("kolmo-lm-24m: %zu bytes, exponent H0 %.4f bits, bound %.3f%%\n", weights.size(),
              e.bits_per_element, 100 * bound / static_cast<double>(weights.size()));
  EXPECT_NEAR(e.bits_per_element, 2.612, 0.01);
  double sizes[3] = {};
  for (const Mode m : kModes) {
    // One block per 16 MiB, as the container would cut it; the sizes add up.
    auto enc = codec().make_encoder(spec_for(Dtype::kBf16, m), 0);
    ASSERT_TRUE(enc.ok());
    const std::size_t block_size = (*enc)->preferred_block_size();
    double total = 0;
    for (std::size_t at = 0; at < weights.size(); at += block_size) {
      const ByteSpan in = ByteSpan(weights).subspan(at, std::min(block_size, weights.size() - at));
      EncodedBlock block;
      ASSERT_TRUE((*enc)->encode_block(in, block).ok());
      Bytes out(in.size());
      ASSERT_TRUE(decode(block, out).ok());
      ASSERT_TRUE(std::equal(out.begin(), out.end(), in.begin())) << tensor::mode_name(m);
      total += static_cast<double>(block.payload.size() + block.params.size());
    }
    sizes[static_cast<int>(m)] = total;
    std::printf("  %-4s %.3f%% of bf16 (%.4f x bound)\n", std::string(tensor::mode_name(m)).c_str(),
                100 * total / static_cast<double>(weights.size()), total / bound);
  }
  EXPECT_LE(sizes[static_cast<int>(Mode::kO0)], bound * 1.003);
  EXPECT_LT(sizes[static_cast<int>(Mode::kMax)], bound);
  EXPECT_GT(sizes[static_cast<int>(Mode::kDf11)], bound);
}

}  // namespace
}  // namespace kolmo
