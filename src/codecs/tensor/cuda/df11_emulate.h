// The df11 GPU kernel replayed on the CPU, thread block by thread block, with the same
// per-thread functions (df11_thread_decode.h), the same prefix sums and consistency checks, on
// copies padded like the device image. Lets tests and the fuzz target check the kernel's logic
// on machines without a GPU. Host-only; decoder side.
#pragma once

#include <cstddef>

#include "codecs/tensor/cuda/df11_gpu_plan.h"
#include "kolmo/bytes.h"

namespace kolmo::tensor::gpu {

// What the kernel would write, and what its error flag would say.
struct Df11Emulation {
  Bytes out;
  bool consistent = true;  // what the kernel's error flag would say
};

// Replays the kernel over a plan (plan_df11_block) and its table (build_df11_table; any table
// for a plan without elements).
Df11Emulation emulate_df11_kernel(const Df11Plan& plan, const Df11Table& table,
                                  std::size_t out_size);

}  // namespace kolmo::tensor::gpu
