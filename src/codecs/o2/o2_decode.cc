#include "codecs/o2/o2_decode.h"

#include "codecs/o2/o2_model.h"
#include "codecs/o2/o2_params.h"
#include "entropy/binary_coder.h"

namespace kolmo {

Status decode_o2_block(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                       const DecodeLimits& limits) {
  return decode_o2_primed(params, payload, output, limits, {});
}

Status decode_o2_primed(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                        const DecodeLimits& limits, ByteSpan prime) {
  KOLMO_ASSIGN_OR_RETURN(const o2::Params p, o2::parse_params(params));
  // The memory check comes first so that a file is refused the same way whatever its size.
  const std::uint64_t need = o2::model_memory_bytes(p);
  if (need > limits.memory_bytes) {
    return limit_exceeded("o2 model needs " + std::to_string(need) + " bytes, limit is " +
                          std::to_string(limits.memory_bytes));
  }
  if (output.empty()) {
    if (!payload.empty()) return corrupt_data("o2 block of 0 bytes has a payload");
    return ok_status();
  }
  KOLMO_ASSIGN_OR_RETURN(auto model, o2::Model::create(p, limits.memory_bytes, output.size()));
  o2::learn(*model, prime);
  BinaryDecoder dec(payload);
  o2::with_flags(p.flags, [&](auto flags) {
    constexpr std::uint8_t kFlags = decltype(flags)::value;
    o2::Model& m = *model;
    for (std::uint8_t& out : output) {
      std::uint32_t c = 0;
      for (int i = 0; i < 8; ++i) {
        const int bit = dec.decode(m.predict<kFlags>());
        m.update<kFlags>(bit);
        c = (c << 1) | static_cast<std::uint32_t>(bit);
      }
      out = static_cast<std::uint8_t>(c);
      if (dec.overran()) break;  // cut short: the check below reports it
    }
  });
  if (!dec.consumed_exactly()) {
    return corrupt_data("o2 payload size does not match its content (truncated or corrupt)");
  }
  return ok_status();
}

}  // namespace kolmo
