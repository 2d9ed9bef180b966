#include "codecs/cm/cm_encode.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "codecs/level_option.h"
#include "codecs/cm/cm_model.h"
#include "codecs/cm/cm_params.h"
#include "codecs/cm/cm_ssm_input.h"
#include "codecs/cm/cm_text_transform.h"
#include "codecs/cm/cm_text_transform_encode.h"
#include "entropy/binary_coder.h"

namespace kolmo {
namespace {

constexpr int kCmDefaultLevel = 5;
// With the SSM input: its token model's tables grow with the block's tokens (one per byte at
// worst: about 1.2 GB for 4 MiB), so blocks stay at 4 MiB; a block whose token model would not fit
// beside level 9's model (0.9 GB) in the decoder's default 2 GiB is coded without it.
constexpr std::uint64_t kSsmBlockSize = std::uint64_t{4} << 20;

// Codes every bit of input with the model's predictions, appending the coder's bytes to payload.
void code_bytes(cm::Model& m, ByteSpan input, Bytes& payload) {
  BinaryEncoder enc(payload);
  for (const std::uint8_t byte : input) {
    for (int i = 7; i >= 0; --i) {
      const int bit = (byte >> i) & 1;
      enc.encode(bit, m.predict());
      m.update(bit);
    }
    m.end_byte();
  }
  enc.finish();
}

// What the options ask for beyond the level.
struct SsmOption {
  bool on = false;
  std::uint32_t vocab_limit = statesmix::kMaxVocabSize;  // tokenizer ids below this (and bytes)
  bool lstm = false;  // the LSTM input (cm_lstm.h)
};

class CmEncoder final : public BlockEncoder {
 public:
  CmEncoder(int level, SsmOption ssm) : level_(level), ssm_(ssm) {}

  Status encode_block(ByteSpan input, EncodedBlock& out) const override {
    return encode_block_threaded(input, out, 1);
  }

  // threads: unused since round 10s (the SSM input's token model is serial).
  Status encode_block_threaded(ByteSpan input, EncodedBlock& out,
                               unsigned threads) const override {
    out.payload.clear();
    const Bytes transformed = text_transform(input);
    const bool transform = !transformed.empty();
    const ByteSpan coded = transform ? ByteSpan(transformed) : input;
    cm::Params params = cm::params_for(level_, coded.size());
    params.text_transform = transform;
    params.ssm = ssm_.on;
    params.lstm = ssm_.lstm;
    std::unique_ptr<cm::SsmInput> ssm;
    Bytes ssm_header;
    if (ssm_.on && !input.empty()) {
      // A block whose token model would not fit beside the model in the decoder's default
      // memory limit is coded without it (binary-like data: about one token per byte).
      const std::uint64_t model = cm::model_memory_bytes(params) + transformed.size();
      const std::uint64_t limit = DecodeLimits{}.memory_bytes;
      ByteWriter header;
      KOLMO_ASSIGN_OR_RETURN(ssm, cm::SsmInput::for_encoding(coded, ssm_.vocab_limit, threads,
                                                             model < limit ? limit - model : 0,
                                                             header));
      ssm_header = header.take();
      params.ssm = ssm != nullptr;
    }
    out.params = cm::serialize_params(params);
    if (input.empty()) return ok_status();  // nothing to model: an empty payload
    out.payload.reserve(coded.size() / 3 + 16);
    if (transform) append_varint(out.payload, transformed.size());
    out.payload.insert(out.payload.end(), ssm_header.begin(), ssm_header.end());
    return encode_stream(params, coded, std::move(ssm), out.payload);
  }
  // Large blocks: the model learns across the whole block, and its tables grow with the block
  // only up to the level's maximum.
  std::uint64_t preferred_block_size() const override {
    return ssm_.on ? kSsmBlockSize : std::uint64_t{64} << 20;
  }
  // The model, and the text transform of a block when it is used.
  std::uint64_t working_memory() const override {
    cm::Params p = cm::params_for(level_, preferred_block_size());
    p.ssm = ssm_.on;
    p.lstm = ssm_.lstm;
    const std::uint64_t model =
        cm::model_memory_bytes(p) + cm::max_transformed_size(preferred_block_size());
    // The token model is used only where it fits beside the model in the decoder's default limit.
    const std::uint64_t ssm_bytes =
        ssm_.on ? cm::SsmInput::memory_bytes(statesmix::kMaxVocabSize, preferred_block_size(),
                                             std::uint64_t{64} * statesmix::kMaxVocabSize)
                : 0;
    return std::max(model, std::min(model + ssm_bytes, DecodeLimits{}.memory_bytes));
  }
  std::string spec() const override {
    std::string s = "cm:" + std::to_string(level_);
    if (ssm_.on) s += ",ssm";
    if (ssm_.on && ssm_.vocab_limit != statesmix::kMaxVocabSize) {
      s += ",ssm-vocab=" + std::to_string(ssm_.vocab_limit);
    }
    if (ssm_.lstm) s += ",lstm";
    return s;
  }

