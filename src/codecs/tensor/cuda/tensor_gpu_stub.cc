// The GPU decode API in a build without CUDA: nothing is available, every decode call says so.
#include "kolmo/tensor_gpu.h"

namespace kolmo {
namespace {
Status no_cuda() { return unsupported("kolmo was built without CUDA (KOLMO_CUDA)"); }
}  // namespace

bool gpu_decoder_available() { return false; }
std::string gpu_device_description() { return "built without CUDA"; }

struct GpuDf11Blocks::Impl {};

GpuDf11Blocks::GpuDf11Blocks(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GpuDf11Blocks::GpuDf11Blocks(GpuDf11Blocks&&) noexcept = default;
GpuDf11Blocks& GpuDf11Blocks::operator=(GpuDf11Blocks&&) noexcept = default;
GpuDf11Blocks::~GpuDf11Blocks() = default;

Expected<GpuDf11Blocks> GpuDf11Blocks::upload(std::span<const GpuBlock>, GpuStream,
                                              const GpuDecodeOptions&) {
  return no_cuda();
}
Status GpuDf11Blocks::launch(void*, std::size_t, GpuStream) const { return no_cuda(); }
Status GpuDf11Blocks::finish(GpuStream) const { return no_cuda(); }
std::size_t GpuDf11Blocks::output_bytes() const { return 0; }
std::size_t GpuDf11Blocks::device_bytes() const { return 0; }
std::size_t GpuDf11Blocks::compressed_bytes() const { return 0; }

Status decode_df11_blocks_to_device(std::span<const GpuBlock>, void*, std::size_t, GpuStream,
                                    const GpuDecodeOptions&) {
  return no_cuda();
}
Status decode_df11_block_to_device(ByteSpan, ByteSpan, void*, std::size_t, GpuStream,
                                   const GpuDecodeOptions&) {
  return no_cuda();
}

}  // namespace kolmo
