// Launch interface of the df11 decode kernel (df11_kernel.cu), kept free of CUDA headers so that
// the host code compiles with the C++ compiler: pointers are device pointers, the stream is a
// cudaStream_t.
#pragma once

#include <cstdint>

#include "codecs/tensor/cuda/df11_thread_decode.h"

struct CUstream_st;

namespace kolmo::tensor::gpu {

// One df11 block with at least one element, in device memory (sections as laid out by
// GpuDf11Blocks, padded as df11_gpu_plan.h says).
struct Df11DeviceBlock {
  const Df11Table* table;
  const std::uint8_t* stream;
  const std::uint8_t* gaps;
  const std::uint32_t* starts;
  const std::uint8_t* raw;
  const std::uint8_t* tail;
  std::uint64_t threads;
  std::uint64_t out_offset;  // bytes from the destination's start; elements, then the tail
  std::uint64_t elements;
  std::uint32_t blocks;      // thread blocks, >= 1
  std::uint32_t tail_size;
  std::uint32_t dtype;       // tensor::Dtype
};

// Launches one grid of total_ctas thread blocks over `count` device blocks (descriptors and
// first_cta as owner_of() reads them, both in device memory). Bit 0 of *error is set when a
// stream disagrees with its gaps or block starts. Returns the launch's cudaError_t as int.
int launch_df11_decode(const Df11DeviceBlock* blocks, const std::uint32_t* first_cta,
                       std::uint32_t count, std::uint32_t total_ctas, std::uint8_t* out,
                       unsigned int* error, CUstream_st* stream);

}  // namespace kolmo::tensor::gpu
