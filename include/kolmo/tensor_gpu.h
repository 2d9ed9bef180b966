// GPU decoder of tensor mode=df11 blocks (docs/tensor.md, "CUDA decoder"): decodes compressed
// blocks straight into device memory, bit-identical to the CPU decoder.
//
// Link the `kolmo_tensor_gpu` library. Built without CUDA (KOLMO_CUDA=OFF or no nvcc), every
// call is safe: gpu_decoder_available() is false and the decode calls return kUnsupported.
// Device pointers are plain CUDA device pointers; `stream` is a cudaStream_t (nullptr: the
// default stream). The destination of each block must be aligned to its element size (2 or 4).
//
// Trust: the host parses each block fully (section sizes, code table, block starts) before
// anything reaches the GPU, and the kernel checks every thread's end against the next thread's
// gap and every thread block's count against its start, reporting kCorruptData. That catches
// damage that the arrays would expose; for the full CPU check (the stream decoded once on the
// CPU too, as the CPU decoder verifies it) set GpuDecodeOptions::verify_on_cpu.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

struct CUstream_st;  // cudaStream_t is CUstream_st*

namespace kolmo {

using GpuStream = CUstream_st*;

// True when this build has the CUDA decoder and a CUDA device can be used. Never crashes.
bool gpu_decoder_available();
// "NAME (sm_XY, N GiB)" of the current device, or why there is none.
std::string gpu_device_description();

struct GpuDecodeOptions {
  bool verify_on_cpu = false;  // also decode on the CPU first and refuse what it refuses
};

// One tensor block and where its output goes in the destination buffer.
struct GpuBlock {
  ByteSpan params;
  ByteSpan payload;
  std::size_t out_offset = 0;
  std::size_t out_size = 0;
};

// Decodes one block into device_out[0, out_size). Synchronizes `stream` to report errors.
Status decode_df11_block_to_device(ByteSpan params, ByteSpan payload, void* device_out,
                                   std::size_t out_size, GpuStream stream = nullptr,
                                   const GpuDecodeOptions& options = {});

// Decodes several blocks (e.g. a whole tensor or layer) into one device buffer of
// device_out_size bytes; each block's [out_offset, out_offset + out_size) must fit in it.
Status decode_df11_blocks_to_device(std::span<const GpuBlock> blocks, void* device_out,
                                    std::size_t device_out_size, GpuStream stream = nullptr,
                                    const GpuDecodeOptions& options = {});

// Compressed blocks resident in device memory, decoded as often as wanted (a model kept
// compressed on the GPU and expanded layer by layer; benchmarks). Move-only.
class GpuDf11Blocks {
 public:
  // Parses and checks every block on the host, then copies all of them to the device (one
  // allocation) and synchronizes `stream`.
  static Expected<GpuDf11Blocks> upload(std::span<const GpuBlock> blocks,
                                        GpuStream stream = nullptr,
                                        const GpuDecodeOptions& options = {});

  GpuDf11Blocks(GpuDf11Blocks&&) noexcept;
  GpuDf11Blocks& operator=(GpuDf11Blocks&&) noexcept;
  ~GpuDf11Blocks();

  // Queues the decode of every block on `stream` and returns without waiting. Errors found by
  // the kernels are kept until finish().
  Status launch(void* device_out, std::size_t device_out_size, GpuStream stream = nullptr) const;
  // Waits for `stream`, returns kCorruptData if any launch since the last finish() found a
  // block inconsistent, and clears that flag.
  Status finish(GpuStream stream = nullptr) const;

  std::size_t output_bytes() const;        // the end of the furthest block's output
  std::size_t device_bytes() const;        // device memory held
  std::size_t compressed_bytes() const;    // params + payload bytes of all blocks

 private:
  struct Impl;
  explicit GpuDf11Blocks(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kolmo
