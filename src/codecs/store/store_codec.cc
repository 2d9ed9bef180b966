#include "codecs/store/store_codec.h"

#include <algorithm>

namespace kolmo {
namespace {

class StoreEncoder final : public BlockEncoder {
 public:
  Status encode_block(ByteSpan input, EncodedBlock& out) const override {
    out.params.clear();
    out.payload.assign(input.begin(), input.end());
    return ok_status();
  }
  std::uint64_t preferred_block_size() const override { return std::uint64_t{4} << 20; }
  std::uint64_t working_memory() const override { return 0; }
  std::string spec() const override { return "store"; }
};

Expected<std::unique_ptr<BlockEncoder>> make_store_encoder(std::string_view options, int) {
  if (!options.empty()) return invalid_argument("codec 'store' takes no options");
  return std::unique_ptr<BlockEncoder>(std::make_unique<StoreEncoder>());
}

Status decode_store(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                    const DecodeLimits&) {
  if (!params.empty()) return corrupt_data("store block has parameters");
  if (payload.size() != output.size()) {
    return corrupt_data("store block holds " + std::to_string(payload.size()) +
                        " bytes but declares " + std::to_string(output.size()));
  }
  std::copy(payload.begin(), payload.end(), output.begin());
  return ok_status();
}

}  // namespace

CodecInfo store_codec_info() {
  return {CodecId::kStore, "store", "no compression", &make_store_encoder, &decode_store};
}

}  // namespace kolmo
