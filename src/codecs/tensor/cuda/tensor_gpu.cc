// The public GPU decode API (include/kolmo/tensor_gpu.h) on the CUDA runtime: host-side checks
// (df11_gpu_plan.h), one device image of all blocks, one kernel launch per block.
#include "kolmo/tensor_gpu.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "codecs/tensor/cuda/df11_gpu_plan.h"
#include "codecs/tensor/cuda/df11_kernel.h"
#include "codecs/tensor/tensor_decode.h"

namespace kolmo {
namespace {

using tensor::gpu::Df11DeviceBlock;
using tensor::gpu::Df11Plan;
using tensor::gpu::Df11Table;

Status cuda_status(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return ok_status();
  const std::string message = std::string("CUDA ") + what + ": " + cudaGetErrorString(e);
  if (e == cudaErrorMemoryAllocation) return limit_exceeded(message);
  if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver) return unsupported(message);
  return io_error(message);
}

constexpr std::size_t kSectionAlign = 256;

std::size_t aligned(std::size_t at) { return (at + kSectionAlign - 1) / kSectionAlign * kSectionAlign; }

// Where one block's sections sit in the device image (offsets from its start).
struct BlockLayout {
  Df11Plan plan;
  Df11Table table;
  std::size_t table_at = 0, stream_at = 0, gaps_at = 0, starts_at = 0, raw_at = 0, tail_at = 0;
};

std::size_t place_block(BlockLayout& b, std::size_t at) {
  b.table_at = aligned(at);
  b.stream_at = aligned(b.table_at + sizeof(Df11Table));
  b.gaps_at = aligned(b.stream_at + tensor::gpu::padded_stream_bytes(b.plan.stream.size()));
  b.starts_at = aligned(b.gaps_at + b.plan.gaps.size() + tensor::gpu::kGapPadding);
  b.raw_at = aligned(b.starts_at + b.plan.starts.size());
  b.tail_at = aligned(b.raw_at + b.plan.raw.size());
  return b.tail_at + b.plan.tail.size();
}

void copy_into(Bytes& image, std::size_t at, ByteSpan bytes) {
  if (!bytes.empty()) std::memcpy(image.data() + at, bytes.data(), bytes.size());
}

Status check_block(const GpuBlock& block, const GpuDecodeOptions& options) {
  const std::size_t end = block.out_offset + block.out_size;
  if (end < block.out_offset) return invalid_argument("GPU block output range overflows");
  if (!options.verify_on_cpu) return ok_status();
  Bytes host(block.out_size);
  return decode_tensor_block(block.params, block.payload, host, DecodeLimits{});
}

}  // namespace

bool gpu_decoder_available() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

std::string gpu_device_description() {
  int device = 0;
  cudaDeviceProp prop{};
  if (!gpu_decoder_available() || cudaGetDevice(&device) != cudaSuccess ||
      cudaGetDeviceProperties(&prop, device) != cudaSuccess) {
    return "no CUDA device";
  }
  return std::string(prop.name) + " (sm_" + std::to_string(prop.major) +
         std::to_string(prop.minor) + ", " + std::to_string(prop.totalGlobalMem >> 30) + " GiB)";
}

// A block without whole elements: its tail is copied, no kernel needed.
struct TailOnly {
  const std::uint8_t* tail;
  std::size_t out_offset;
  std::size_t size;
};

struct GpuDf11Blocks::Impl {
  std::uint8_t* device = nullptr;
  std::size_t device_size = 0;
  unsigned int* error = nullptr;
  const Df11DeviceBlock* descriptors = nullptr;  // device copies for the kernel
  const std::uint32_t* first_cta = nullptr;
  std::uint32_t kernel_blocks = 0;
  std::uint32_t total_ctas = 0;
  std::vector<TailOnly> tails;
  std::size_t output_end = 0;
  std::size_t compressed = 0;
  ~Impl() {
    if (device != nullptr) cudaFree(device);
  }
};

