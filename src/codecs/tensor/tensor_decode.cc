#include "codecs/tensor/tensor_decode.h"

#include <algorithm>
#include <string>

#include "codecs/tensor/tensor_decode_modes.h"
#include "codecs/tensor/tensor_format.h"

namespace kolmo {

Status decode_tensor_block(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                           const DecodeLimits& limits) {
  KOLMO_ASSIGN_OR_RETURN(const tensor::Params p, tensor::parse_params(params));
  // The memory check comes first so that a block is refused the same way whatever its size.
  const std::uint64_t need = tensor::decode_memory_bytes(p.mode);
  if (need > limits.memory_bytes) {
    return limit_exceeded("tensor decoder needs " + std::to_string(need) + " bytes, limit is " +
                          std::to_string(limits.memory_bytes));
  }
  const std::size_t width = static_cast<std::size_t>(tensor::element_bytes(p.dtype));
  const std::size_t whole = output.size() / width * width;
  const std::size_t tail = output.size() - whole;
  if (payload.size() < tail) return truncated("tensor payload is shorter than its raw tail");
  const ByteSpan body = payload.first(payload.size() - tail);
  const MutableByteSpan elements = output.first(whole);
  if (elements.empty()) {
    if (!body.empty()) return corrupt_data("tensor block without whole elements has a body");
  } else {
    switch (p.mode) {
      case tensor::Mode::kO0:
        KOLMO_RETURN_IF_ERROR(tensor::decode_o0(body, p.dtype, elements));
        break;
      case tensor::Mode::kDf11:
        KOLMO_RETURN_IF_ERROR(tensor::decode_df11(body, p.dtype, elements));
        break;
      case tensor::Mode::kMax:
        KOLMO_RETURN_IF_ERROR(tensor::decode_max(body, p, elements));
        break;
    }
  }
  std::copy(payload.end() - static_cast<std::ptrdiff_t>(tail), payload.end(),
            output.begin() + static_cast<std::ptrdiff_t>(whole));
  return ok_status();
}

}  // namespace kolmo
