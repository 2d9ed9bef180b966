#include "codecs/cm/cm_decode.h"

#include "codecs/cm/cm_model.h"
#include "codecs/cm/cm_params.h"
#include "codecs/cm/cm_ssm_input.h"
#include "codecs/cm/cm_text_transform.h"
#include "entropy/binary_coder.h"

namespace kolmo {
namespace {

Status limit_error(std::uint64_t need, const DecodeLimits& limits) {
  return limit_exceeded("cm model needs " + std::to_string(need) + " bytes, limit is " +
                        std::to_string(limits.memory_bytes));
}

// Decodes the coded stream into output (the block, or its text transform). With the SSM input,
// the payload starts with its header, and the input's memory counts against memory_limit.
Status decode_stream(const cm::Params& p, ByteSpan payload, MutableByteSpan output,
                     std::uint64_t memory_limit, unsigned threads,
                     cm::SideContexts* side = nullptr) {
  std::unique_ptr<cm::SsmInput> ssm;
  if (p.ssm) {
    ByteReader in(payload);
    const std::uint64_t model_bytes = cm::model_memory_bytes(p);
    if (model_bytes > memory_limit) return limit_exceeded("cm model exceeds the memory limit");
    KOLMO_ASSIGN_OR_RETURN(ssm, cm::SsmInput::read(in, output.size(), memory_limit - model_bytes,
                                                   threads));
    payload = payload.subspan(in.position());
    memory_limit = model_bytes;  // what is left for the model
  }
  // The model reads back the bytes already decoded, which are written to output as they come.
  KOLMO_ASSIGN_OR_RETURN(auto model,
                         cm::Model::create(p, output.data(), memory_limit, std::move(ssm), side));
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
    // A cut-short payload is refused here rather than after the rest of the block was decoded
    // from zeros, which at level 9 would cost seconds per megabyte of declared size.
    if (dec.overran()) return corrupt_data("cm payload ends before its block (truncated)");
    m.end_byte();
  }
  if (!dec.consumed_exactly()) {
    return corrupt_data("cm payload size does not match its content (truncated or corrupt)");
  }
  return ok_status();
}

// A transformed block: the payload starts with the transformed size, bounded by the block size
// and checked against the memory limit before the buffer is allocated.
Status decode_transformed(const cm::Params& p, ByteSpan payload, MutableByteSpan output,
                          const DecodeLimits& limits) {
  ByteReader in(payload);
  const std::uint64_t size =
      in.varint_at_most(cm::max_transformed_size(output.size()), "cm transformed size");
  if (!in.ok()) return corrupt_data("cm transformed size is missing or too large for the block");
  if (size == 0) return corrupt_data("cm transformed block is empty");
  const std::uint64_t need = cm::model_memory_bytes(p) + size;
  if (need > limits.memory_bytes) return limit_error(need, limits);
  Bytes transformed(size);
  KOLMO_RETURN_IF_ERROR(decode_stream(p, payload.subspan(in.position()), transformed,
                                      limits.memory_bytes - size, limits.threads));
  return cm::inverse_text_transform(transformed, output);
}

}  // namespace

Status decode_cm_block(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                       const DecodeLimits& limits) {
  KOLMO_ASSIGN_OR_RETURN(const cm::Params p, cm::parse_params(params));
  // The memory check comes first so that a file is refused the same way whatever its size.
  const std::uint64_t need = cm::model_memory_bytes(p);
  if (need > limits.memory_bytes) return limit_error(need, limits);
  if (output.empty()) {
    if (!payload.empty()) return corrupt_data("cm block of 0 bytes has a payload");
    return ok_status();
  }
  if (p.text_transform) return decode_transformed(p, payload, output, limits);
  return decode_stream(p, payload, output, limits.memory_bytes, limits.threads);
}

Status decode_cm_side_block(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                            const DecodeLimits& limits, cm::SideContexts& side) {
  KOLMO_ASSIGN_OR_RETURN(const cm::Params p, cm::parse_params(params));
  if (p.text_transform || p.ssm || p.lstm) {
    return corrupt_data("cm side-context block with transform, SSM or LSTM");
  }
  if (!cm::side_contexts_fit(p.level, side.count())) {
    return corrupt_data("cm side-context block at a level without room for them");
  }
  const std::uint64_t need = cm::model_memory_bytes(p, side.count());
  if (need > limits.memory_bytes) return limit_error(need, limits);
  if (output.empty()) {
    if (!payload.empty()) return corrupt_data("cm block of 0 bytes has a payload");
    return ok_status();
  }
  return decode_stream(p, payload, output, limits.memory_bytes, limits.threads, &side);
}

}  // namespace kolmo
