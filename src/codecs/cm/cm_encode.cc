#include "codecs/cm/cm_encode.h"

#include <limits>

#include "codecs/level_option.h"
#include "codecs/cm/cm_model.h"
#include "codecs/cm/cm_params.h"
#include "entropy/binary_coder.h"

namespace kolmo {
namespace {

constexpr int kCmDefaultLevel = 5;

class CmEncoder final : public BlockEncoder {
 public:
  explicit CmEncoder(int level) : level_(level) {}

  Status encode_block(ByteSpan input, EncodedBlock& out) const override {
    const cm::Params params = cm::params_for(level_, input.size());
    out.params = cm::serialize_params(params);
    out.payload.clear();
    if (input.empty()) return ok_status();  // nothing to model: an empty payload
    // A fresh model per call keeps encode_block thread-safe.
    KOLMO_ASSIGN_OR_RETURN(auto model, cm::Model::create(params, input.data(),
                                                         std::numeric_limits<std::uint64_t>::max()));
    out.payload.reserve(input.size() / 3 + 16);
    BinaryEncoder enc(out.payload);
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
  // Large blocks: the model learns across the whole block, and its tables grow with the block
  // only up to the level's maximum.
  std::uint64_t preferred_block_size() const override { return std::uint64_t{64} << 20; }
  std::uint64_t working_memory() const override {
    return cm::model_memory_bytes(cm::params_for(level_, preferred_block_size()));
  }
  std::string spec() const override { return "cm:" + std::to_string(level_); }

 private:
  int level_;
};

}  // namespace

Expected<std::unique_ptr<BlockEncoder>> make_cm_encoder(std::string_view options, int level) {
  KOLMO_ASSIGN_OR_RETURN(const int effective,
                         parse_level_option("cm", options, level, kCmDefaultLevel));
  return std::unique_ptr<BlockEncoder>(std::make_unique<CmEncoder>(effective));
}

}  // namespace kolmo
