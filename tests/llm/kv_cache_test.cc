// KV-cache methods: reconstruction quality, and the stored-bits accounting checked against the
// serialised cache, which the test decodes independently to prove it holds what attention used.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "llm/float_convert.h"
#include "llm/kv_cache.h"

namespace kolmo::llm {
namespace {

constexpr KvShape kShape{3, 16};

std::vector<float> random_rows(std::size_t positions, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 2.0f);
  std::vector<float> v(positions * kShape.kv_dim());
  for (float& x : v) x = dist(rng);
  // An all-zero head vector and an outlier exercise the scale edge cases.
  std::fill(v.begin(), v.begin() + kShape.head_dim, 0.0f);
  v[kShape.kv_dim() + 1] = 300.0f;
  return v;
}

KvMethod method(const char* spec) {
  Expected<KvMethod> m = parse_kv_method(spec, kShape);
  EXPECT_TRUE(m.ok()) << spec << ": " << m.status().to_string();
  return *m;
}

// Decodes serialize() of a group-quantised store (layout in docs/llm.md) into [pos][kv_dim] rows.
void decode_group_quant(const Bytes& bytes, std::size_t positions, std::size_t bits,
                        std::size_t group, std::vector<float>& keys, std::vector<float>& values) {
  keys.assign(positions * kShape.kv_dim(), 0.0f);
  values = keys;
  std::size_t at = 0;
  for (std::size_t p = 0; p < positions; ++p) {
    for (std::vector<float>* side : {&keys, &values}) {
      for (std::size_t g = 0; g < kShape.kv_dim() / group; ++g) {
        const float scale = fp16_to_float(static_cast<std::uint16_t>(bytes[at] | (bytes[at + 1] << 8)));
        at += 2;
        for (std::size_t i = 0; i < group; ++i) {
          std::uint32_t code = 0;
          for (std::size_t b = 0; b < bits; ++b) {
            const std::size_t bit = i * bits + b;
            code |= ((bytes[at + bit / 8] >> (bit % 8)) & 1u) << b;
          }
          const int q = static_cast<int>(code) - (1 << (bits - 1));
          (*side)[p * kShape.kv_dim() + g * group + i] = static_cast<float>(q) * scale;
        }
        at += group * bits / 8;
      }
    }
  }
  ASSERT_EQ(at, bytes.size());
}

std::vector<float> viewed_rows(const KvStore& store, bool keys) {
  std::vector<float> rows(store.length() * kShape.kv_dim());
  std::vector<float> ks, vs;
  for (std::size_t h = 0; h < kShape.kv_heads; ++h) {
    const KvView view = store.view(h, ks, vs);
    for (std::size_t p = 0; p < store.length(); ++p) {
      std::memcpy(&rows[p * kShape.kv_dim() + h * kShape.head_dim],
                  (keys ? view.keys : view.values) + p * kShape.head_dim,
                  kShape.head_dim * sizeof(float));
    }
  }
  return rows;
}

TEST(LlmKvCacheTest, ExactStoreReturnsInputAndCounts32BitsPerElement) {
  auto store = method("exact").make_store(kShape);
  const auto k = random_rows(5, 1), v = random_rows(5, 2);
  store->append(k.data(), v.data(), 2);
  store->append(k.data() + 2 * kShape.kv_dim(), v.data() + 2 * kShape.kv_dim(), 3);
  EXPECT_EQ(viewed_rows(*store, true), k);
  EXPECT_EQ(viewed_rows(*store, false), v);
  EXPECT_EQ(store->elements(), 5u * 48 * 2);
  EXPECT_EQ(store->stored_bits(), 8 * store->serialize().size());
  EXPECT_EQ(store->stored_bits(), store->elements() * 32);
}

TEST(LlmKvCacheTest, GroupQuantStoredBitsEqualSerializedBytesAndDecodeToTheView) {
  for (const char* spec : {"int8", "int4", "int8:group=8", "int4:group=16", "int4:bits=3,group=8",
                           "int8:bits=6,group=4", "int4:bits=2,group=16"}) {
    const KvMethod m = method(spec);
    auto store = m.make_store(kShape);
    const auto k = random_rows(7, 3), v = random_rows(7, 4);
    store->append(k.data(), v.data(), 4);
    store->append(k.data() + 4 * kShape.kv_dim(), v.data() + 4 * kShape.kv_dim(), 3);
    const Bytes bytes = store->serialize();
    EXPECT_EQ(store->stored_bits(), 8 * bytes.size()) << spec;
    // Independent count: one fp16 scale and `group` codes of `bits` bits per group.
    const std::size_t groups = 7 * kShape.kv_dim() * 2 / m.group;
    EXPECT_EQ(bytes.size(), groups * (2 + m.group * m.bits / 8)) << spec;
    std::vector<float> keys, values;
    decode_group_quant(bytes, 7, m.bits, m.group, keys, values);
    EXPECT_EQ(keys, viewed_rows(*store, true)) << spec;
    EXPECT_EQ(values, viewed_rows(*store, false)) << spec;
    // Reconstruction error within half a step (plus fp16 rounding of the scale) per group.
    const float qmax = static_cast<float>((1 << (m.bits - 1)) - 1);
    for (std::size_t i = 0; i < k.size(); i += m.group) {
      float absmax = 0.0f;
      for (std::size_t j = 0; j < m.group; ++j) absmax = std::max(absmax, std::fabs(k[i + j]));
      for (std::size_t j = 0; j < m.group; ++j) {
        EXPECT_LE(std::fabs(keys[i + j] - k[i + j]), absmax / qmax * 0.51f + 1e-6f) << spec;
      }
    }
  }
}

TEST(LlmKvCacheTest, ParsesMethodsAndRejectsBadOptions) {
  EXPECT_EQ(method("int8").bits, 8u);
  EXPECT_EQ(method("int8").group, 16u);
  EXPECT_EQ(method("int4").group, 16u);  // min(32, head_dim)
  EXPECT_EQ(parse_kv_method("int4:group=5", kShape).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse_kv_method("int4:bits=9", kShape).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse_kv_method("int4:bits=3,group=2", kShape).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(parse_kv_method("int4:colour=red", kShape).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse_kv_method("int4:group", kShape).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse_kv_method("exact:bits=4", kShape).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse_kv_method("zip", kShape).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(parse_kv_method("kivi:bits=2", kShape).ok());
}

TEST(LlmKvCacheTest, Fp16RoundTripsAndRoundsToNearestEven) {
  for (const float x : {0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.9604645e-08f}) {
    EXPECT_EQ(fp16_to_float(float_to_fp16(x)), x);
  }
  EXPECT_EQ(float_to_fp16(1.0f + 1.0f / 2048), float_to_fp16(1.0f));  // tie to even
  EXPECT_EQ(fp16_to_float(float_to_fp16(1.0f + 3.0f / 2048)), 1.0f + 4.0f / 2048);
  EXPECT_EQ(float_to_fp16(1e6f), 0x7C00);
  EXPECT_EQ(float_to_fp16(2e-8f), 0);
}

}  // namespace
}  // namespace kolmo::llm
