#include "codecs/o2/o2_encode.h"

#include <limits>

#include "codecs/level_option.h"
#include "codecs/o2/o2_model.h"
#include "codecs/o2/o2_params.h"
#include "entropy/binary_coder.h"

namespace kolmo {
namespace {

class O2Encoder final : public BlockEncoder {
 public:
  O2Encoder(int level, o2::Params params) : level_(level), params_(params) {}

  Status encode_block(ByteSpan input, EncodedBlock& out) const override {
    out.params = o2::serialize_params(params_);
    out.payload.clear();
    if (input.empty()) return ok_status();  // nothing to model: an empty payload
    // A fresh model per call keeps encode_block thread-safe.
    KOLMO_ASSIGN_OR_RETURN(auto model,
                           o2::Model::create(params_, std::numeric_limits<std::uint64_t>::max(),
                                             input.size()));
    out.payload.reserve(input.size() / 2 + 16);
    encode_o2_payload(*model, input, {}, out.payload);
    return ok_status();
  }
  // Large blocks: the model learns across the whole block and its tables cost the same for any
  // block size.
  std::uint64_t preferred_block_size() const override { return std::uint64_t{16} << 20; }
  std::uint64_t working_memory() const override { return o2::model_memory_bytes(params_); }
  std::string spec() const override { return "o2:" + std::to_string(level_); }

 private:
  int level_;
  o2::Params params_;
};

}  // namespace

void encode_o2_payload(o2::Model& model, ByteSpan input, ByteSpan prime, Bytes& payload) {
  o2::learn(model, prime);
  BinaryEncoder enc(payload);
  o2::with_flags(model.params().flags, [&](auto flags) {
    constexpr std::uint8_t kFlags = decltype(flags)::value;
    for (const std::uint8_t byte : input) {
      for (int i = 7; i >= 0; --i) {
        const int bit = (byte >> i) & 1;
        enc.encode(bit, model.predict<kFlags>());
        model.update<kFlags>(bit);
      }
    }
  });
  enc.finish();
}

Expected<std::unique_ptr<BlockEncoder>> make_o2_encoder(std::string_view options, int level) {
  KOLMO_ASSIGN_OR_RETURN(const int effective, parse_level_option("o2", options, level, 5));
  return std::unique_ptr<BlockEncoder>(
      std::make_unique<O2Encoder>(effective, o2::params_for_level(effective)));
}

}  // namespace kolmo