GpuDf11Blocks::GpuDf11Blocks(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GpuDf11Blocks::GpuDf11Blocks(GpuDf11Blocks&&) noexcept = default;
GpuDf11Blocks& GpuDf11Blocks::operator=(GpuDf11Blocks&&) noexcept = default;
GpuDf11Blocks::~GpuDf11Blocks() = default;

namespace {

Df11DeviceBlock device_block(const BlockLayout& b, const std::uint8_t* base, std::size_t out_offset) {
  Df11DeviceBlock d{};
  d.table = reinterpret_cast<const Df11Table*>(base + b.table_at);
  d.stream = base + b.stream_at;
  d.gaps = base + b.gaps_at;
  d.starts = reinterpret_cast<const std::uint32_t*>(base + b.starts_at);
  d.raw = base + b.raw_at;
  d.tail = base + b.tail_at;
  d.threads = b.plan.threads;
  d.out_offset = out_offset;
  d.elements = b.plan.elements;
  d.blocks = static_cast<std::uint32_t>(b.plan.blocks);
  d.tail_size = static_cast<std::uint32_t>(b.plan.tail.size());
  d.dtype = static_cast<std::uint32_t>(b.plan.dtype);
  return d;
}

}  // namespace

Expected<GpuDf11Blocks> GpuDf11Blocks::upload(std::span<const GpuBlock> blocks, GpuStream stream,
                                              const GpuDecodeOptions& options) {
  if (!gpu_decoder_available()) return unsupported("no CUDA device for the GPU decoder");
  auto impl = std::make_unique<Impl>();
  std::vector<BlockLayout> layouts(blocks.size());
  std::uint64_t ctas = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const GpuBlock& block = blocks[i];
    KOLMO_RETURN_IF_ERROR(check_block(block, options));
    KOLMO_ASSIGN_OR_RETURN(layouts[i].plan, tensor::gpu::plan_df11_block(
                                                block.params, block.payload, block.out_size));
    const std::size_t width = static_cast<std::size_t>(tensor::element_bytes(layouts[i].plan.dtype));
    if (block.out_offset % width != 0) {
      return invalid_argument("GPU block output offset is not aligned to its element size");
    }
    if (layouts[i].plan.elements != 0) {
      KOLMO_ASSIGN_OR_RETURN(layouts[i].table, tensor::gpu::build_df11_table(layouts[i].plan.lengths));
      ++impl->kernel_blocks;
      ctas += layouts[i].plan.blocks;
    }
    impl->output_end = std::max(impl->output_end, block.out_offset + block.out_size);
    impl->compressed += block.params.size() + block.payload.size();
  }
  if (ctas > 0x7fffffffu) return limit_exceeded("too many GPU thread blocks for one launch");
  impl->total_ctas = static_cast<std::uint32_t>(ctas);
  // Image: error flag, descriptors, first_cta[], then every block's sections.
  const std::size_t descriptors_at = kSectionAlign;
  const std::size_t first_cta_at =
      aligned(descriptors_at + impl->kernel_blocks * sizeof(Df11DeviceBlock));
  std::size_t at = first_cta_at + impl->kernel_blocks * sizeof(std::uint32_t);
  for (BlockLayout& b : layouts) at = place_block(b, at);

  void* device = nullptr;
  KOLMO_RETURN_IF_ERROR(cuda_status(cudaMalloc(&device, at), "allocation"));
  impl->device = static_cast<std::uint8_t*>(device);
  impl->device_size = at;
  impl->error = reinterpret_cast<unsigned int*>(impl->device);
  impl->descriptors = reinterpret_cast<const Df11DeviceBlock*>(impl->device + descriptors_at);
  impl->first_cta = reinterpret_cast<const std::uint32_t*>(impl->device + first_cta_at);

  // One zero-filled host image (zeros are the padding the kernel reads), copied in one go.
  Bytes image(at, 0);
  std::size_t k = 0;
  std::uint32_t first_cta = 0;
  for (std::size_t i = 0; i < layouts.size(); ++i) {
    const BlockLayout& b = layouts[i];
    std::memcpy(image.data() + b.table_at, &b.table, sizeof(Df11Table));
    copy_into(image, b.stream_at, b.plan.stream);
    copy_into(image, b.gaps_at, b.plan.gaps);
    copy_into(image, b.starts_at, b.plan.starts);
    copy_into(image, b.raw_at, b.plan.raw);
    copy_into(image, b.tail_at, b.plan.tail);
    const Df11DeviceBlock d = device_block(b, impl->device, blocks[i].out_offset);
    if (b.plan.elements == 0) {
      if (d.tail_size != 0) impl->tails.push_back(TailOnly{d.tail, blocks[i].out_offset, d.tail_size});
      continue;
    }
    std::memcpy(image.data() + descriptors_at + k * sizeof(Df11DeviceBlock), &d, sizeof(d));
    std::memcpy(image.data() + first_cta_at + k * sizeof(std::uint32_t), &first_cta, 4);
    first_cta += d.blocks;
    ++k;
  }
  KOLMO_RETURN_IF_ERROR(cuda_status(
      cudaMemcpyAsync(device, image.data(), image.size(), cudaMemcpyHostToDevice, stream),
      "upload"));
  KOLMO_RETURN_IF_ERROR(cuda_status(cudaStreamSynchronize(stream), "upload"));
  return GpuDf11Blocks(std::move(impl));
}

