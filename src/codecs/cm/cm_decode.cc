#include "codecs/cm/cm_decode.h"

#include "codecs/cm/cm_model.h"
#include "codecs/cm/cm_params.h"
#include "entropy/binary_coder.h"

namespace kolmo {

Status decode_cm_block(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                       const DecodeLimits& limits) {
  KOLMO_ASSIGN_OR_RETURN(const cm::Params p, cm::parse_params(params));
  // The memory check comes first so that a file is refused the same way whatever its size.
  const std::uint64_t need = cm::model_memory_bytes(p);
  if (need > limits.memory_bytes) {
    return limit_exceeded("cm model needs " + std::to_string(need) + " bytes, limit is " +
                          std::to_string(limits.memory_bytes));
  }
  if (output.empty()) {
    if (!payload.empty()) return corrupt_data("cm block of 0 bytes has a payload");
    return ok_status();
  }
  // The model reads back the bytes already decoded, which are written to output as they come.
  KOLMO_ASSIGN_OR_RETURN(auto model, cm::Model::create(p, output.data(), limits.memory_bytes));
  cm::Model& m = *model;
  BinaryDecoder dec(payload);
  for (std::uint8_t& out : output) {
    std::uint32_t c = 0;
    for (int i = 0; i < 8; ++i) {
      const int bit = dec.decode(m.predict());
      m.update(bit);
      c = (c << 1) | static_cast<std::uint32_t>(bit);
    }
    out = static_cast<std::uint8_t>(c);
    m.end_byte();
  }
  if (!dec.consumed_exactly()) {
    return corrupt_data("cm payload size does not match its content (truncated or corrupt)");
  }
  return ok_status();
}

}  // namespace kolmo
