#include "codecs/cm/cm_encode.h"

#include <limits>

#include "codecs/level_option.h"
#include "codecs/cm/cm_model.h"
#include "codecs/cm/cm_params.h"
#include "codecs/cm/cm_text_transform.h"
#include "codecs/cm/cm_text_transform_encode.h"
#include "entropy/binary_coder.h"

namespace kolmo {
namespace {

constexpr int kCmDefaultLevel = 5;

class CmEncoder final : public BlockEncoder {
 public:
  explicit CmEncoder(int level) : level_(level) {}

  Status encode_block(ByteSpan input, EncodedBlock& out) const override {
    out.payload.clear();
    const Bytes transformed = text_transform(input);
    const bool transform = !transformed.empty();
    const ByteSpan coded = transform ? ByteSpan(transformed) : input;
    cm::Params params = cm::params_for(level_, coded.size());
    params.text_transform = transform;
    out.params = cm::serialize_params(params);
    if (input.empty()) return ok_status();  // nothing to model: an empty payload
    out.payload.reserve(coded.size() / 3 + 16);
    if (transform) append_varint(out.payload, transformed.size());
    return encode_stream(params, coded, out.payload);
  }
  // Large blocks: the model learns across the whole block, and its tables grow with the block
  // only up to the level's maximum.
  std::uint64_t preferred_block_size() const override { return std::uint64_t{64} << 20; }
  // The model, and the text transform of a block when it is used.
  std::uint64_t working_memory() const override {
    return cm::model_memory_bytes(cm::params_for(level_, preferred_block_size())) +
           cm::max_transformed_size(preferred_block_size());
  }
  std::string spec() const override { return "cm:" + std::to_string(level_); }

 private:
  // The text transform of a text-like block, or nothing (empty) where it is not used.
  Bytes text_transform(ByteSpan input) const {
    if (!cm::looks_like_text(input)) return {};
    Bytes t = cm::forward_text_transform(input, cm::text_transform_options(level_, input.size()));
    if (t.size() > cm::max_transformed_size(input.size())) return {};
    return t;
  }

  static Status encode_stream(const cm::Params& params, ByteSpan input, Bytes& payload) {
    // A fresh model per call keeps encode_block thread-safe.
    KOLMO_ASSIGN_OR_RETURN(auto model, cm::Model::create(params, input.data(),
                                                         std::numeric_limits<std::uint64_t>::max()));
    BinaryEncoder enc(payload);
    cm::Model& m = *model;
    for (const std::uint8_t byte : input) {
      for (int i = 7; i >= 0; --i) {
        const int bit = (byte >> i) & 1;
        enc.encode(bit, m.predict());
        m.update(bit);
      }
      m.end_byte();
    }
    enc.finish();
    return ok_status();
  }

  int level_;
};

}  // namespace

Expected<std::unique_ptr<BlockEncoder>> make_cm_encoder(std::string_view options, int level) {
  KOLMO_ASSIGN_OR_RETURN(const int effective,
                         parse_level_option("cm", options, level, kCmDefaultLevel));
  return std::unique_ptr<BlockEncoder>(std::make_unique<CmEncoder>(effective));
}

}  // namespace kolmo
