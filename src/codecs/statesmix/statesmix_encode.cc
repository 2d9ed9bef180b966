#include "codecs/statesmix/statesmix_encode.h"

#include <algorithm>

#include "codecs/statesmix/engine.h"
#include "codecs/statesmix/statesmix_format.h"
#include "codecs/statesmix/tokenizer.h"
#include "entropy/multisymbol_coder.h"

namespace kolmo {
namespace {

using namespace statesmix;

class StateSMixEncoder final : public BlockEncoder {
 public:
  explicit StateSMixEncoder(std::shared_ptr<const Tokenizer> tok) : tok_(std::move(tok)) {}

  Status encode_block(ByteSpan input, EncodedBlock& out) const override {
    return encode_block_threaded(input, out, 1);
  }

  // threads split the model's vocabulary-sized loops; the payload is the same for any count.
  Status encode_block_threaded(ByteSpan input, EncodedBlock& out,
                               unsigned threads) const override {
    Params params;
    params.tokenizer_hash = tok_->file_hash();
    const std::vector<std::uint32_t> tokens = tok_->encode(input);
    params.table_bits = table_bits_for(tokens.size());
    out.params = serialize_params(params);
    out.payload.clear();
    if (input.empty()) return ok_status();
    // Compact vocabulary: the ids present, in tokenizer order.
    std::vector<std::uint32_t> compact(tok_->vocab_size(), 0xffffffffu);
    for (std::uint32_t t : tokens) compact[t] = 0;
    std::vector<std::uint32_t> ids;
    for (std::uint32_t id = 0; id < tok_->vocab_size(); ++id) {
      if (compact[id] == 0) {
        compact[id] = static_cast<std::uint32_t>(ids.size());
        ids.push_back(id);
      }
    }
    const std::uint32_t ve = static_cast<std::uint32_t>(ids.size());
    ByteWriter w;
    w.varint(tokens.size());
    w.varint(ve);
    write_vocabulary(ids, w);
    Engine engine(ve, tokens.size(), params.table_bits, threads);
    RansEncoder rans(kScaleBits);
    for (std::uint32_t t : tokens) {
      const std::uint32_t c = compact[t];
      engine.predict();
      rans.put(engine.slice(c));
      engine.update(c);
    }
    KOLMO_ASSIGN_OR_RETURN(Bytes stream, rans.finish());
    w.bytes(stream);
    out.payload = w.take();
    return ok_status();
  }
  // The model learns across the block, so blocks are large; 8 MiB keeps even the worst case (one
  // token per byte: 8M tokens) at 1.87 GB, inside the default 2 GiB decoder limit (8 MiB of text,
  // about 2.5M tokens, needs about 1 GB).
  std::uint64_t preferred_block_size() const override { return std::uint64_t{8} << 20; }
  std::uint64_t working_memory() const override {
    const std::uint64_t n = preferred_block_size();  // at most one token per byte
    return Engine::memory_bytes(tok_->vocab_size(), n, table_bits_for(n));
  }
  std::string spec() const override { return "statesmix"; }

 private:
  std::shared_ptr<const Tokenizer> tok_;
};

}  // namespace

Expected<std::unique_ptr<BlockEncoder>> make_statesmix_encoder(std::string_view options,
                                                               int level) {
  if (!options.empty()) {
    return invalid_argument("statesmix takes no options, got '" + std::string(options) + "'");
  }
  KOLMO_ASSIGN_OR_RETURN(auto tok, load_default_tokenizer());
  return std::unique_ptr<BlockEncoder>(std::make_unique<StateSMixEncoder>(std::move(tok)));
}

}  // namespace kolmo