Status GpuDf11Blocks::launch(void* device_out, std::size_t device_out_size,
                             GpuStream stream) const {
  if (impl_->output_end > device_out_size) {
    return invalid_argument("GPU output buffer is smaller than the blocks' output");
  }
  if (reinterpret_cast<std::uintptr_t>(device_out) % 4 != 0) {
    return invalid_argument("GPU output buffer is not 4-byte aligned");
  }
  auto* out = static_cast<std::uint8_t*>(device_out);
  for (const TailOnly& t : impl_->tails) {
    KOLMO_RETURN_IF_ERROR(cuda_status(
        cudaMemcpyAsync(out + t.out_offset, t.tail, t.size, cudaMemcpyDeviceToDevice, stream),
        "tail copy"));
  }
  if (impl_->kernel_blocks == 0) return ok_status();
  const int e = tensor::gpu::launch_df11_decode(impl_->descriptors, impl_->first_cta,
                                                impl_->kernel_blocks, impl_->total_ctas, out,
                                                impl_->error, stream);
  return cuda_status(static_cast<cudaError_t>(e), "kernel launch");
}

Status GpuDf11Blocks::finish(GpuStream stream) const {
  KOLMO_RETURN_IF_ERROR(cuda_status(cudaStreamSynchronize(stream), "decode"));
  unsigned int error = 0;
  KOLMO_RETURN_IF_ERROR(cuda_status(
      cudaMemcpy(&error, impl_->error, sizeof(error), cudaMemcpyDeviceToHost), "error flag"));
  if (error == 0) return ok_status();
  KOLMO_RETURN_IF_ERROR(cuda_status(cudaMemset(impl_->error, 0, sizeof(error)), "error flag"));
  return corrupt_data("tensor df11 stream does not match its GPU arrays (found on the GPU)");
}

std::size_t GpuDf11Blocks::output_bytes() const { return impl_->output_end; }
std::size_t GpuDf11Blocks::device_bytes() const { return impl_->device_size; }
std::size_t GpuDf11Blocks::compressed_bytes() const { return impl_->compressed; }

Status decode_df11_blocks_to_device(std::span<const GpuBlock> blocks, void* device_out,
                                    std::size_t device_out_size, GpuStream stream,
                                    const GpuDecodeOptions& options) {
  KOLMO_ASSIGN_OR_RETURN(const GpuDf11Blocks uploaded,
                         GpuDf11Blocks::upload(blocks, stream, options));
  KOLMO_RETURN_IF_ERROR(uploaded.launch(device_out, device_out_size, stream));
  return uploaded.finish(stream);
}

Status decode_df11_block_to_device(ByteSpan params, ByteSpan payload, void* device_out,
                                   std::size_t out_size, GpuStream stream,
                                   const GpuDecodeOptions& options) {
  const GpuBlock block{params, payload, 0, out_size};
  return decode_df11_blocks_to_device(std::span<const GpuBlock>(&block, 1), device_out, out_size,
                                      stream, options);
}

}  // namespace kolmo