 private:
  // The text transform of a text-like block, or nothing (empty) where it is not used.
  Bytes text_transform(ByteSpan input) const {
    if (!cm::looks_like_text(input)) return {};
    Bytes t = cm::forward_text_transform(input, cm::text_transform_options(level_, input.size()));
    if (t.size() > cm::max_transformed_size(input.size())) return {};
    return t;
  }

  static Status encode_stream(const cm::Params& params, ByteSpan input,
                              std::unique_ptr<cm::SsmInput> ssm, Bytes& payload) {
    // A fresh model per call keeps encode_block thread-safe.
    KOLMO_ASSIGN_OR_RETURN(auto model, cm::Model::create(params, input.data(),
                                                         std::numeric_limits<std::uint64_t>::max(),
                                                         std::move(ssm)));
    code_bytes(*model, input, payload);
    return ok_status();
  }

  int level_;
  SsmOption ssm_;
};

Status bad_option(std::string_view options, std::string_view why) {
  return invalid_argument("cm options '" + std::string(options) + "': " + std::string(why) +
                          " (expected N or level=N with N in 1..9, ssm, ssm=0|1, ssm-vocab=K, lstm,"
                          " lstm=0|1)");
}

// Splits "9,ssm" / "level=9,ssm=1,ssm-vocab=4096,lstm" into the level part (parse_level_option's)
// and the SSM and LSTM items. Each may appear once.
Expected<std::string_view> parse_ssm_items(std::string_view options, SsmOption& ssm) {
  std::string_view level;
  bool seen_level = false, seen_ssm = false, seen_vocab = false, seen_lstm = false;
  std::string_view rest = options;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (comma != std::string_view::npos && rest.empty()) {
      return bad_option(options, "trailing comma");
    }
    if (item == "ssm" || item == "ssm=1" || item == "ssm=0") {
      if (seen_ssm) return bad_option(options, "ssm given twice");
      seen_ssm = true;
      ssm.on = item != "ssm=0";
    } else if (item == "lstm" || item == "lstm=1" || item == "lstm=0") {
      if (seen_lstm) return bad_option(options, "lstm given twice");
      seen_lstm = true;
      ssm.lstm = item != "lstm=0";
    } else if (item.substr(0, 10) == "ssm-vocab=") {
      const std::string_view v = item.substr(10);
      std::uint32_t k = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), k);
      if (seen_vocab || ec != std::errc() || end != v.data() + v.size() || k < 256 ||
          k > statesmix::kMaxVocabSize) {
        return bad_option(options, "ssm-vocab must be given once, 256.." +
                                       std::to_string(statesmix::kMaxVocabSize));
      }
      seen_vocab = true;
      ssm.vocab_limit = k;
    } else {
      if (seen_level || item.empty()) {
        return bad_option(options, "one level at most, no empty item");
      }
      seen_level = true;
      level = item;
    }
  }
  if (seen_vocab && !ssm.on) return bad_option(options, "ssm-vocab needs ssm");
  return level;
}

}  // namespace

Status encode_cm_side_block(int level, ByteSpan input, cm::SideContexts& side, EncodedBlock& out) {
  if (level < 1 || level > 9 || !cm::side_contexts_fit(level, side.count())) {
    return invalid_argument("cm side contexts: no room at level " + std::to_string(level));
  }
  const cm::Params params = cm::params_for(level, input.size());
  out.params = cm::serialize_params(params);
  out.payload.clear();
  if (input.empty()) return ok_status();
  KOLMO_ASSIGN_OR_RETURN(auto model, cm::Model::create(params, input.data(),
                                                       std::numeric_limits<std::uint64_t>::max(),
                                                       nullptr, &side));
  out.payload.reserve(input.size() / 3 + 16);
  code_bytes(*model, input, out.payload);
  return ok_status();
}

Expected<std::unique_ptr<BlockEncoder>> make_cm_encoder(std::string_view options, int level) {
  SsmOption ssm;
  KOLMO_ASSIGN_OR_RETURN(const std::string_view level_part, parse_ssm_items(options, ssm));
  KOLMO_ASSIGN_OR_RETURN(const int effective,
                         parse_level_option("cm", level_part, level, kCmDefaultLevel));
  if (ssm.on) {
    // Refused here, with the places looked at, rather than at the first block.
    auto tok = statesmix::load_default_tokenizer();
    if (!tok.ok()) {
      return unsupported("cm option ssm needs the statesmix tokenizer (tokenizer.bin): " +
                         tok.status().message());
    }
  }
  return std::unique_ptr<BlockEncoder>(std::make_unique<CmEncoder>(effective, ssm));
}

}  // namespace kolmo
