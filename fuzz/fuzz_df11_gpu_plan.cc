// Fuzzes the df11 GPU decoder's host checks and, through the CPU replay of its kernel, the kernel's
// logic: [size lo][size hi][payload...] with df11 params of the dtype that byte 0 picks.
// plan_df11_block must refuse or accept without touching memory outside its input; for an
// accepted plan the kernel replay must stay inside its buffers (ASan); and wherever the CPU decoder
// accepts the block, the replay must report no inconsistency and give the CPU's bytes (the
// promise that a GPU can trust any block the CPU accepts). Any breach traps.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "codecs/tensor/cuda/df11_emulate.h"
#include "codecs/tensor/cuda/df11_gpu_plan.h"
#include "codecs/tensor/tensor_decode.h"
#include "codecs/tensor/tensor_format.h"
#include "kolmo/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kolmo;
  if (size < 3) return 0;
  tensor::Params p;
  p.dtype = static_cast<tensor::Dtype>(data[0] % 3);
  p.mode = tensor::Mode::kDf11;
  const Bytes params = tensor::serialize_params(p);
  const std::size_t out_size = (std::size_t{data[1]} | (std::size_t{data[2]} << 8)) % 8192;
  const ByteSpan payload(data + 3, size - 3);

  Expected<tensor::gpu::Df11Plan> plan = tensor::gpu::plan_df11_block(params, payload, out_size);
  Bytes cpu(out_size);
  const bool cpu_ok = decode_tensor_block(params, payload, cpu, DecodeLimits{}).ok();
  if (!plan.ok()) {
    if (cpu_ok) __builtin_trap();  // the GPU path must not refuse what the CPU accepts
    return 0;
  }
  tensor::gpu::Df11Table table{};
  if (plan->elements != 0) {
    Expected<tensor::gpu::Df11Table> t = tensor::gpu::build_df11_table(plan->lengths);
    if (!t.ok()) {
      if (cpu_ok) __builtin_trap();
      return 0;
    }
    table = *t;
  }
  const tensor::gpu::Df11Emulation e = tensor::gpu::emulate_df11_kernel(*plan, table, out_size);
  if (cpu_ok && (!e.consistent || !std::equal(e.out.begin(), e.out.end(), cpu.begin()))) {
    __builtin_trap();
  }
  return 0;
}
