// Fuzzes the statesmix codec and its tokenizer parser. Mode (first byte) % 4:
//  0, 2: decode: the input is split into params, a declared output size (at most 64 KiB) and a
//        payload; with mode bit 1 the params are valid (right tokenizer hash) so that the payload
//        reaches the vocabulary reader, the model and the rANS decoder; decoding must fail cleanly
//        or fill the output;
//  1:    round trip of the rest of the input (at most 2 KiB: the model is slow); any mismatch traps;
//  3:    tokenizer.bin parsing of the rest of the input: must fail cleanly or give a tokenizer
//        whose tokens spell back any bytes encoded with it.
// The codec modes need tokenizer.bin (KOLMO_STATESMIX_TOKENIZER or ../shared/reference); without
// it they only check that the decoder refuses cleanly.
#include <cstddef>
#include <cstdint>

#include "codec_fuzz.h"
#include "codecs/statesmix/context_models.h"
#include "codecs/statesmix/statesmix_decode.h"
#include "codecs/statesmix/statesmix_encode.h"
#include "codecs/statesmix/statesmix_format.h"
#include "codecs/statesmix/tokenizer.h"

namespace {

void check_tokenizer(kolmo::ByteSpan file) {
  auto tok = kolmo::statesmix::Tokenizer::parse(file);
  if (!tok.ok()) return;
  static const char kSample[] = "fuzzing the tokenizer: abcabc \x01\x02\xff";
  const kolmo::ByteSpan sample(reinterpret_cast<const std::uint8_t*>(kSample), sizeof kSample);
  kolmo::Bytes back;
  for (std::uint32_t id : (*tok)->encode(sample)) {
    const kolmo::ByteSpan s = (*tok)->token_bytes(id);
    back.insert(back.end(), s.begin(), s.end());
  }
  if (back.size() != sample.size()) __builtin_trap();
  for (std::size_t i = 0; i < back.size(); ++i) {
    if (back[i] != sample[i]) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint8_t mode = data[0] % 4;
  if (mode == 3) {
    check_tokenizer(kolmo::ByteSpan(data + 1, size - 1));
    return 0;
  }
  auto tok = kolmo::statesmix::load_default_tokenizer();
  if (mode == 1) {
    if (!tok.ok() || size > 2049) return 0;
    auto enc = kolmo::make_statesmix_encoder("", 0);
    if (!enc.ok()) __builtin_trap();
    kolmo::fuzz::check_round_trip(**enc, &kolmo::decode_statesmix_block,
                                  kolmo::ByteSpan(data + 1, size - 1));
    return 0;
  }
  kolmo::statesmix::Params params;
  params.tokenizer_hash = tok.ok() ? (*tok)->file_hash() : 0;
  params.table_bits = kolmo::statesmix::kMinTableBits + data[1] % 4;
  // A 4 MiB limit refuses all but the smallest declared blocks.
  kolmo::fuzz::check_decode_is_safe(data, size, &kolmo::decode_statesmix_block,
                                    kolmo::statesmix::serialize_params(params),
                                    std::uint64_t{4} << 20);
  return 0;
}
