// The df11 GPU decoder on a real device (include/kolmo/tensor_gpu.h): bit-identical to the CPU
// decoder for every dtype, batches into one buffer, errors as Status. Skips when this build has
// no CUDA or the machine no CUDA device; the API must then say so without crashing.
#include "kolmo/tensor_gpu.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "codecs/tensor/tensor_codec.h"
#include "codecs/tensor/tensor_format.h"
#include "kolmo/codec.h"

#if defined(KOLMO_HAVE_CUDA)
#include <cuda_runtime.h>
#endif

namespace kolmo {
namespace {

using tensor::Dtype;

const CodecInfo& codec() {
  static const CodecInfo info = tensor_codec_info();
  return info;
}

EncodedBlock encode(ByteSpan input, Dtype d, const char* mode = "df11") {
  auto enc = codec().make_encoder(
      "dtype=" + std::string(tensor::dtype_name(d)) + ",mode=" + mode, 0);
  EXPECT_TRUE(enc.ok());
  EncodedBlock block;
  if (enc.ok()) {
    EXPECT_TRUE((*enc)->encode_block(input, block).ok());
  }
  return block;
}

// Random sign and mantissa, exponents concentrated like trained weights, some NaN/Inf/0 bytes.
Bytes weights(Dtype d, std::size_t bytes, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(bytes);
  const int width = tensor::element_bytes(d);
  for (std::size_t i = 0; i < bytes; ++i) out[i] = static_cast<std::uint8_t>(rng());
  for (std::size_t i = width - 1; i < bytes; i += static_cast<std::size_t>(width)) {
    const std::uint32_t r = rng();
    if (r % 101 == 0) continue;  // leave the random byte: any exponent, NaN and Inf included
    out[i] = static_cast<std::uint8_t>((out[i] & 0x80) | (0x3c + (r >> 8) % 3));
  }
  return out;
}

TEST(TensorGpuDevice, ReportsAvailabilityWithoutCrashing) {
  const bool available = gpu_decoder_available();
  std::printf("GPU decoder: %s (%s)\n", available ? "available" : "not available",
              gpu_device_description().c_str());
  if (!available) {
    const Bytes in = weights(Dtype::kBf16, 1000, 1);
    const EncodedBlock block = encode(in, Dtype::kBf16);
    EXPECT_EQ(decode_df11_block_to_device(block.params, block.payload, nullptr, in.size()).code(),
              StatusCode::kUnsupported);
  }
}

#if defined(KOLMO_HAVE_CUDA)

#define REQUIRE_GPU()                                                   \
  do {                                                                  \
    if (!gpu_decoder_available()) GTEST_SKIP() << "no CUDA device";     \
  } while (0)

struct DeviceBuffer {
  explicit DeviceBuffer(std::size_t n) : size(n) { EXPECT_EQ(cudaMalloc(&ptr, n == 0 ? 1 : n), cudaSuccess); }
  ~DeviceBuffer() { cudaFree(ptr); }
  Bytes download() const {
    Bytes out(size);
    EXPECT_EQ(cudaMemcpy(out.data(), ptr, size, cudaMemcpyDeviceToHost), cudaSuccess);
    return out;
  }
  void* ptr = nullptr;
  std::size_t size;
};

TEST(TensorGpuDevice, BitIdenticalToTheCpuDecoderForEveryDtype) {
  REQUIRE_GPU();
  for (const Dtype d : {Dtype::kBf16, Dtype::kFp16, Dtype::kFp32}) {
    for (const std::size_t size : {std::size_t{1}, std::size_t{2}, std::size_t{1001},
                                   std::size_t{3 << 20} + 3}) {
      const Bytes in = weights(d, size, static_cast<std::uint32_t>(size));
      const EncodedBlock block = encode(in, d);
      Bytes cpu(in.size());
      ASSERT_TRUE(codec().decode(block.params, block.payload, cpu, DecodeLimits{}).ok());
      DeviceBuffer out(in.size());
      const Status s = decode_df11_block_to_device(block.params, block.payload, out.ptr, in.size());
      ASSERT_TRUE(s.ok()) << s.to_string();
      EXPECT_EQ(out.download(), cpu) << tensor::dtype_name(d) << " size " << size;
    }
  }
}

TEST(TensorGpuDevice, BatchFillsOneBufferAndRelaunchesGiveTheSameBytes) {
  REQUIRE_GPU();
  std::vector<Bytes> inputs;
  std::vector<EncodedBlock> blocks;
  std::vector<GpuBlock> batch;
  std::size_t offset = 0;
  for (int i = 0; i < 5; ++i) {
    inputs.push_back(weights(Dtype::kBf16, 200'000 + 2 * static_cast<std::size_t>(i), 10 + i));
    blocks.push_back(encode(inputs.back(), Dtype::kBf16));
  }
  Bytes expected;
  for (int i = 0; i < 5; ++i) {
    batch.push_back(GpuBlock{blocks[i].params, blocks[i].payload, offset, inputs[i].size()});
    expected.insert(expected.end(), inputs[i].begin(), inputs[i].end());
    offset += inputs[i].size();
  }
  auto uploaded = GpuDf11Blocks::upload(batch);
  ASSERT_TRUE(uploaded.ok()) << uploaded.status().to_string();
  EXPECT_EQ(uploaded->output_bytes(), expected.size());
  DeviceBuffer out(expected.size());
  for (int rep = 0; rep < 3; ++rep) {
    ASSERT_TRUE(cudaMemset(out.ptr, rep, out.size) == cudaSuccess);
    ASSERT_TRUE(uploaded->launch(out.ptr, out.size).ok());
    ASSERT_TRUE(uploaded->finish().ok());
    EXPECT_EQ(out.download(), expected) << "launch " << rep;
  }
  EXPECT_EQ(uploaded->launch(out.ptr, out.size - 1).code(), StatusCode::kInvalidArgument);
}

TEST(TensorGpuDevice, DamagedBlocksGiveErrorsNotCrashes) {
  REQUIRE_GPU();
  const Bytes in = weights(Dtype::kBf16, 400'000, 7);
  const EncodedBlock good = encode(in, Dtype::kBf16);
  DeviceBuffer out(in.size());
  // Other modes are refused before the GPU.
  const EncodedBlock o0 = encode(in, Dtype::kBf16, "o0");
  EXPECT_EQ(decode_df11_block_to_device(o0.params, o0.payload, out.ptr, in.size()).code(),
            StatusCode::kUnsupported);
  // Flipped bits anywhere: an error or (stream bits the arrays cannot see) wrong bytes, never a
  // crash; with verify_on_cpu every damaged block the CPU refuses is refused.
  std::mt19937 rng(3);
  GpuDecodeOptions verify;
  verify.verify_on_cpu = true;
  int refused = 0;
  for (int trial = 0; trial < 40; ++trial) {
    EncodedBlock bad = good;
    bad.payload[rng() % bad.payload.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    Bytes cpu(in.size());
    const bool cpu_ok = codec().decode(bad.params, bad.payload, cpu, DecodeLimits{}).ok();
    const Status fast = decode_df11_block_to_device(bad.params, bad.payload, out.ptr, in.size());
    refused += fast.ok() ? 0 : 1;
    const Status checked =
        decode_df11_block_to_device(bad.params, bad.payload, out.ptr, in.size(), nullptr, verify);
    EXPECT_EQ(checked.ok(), cpu_ok) << checked.to_string();
  }
  EXPECT_GT(refused, 0);
  // The good block still decodes after all that (the error flag was cleared).
  ASSERT_TRUE(decode_df11_block_to_device(good.params, good.payload, out.ptr, in.size()).ok());
  EXPECT_EQ(out.download(), in);
}

#endif  // KOLMO_HAVE_CUDA

}  // namespace
}  // namespace kolmo
