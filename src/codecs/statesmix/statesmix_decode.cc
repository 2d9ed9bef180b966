#include "codecs/statesmix/statesmix_decode.h"

#include <cstring>

#include "codecs/statesmix/engine.h"
#include "codecs/statesmix/statesmix_format.h"
#include "codecs/statesmix/tokenizer.h"
#include "entropy/multisymbol_coder.h"

namespace kolmo {

using namespace statesmix;

namespace {
std::string hex64(std::uint64_t v) {
  static const char* const kDigits = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[i] = kDigits[v & 15];
  return s;
}
}  // namespace

Status decode_statesmix_block(ByteSpan params_bytes, ByteSpan payload, MutableByteSpan output,
                              const DecodeLimits& limits) {
  KOLMO_ASSIGN_OR_RETURN(const Params params, parse_params(params_bytes));
  if (output.empty()) {
    if (!payload.empty()) return corrupt_data("statesmix block of 0 bytes has a payload");
    return ok_status();
  }
  KOLMO_ASSIGN_OR_RETURN(auto tok, load_default_tokenizer());
  if (tok->file_hash() != params.tokenizer_hash) {
    return unsupported("statesmix block needs the tokenizer with XXH64 " +
                       hex64(params.tokenizer_hash) + ", the one found has " +
                       hex64(tok->file_hash()));
  }
  ByteReader r(payload);
  // Every token spells at least one byte, so N <= output size bounds everything below.
  const std::uint64_t n = r.varint_at_most(output.size(), "statesmix token count");
  const std::uint64_t ve_max = std::min<std::uint64_t>(n, tok->vocab_size());
  const std::uint64_t ve = r.varint_at_most(ve_max, "statesmix vocabulary size");
  if (!r.ok()) return r.status();
  if (n == 0 || ve == 0) return corrupt_data("statesmix block with bytes but no tokens");
  const std::uint64_t need = Engine::memory_bytes(static_cast<std::uint32_t>(ve), n,
                                                  params.table_bits);
  if (need > limits.memory_bytes) {
    return limit_exceeded("statesmix model needs " + std::to_string(need) +
                          " bytes, limit is " + std::to_string(limits.memory_bytes));
  }
  KOLMO_ASSIGN_OR_RETURN(
      const std::vector<std::uint32_t> ids,
      read_vocabulary(r, static_cast<std::uint32_t>(ve), tok->vocab_size()));
  const ByteSpan stream = r.bytes(r.remaining());
  Engine engine(static_cast<std::uint32_t>(ve), n, params.table_bits, limits.threads);
  RansDecoder rans(stream, kScaleBits);
  std::size_t pos = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    engine.predict();
    const std::uint32_t c =
        rans.decode([&](std::uint32_t slot, SymbolSlice& s) { return engine.find(slot, s); });
    const ByteSpan bytes = tok->token_bytes(ids[c]);
    if (bytes.size() > output.size() - pos) {
      return corrupt_data("statesmix tokens spell more bytes than the block holds");
    }
    std::memcpy(output.data() + pos, bytes.data(), bytes.size());
    pos += bytes.size();
    engine.update(c);
  }
  if (pos != output.size()) return corrupt_data("statesmix tokens spell fewer bytes than the block");
  return rans.finish();
}

}  // namespace kolmo
