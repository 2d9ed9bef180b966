// The df11 GPU decoder without a GPU: the kernel's per-thread functions
// (codecs/tensor/cuda/df11_thread_decode.h) driven on the CPU exactly as the kernel drives them
// (phase 1 counts per thread, block-wide exclusive prefix sum, consistency checks, phase 2 into a
// per-block symbol buffer, element writes), compared with the CPU decoder on generated blocks of
// every dtype: special values, partial trailing elements, one-symbol codes and codes of 32 bits.
// Also the host-side block checks and code table (df11_gpu_plan.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "codecs/tensor/cuda/df11_emulate.h"
#include "codecs/tensor/cuda/df11_gpu_plan.h"
#include "codecs/tensor/cuda/df11_thread_decode.h"
#include "codecs/tensor/tensor_bits.h"
#include "codecs/tensor/tensor_codec.h"
#include "codecs/tensor/tensor_df11_aux.h"
#include "codecs/tensor/tensor_layout.h"
#include "entropy/huffman_code.h"
#include "entropy/huffman_encode.h"
#include "kolmo/codec.h"
#include "test_data.h"

namespace kolmo {
namespace {

using tensor::Dtype;
namespace gpu = tensor::gpu;

const CodecInfo& codec() {
  static const CodecInfo info = tensor_codec_info();
  return info;
}

EncodedBlock encode_df11(ByteSpan input, Dtype d) {
  auto enc = codec().make_encoder("dtype=" + std::string(tensor::dtype_name(d)) + ",mode=df11", 0);
  EXPECT_TRUE(enc.ok()) << enc.status().to_string();
  EncodedBlock block;
  if (!enc.ok()) return block;
  EXPECT_TRUE((*enc)->encode_block(input, block).ok());
  return block;
}

Bytes cpu_decode(const EncodedBlock& block, std::size_t size) {
  Bytes out(size);
  const Status s = codec().decode(block.params, block.payload, out, DecodeLimits{});
  EXPECT_TRUE(s.ok()) << s.to_string();
  return out;
}

// Plans, builds the table, emulates; expects agreement with the CPU decoder and the input.
void expect_emulation_matches(const EncodedBlock& block, ByteSpan input) {
  auto plan = gpu::plan_df11_block(block.params, block.payload, input.size());
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  gpu::Df11Table table{};
  if (plan->elements != 0) {
    auto t = gpu::build_df11_table(plan->lengths);
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    table = *t;
  }
  const gpu::Df11Emulation e = gpu::emulate_df11_kernel(*plan, table, input.size());
  EXPECT_TRUE(e.consistent);
  const Bytes cpu = cpu_decode(block, input.size());
  ASSERT_EQ(e.out.size(), cpu.size());
  EXPECT_TRUE(std::equal(e.out.begin(), e.out.end(), cpu.begin()));
  EXPECT_TRUE(std::equal(e.out.begin(), e.out.end(), input.begin()));
}

void put_element(Bytes& out, Dtype d, std::uint32_t bits) {
  for (int i = 0; i < tensor::element_bytes(d); ++i) out.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
}

// Weights around 2^-6 with every special pattern mixed in: NaNs, infinities, zeros, subnormals.
Bytes weights_with_specials(Dtype d, std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const bool wide = d == Dtype::kFp32;
  const std::vector<std::uint32_t> specials =
      wide ? std::vector<std::uint32_t>{0x7fc00000u, 0x7f800001u, 0xffc12345u, 0x7f800000u,
                                        0xff800000u, 0x0u, 0x80000000u, 0x1u, 0x807fffffu,
                                        0x7f7fffffu}
           : d == Dtype::kBf16 ? std::vector<std::uint32_t>{0x7fc0, 0x7f81, 0xffc1, 0x7f80, 0xff80,
                                                            0x0, 0x8000, 0x1, 0x807f, 0x7f7f}
                               : std::vector<std::uint32_t>{0x7e00, 0x7c01, 0xfe01, 0x7c00, 0xfc00,
                                                            0x0, 0x8000, 0x1, 0x83ff, 0x7bff};
  Bytes out;
  for (std::size_t i = 0; i < n; ++i) {
    if (rng() % 97 == 0) {
      put_element(out, d, specials[rng() % specials.size()]);
      continue;
    }
    // Exponent near the bias - 6 with a geometric-ish spread, random sign and mantissa.
    const std::uint32_t spread = static_cast<std::uint32_t>(std::countr_zero(rng() | 0x8000u));
    const std::uint32_t sign = rng() & 1;
    if (d == Dtype::kFp32) {
      put_element(out, d, (sign << 31) | ((121 - spread) << 23) | (rng() & 0x7fffff));
    } else if (d == Dtype::kBf16) {
      put_element(out, d, (sign << 15) | ((121 - spread) << 7) | (rng() & 0x7f));
    } else {
      put_element(out, d, (sign << 15) | ((9 - std::min(spread, 8u)) << 10) | (rng() & 0x3ff));
    }
  }
  return out;
}

TEST(TensorGpuEmulation, MatchesTheCpuDecoderForEveryDtypeAndTail) {
  for (const Dtype d : {Dtype::kBf16, Dtype::kFp16, Dtype::kFp32}) {
    const int width = tensor::element_bytes(d);
    // Sizes: one element, less than one thread block, several blocks; every tail length.
    for (const std::size_t n : {std::size_t{1}, std::size_t{700}, std::size_t{150'000}}) {
      for (int tail = 0; tail < width; ++tail) {
        Bytes in = weights_with_specials(d, n, static_cast<std::uint32_t>(n * 7 + tail));
        for (int i = 0; i < tail; ++i) in.push_back(static_cast<std::uint8_t>(0xa0 + i));
        SCOPED_TRACE(std::string(tensor::dtype_name(d)) + " n=" + std::to_string(n) +
                     " tail=" + std::to_string(tail));
        expect_emulation_matches(encode_df11(in, d), in);
      }
    }
  }
}

TEST(TensorGpuEmulation, OneSymbolCodeDecodesPaddingBeyondTheLastElement) {
  // All exponents equal: one code of 1 bit, and the zero padding decodes as extra symbols that
  // the kernel must drop.
  for (const std::size_t n : {std::size_t{1}, std::size_t{63}, std::size_t{64}, std::size_t{65},
                              std::size_t{16'385}, std::size_t{40'000}}) {
    Bytes in;
    for (std::size_t i = 0; i < n; ++i) put_element(in, Dtype::kBf16, 0x3c00u | (i & 0x7f));
    SCOPED_TRACE(n);
    expect_emulation_matches(encode_df11(in, Dtype::kBf16), in);
  }
}

TEST(TensorGpuEmulation, BlockWithOnlyATailHasNoThreads) {
  const Bytes in = {0x12};
  const EncodedBlock block = encode_df11(in, Dtype::kBf16);
  auto plan = gpu::plan_df11_block(block.params, block.payload, in.size());
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  EXPECT_EQ(plan->elements, 0u);
  EXPECT_EQ(plan->blocks, 0u);
  expect_emulation_matches(block, in);
}

// A df11 payload for given code lengths and symbols (bf16, raw bytes from the seed), assembled
// here so that codes up to 32 bits occur without millions of elements; the CPU decoder checks it.
Bytes assemble_df11_payload(std::span<const std::uint8_t> lengths,
                            std::span<const std::uint8_t> symbols, std::uint32_t seed) {
  auto code = canonical_huffman_code(lengths);
  EXPECT_TRUE(code.ok());
  Bytes payload;
  write_code_lengths(lengths, payload);
  Bytes stream;
  EXPECT_TRUE(HuffmanEncoder(*code).encode(symbols, stream).ok());
  append_varint(payload, stream.size());
  payload.insert(payload.end(), stream.begin(), stream.end());
  Bytes starts;
  tensor::BitPacker gaps(payload);
  EXPECT_TRUE(tensor::walk_df11_aux(
      symbols, lengths, stream.size(),
      [&](std::uint64_t, std::uint32_t gap, std::uint64_t) {
        gaps.put(gap, tensor::kDf11GapBits);
        return true;
      },
      [&](std::uint64_t, std::uint64_t first) {
        std::uint8_t le[4];
        store_le32(le, static_cast<std::uint32_t>(first));
        starts.insert(starts.end(), le, le + 4);
        return true;
      }));
  gaps.finish();
  payload.insert(payload.end(), starts.begin(), starts.end());
  std::mt19937 rng(seed);
  for (std::size_t i = 0; i < symbols.size(); ++i) payload.push_back(static_cast<std::uint8_t>(rng()));
  return payload;
}

TEST(TensorGpuEmulation, CodesUpToThe32BitCap) {
  // Lengths 1, 2, ..., 31, 32, 32 (Kraft sum exactly 1) on symbols spread over the byte range,
  // drawn uniformly: most codes are long, many are 32 bits.
  std::vector<std::uint8_t> lengths(256, 0);
  for (int k = 0; k < 33; ++k) lengths[static_cast<std::size_t>(k * 7 + 3)] = static_cast<std::uint8_t>(std::min(k + 1, 32));
  std::mt19937 rng(5);
  std::vector<std::uint8_t> symbols(30'000);
  for (auto& s : symbols) s = static_cast<std::uint8_t>((rng() % 33) * 7 + 3);
  EncodedBlock block;
  tensor::Params params;
  params.mode = tensor::Mode::kDf11;
  block.params = tensor::serialize_params(params);
  block.payload = assemble_df11_payload(lengths, symbols, 9);
  const Bytes cpu = cpu_decode(block, 2 * symbols.size());
  expect_emulation_matches(block, cpu);
}

TEST(TensorGpuEmulation, TableAgreesWithTheCanonicalCode) {
  std::vector<std::uint8_t> lengths(256, 0);
  for (int k = 0; k < 33; ++k) lengths[static_cast<std::size_t>(255 - k)] = static_cast<std::uint8_t>(std::min(k + 1, 32));
  auto code = canonical_huffman_code(lengths);
  ASSERT_TRUE(code.ok());
  auto table = gpu::build_df11_table(lengths);
  ASSERT_TRUE(table.ok());
  std::mt19937 rng(1);
  for (int s = 0; s < 256; ++s) {
    const int l = lengths[static_cast<std::size_t>(s)];
    if (l == 0) continue;
    for (int trial = 0; trial < 8; ++trial) {
      // The code left-justified, any bits after it.
      const std::uint64_t below = l == 32 ? 0 : (rng() & ((std::uint64_t{1} << (32 - l)) - 1));
      const auto window = static_cast<std::uint32_t>((std::uint64_t{code->codes[static_cast<std::size_t>(s)]} << (32 - l)) | below);
      const gpu::Code c = gpu::decode_code(table->primary, *table, window);
      EXPECT_EQ(c.symbol, static_cast<std::uint32_t>(s));
      EXPECT_EQ(c.length, static_cast<std::uint32_t>(l));
    }
  }
}

TEST(TensorGpuEmulation, ElementMergeMatchesTheCpuLayouts) {
  for (std::uint32_t symbol = 0; symbol < 256; ++symbol) {
    for (std::uint32_t raw = 0; raw < 256; ++raw) {
      std::uint8_t e[4];
      tensor::Bf16Layout::store(e, static_cast<std::uint8_t>(symbol), raw);
      ASSERT_EQ(gpu::bf16_element(symbol, raw), load_le16(e));
      tensor::Fp16Layout::store(e, static_cast<std::uint8_t>(symbol), raw);
      ASSERT_EQ(gpu::fp16_element(symbol, raw), load_le16(e));
      const std::uint32_t raw24 = (raw * 0x10101u) ^ (symbol << 9);
      tensor::Fp32Layout::store(e, static_cast<std::uint8_t>(symbol), raw24 & 0xffffff);
      ASSERT_EQ(gpu::fp32_element(symbol, raw24 & 0xffffff), load_le32(e));
    }
  }
}

TEST(TensorGpuEmulation, EveryThreadBlockOfALaunchFindsItsTensorBlock) {
  // Tensor blocks of 1, 3, 1 and 5 thread blocks in one grid.
  const std::uint32_t first_cta[] = {0, 1, 4, 5};
  const std::uint32_t owner[] = {0, 1, 1, 1, 2, 3, 3, 3, 3, 3};
  for (std::uint32_t cta = 0; cta < 10; ++cta) {
    EXPECT_EQ(gpu::owner_of(first_cta, 4, cta), owner[cta]) << cta;
  }
  EXPECT_EQ(gpu::owner_of(first_cta, 1, 7), 0u);
}

TEST(TensorGpuEmulation, KernelChecksCatchWrongGapsAndStarts) {
  const Bytes in = weights_with_specials(Dtype::kBf16, 200'000, 3);
  const EncodedBlock good = encode_df11(in, Dtype::kBf16);
  auto plan = gpu::plan_df11_block(good.params, good.payload, in.size());
  ASSERT_TRUE(plan.ok());
  ASSERT_GE(plan->blocks, 2u);
  auto table = gpu::build_df11_table(plan->lengths);
  ASSERT_TRUE(table.ok());
  const std::size_t gaps_at = static_cast<std::size_t>(plan->gaps.data() - good.payload.data());
  const std::size_t starts_at = static_cast<std::size_t>(plan->starts.data() - good.payload.data());

  EncodedBlock bad_gap = good;
  bad_gap.payload[gaps_at + 3] ^= 0x10;  // a bit of gap[4] or gap[5]
  auto p1 = gpu::plan_df11_block(bad_gap.params, bad_gap.payload, in.size());
  ASSERT_TRUE(p1.ok());  // the structure is fine; only the kernel can tell
  EXPECT_FALSE(gpu::emulate_df11_kernel(*p1, *table, in.size()).consistent);

  EncodedBlock bad_start = good;
  bad_start.payload[starts_at + 4] += 1;  // block_start[1]
  auto p2 = gpu::plan_df11_block(bad_start.params, bad_start.payload, in.size());
  ASSERT_TRUE(p2.ok());
  EXPECT_FALSE(gpu::emulate_df11_kernel(*p2, *table, in.size()).consistent);
}

TEST(TensorGpuEmulation, DamagedBlocksStayInBoundsAndValidOnesAlwaysPass) {
  // Random bit flips anywhere in the payload. Whatever the plan accepts, the kernel replay must
  // stay inside its (padded, exactly sized) buffers, which ASan checks in the sanitizer build;
  // and whatever the CPU decoder accepts, the replay must accept and reproduce.
  const Bytes in = weights_with_specials(Dtype::kFp32, 20'000, 11);
  const EncodedBlock good = encode_df11(in, Dtype::kFp32);
  std::mt19937 rng(12);
  int planned = 0;
  for (int trial = 0; trial < 300; ++trial) {
    EncodedBlock bad = good;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      bad.payload[rng() % bad.payload.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    }
    auto plan = gpu::plan_df11_block(bad.params, bad.payload, in.size());
    if (!plan.ok()) continue;
    auto table = gpu::build_df11_table(plan->lengths);
    ASSERT_TRUE(table.ok());
    ++planned;
    const gpu::Df11Emulation e = gpu::emulate_df11_kernel(*plan, *table, in.size());
    Bytes cpu(in.size());
    if (codec().decode(bad.params, bad.payload, cpu, DecodeLimits{}).ok()) {
      EXPECT_TRUE(e.consistent) << trial;
      EXPECT_EQ(e.out, cpu) << trial;
    }
  }
  EXPECT_GT(planned, 100);
}

TEST(TensorGpuEmulation, PlanRefusesWhatTheKernelCannotTrust) {
  const Bytes in = weights_with_specials(Dtype::kBf16, 5'000, 4);
  const EncodedBlock good = encode_df11(in, Dtype::kBf16);
  ASSERT_TRUE(gpu::plan_df11_block(good.params, good.payload, in.size()).ok());
  // Other modes are not for the GPU decoder.
  auto o0 = codec().make_encoder("mode=o0", 0);
  ASSERT_TRUE(o0.ok());
  EncodedBlock o0_block;
  ASSERT_TRUE((*o0)->encode_block(in, o0_block).ok());
  EXPECT_EQ(gpu::plan_df11_block(o0_block.params, o0_block.payload, in.size()).status().code(),
            StatusCode::kUnsupported);
  // Every truncation and an extra byte are refused.
  for (std::size_t cut = 1; cut < good.payload.size(); cut += 97) {
    const ByteSpan shorter = ByteSpan(good.payload).first(good.payload.size() - cut);
    EXPECT_FALSE(gpu::plan_df11_block(good.params, shorter, in.size()).ok()) << cut;
  }
  Bytes longer = good.payload;
  longer.push_back(0);
  EXPECT_FALSE(gpu::plan_df11_block(good.params, longer, in.size()).ok());
  // Block starts that go backwards or do not end at n.
  auto plan = gpu::plan_df11_block(good.params, good.payload, in.size());
  ASSERT_TRUE(plan.ok());
  const std::size_t starts_at = static_cast<std::size_t>(plan->starts.data() - good.payload.data());
  Bytes bad = good.payload;
  store_le32(&bad[starts_at + 4 * plan->blocks], static_cast<std::uint32_t>(plan->elements - 1));
  EXPECT_EQ(gpu::plan_df11_block(good.params, bad, in.size()).status().code(),
            StatusCode::kCorruptData);
  // A code whose lengths break the Kraft sum.
  Bytes kraft = good.payload;
  kraft[0] = static_cast<std::uint8_t>(kraft[0] == 1 ? 2 : 1);
  EXPECT_FALSE(gpu::plan_df11_block(good.params, kraft, in.size()).ok());
}

// The kernel replayed on kolmo-lm-24m's bf16 weights (safetensors headers skipped, 16 MiB blocks
// as the container cuts them): real code tables, three full-size blocks.
TEST(TensorGpuEmulationSharedData, ModelBlocksMatchTheCpuDecoder) {
  KOLMO_REQUIRE_DATA(data);
  Bytes weights;
  for (int shard = 1; shard <= 4; ++shard) {
    const Bytes file = testing::read_file(data / "models" / "kolmo-lm-24m" /
                                          ("model-0000" + std::to_string(shard) + "-of-00004.safetensors"));
    if (file.size() < 8 || load_le64(file.data()) > file.size() - 8) {
      GTEST_SKIP() << "kolmo-lm-24m shards not found";
    }
    weights.insert(weights.end(), file.begin() + static_cast<std::ptrdiff_t>(8 + load_le64(file.data())),
                   file.end());
  }
  constexpr std::size_t kBlock = 16u << 20;
  for (std::size_t at = 0; at < weights.size(); at += kBlock) {
    const ByteSpan in = ByteSpan(weights).subspan(at, std::min(kBlock, weights.size() - at));
    SCOPED_TRACE(at);
    expect_emulation_matches(encode_df11(in, Dtype::kBf16), in);
  }
}

}  // namespace
}  // namespace kolmo
