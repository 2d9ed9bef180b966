// Fuzzes the log codec (its template/column decoder and stream backends). The first byte picks
// what an input does:
//  - mode % 16 == 1, round trip: the rest of the input is compressed in the mode it chooses
//    (default, fast, Logzip 1-3, a given format) and decoded again; any mismatch traps. Encoding
//    is slow (every stream tries several backends), so only 1 input in 16 does this;
//  - otherwise, mode bit 3 or 4 set (3 inputs in 4), mutated seed: one of a few valid payloads,
//    encoded once at start-up from small generated logs, gets the input's bytes as edits (each
//    triple: offset lo, offset hi, xor byte) and is decoded into its true size (or a size the
//    input bends); this reaches deep into the column decoder, which random bytes rarely do. The
//    seeds use the zstd and lzma backends only: an o2 stream costs a fresh o2 model per decode
//    (its page faults dominate tiny inputs), and fuzz_o2_decode covers that decoder; one seed is
//    a side-information block (backend 5: every line whole, cm level 1 with the line contexts),
//    one a hybrid block (backend 7: header columns, contents by cm with the line contexts and
//    the header keys), one a round-6 hybrid block (backend 6, without the header keys);
//    The same payload is also searched by grep_log_block for a pattern cut from the seed's text:
//    whenever the decode succeeds, grep must report exactly the lines a plain search finds.
//    Some seeds are version-2 blocks with their dictionary (docs/log.md, "Dictionary frame");
//    mode bit 5 moves the edits from the payload into the dictionary body, and the params then
//    name the edited body (as a file whose dictionary frame checks still hold would);
//  - otherwise, raw decode (check_decode_is_safe reads mode bits 1 and 2): the input is split into params, a declared output size (at most
//    64 KiB here; the container bounds it in real use) and a payload; decoding must fail cleanly
//    or fill the output.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec_fuzz.h"
#include "codecs/log/log_decode.h"
#include "codecs/log/log_dictionary.h"
#include "codecs/log/log_encode.h"
#include "codecs/log/log_format.h"
#include "codecs/log/log_grep.h"
#include "kolmo/hash.h"

namespace {

using Encoders = std::vector<std::unique_ptr<kolmo::BlockEncoder>>;

Encoders* make_encoders(std::initializer_list<const char*> specs) {
  auto* v = new Encoders;
  for (const char* spec : specs) {
    auto enc = kolmo::make_log_encoder(spec, 0);
    if (!enc.ok()) __builtin_trap();
    v->push_back(std::move(*enc));
  }
  return v;
}

// Built once (never freed: they live as long as the process).
const Encoders& round_trip_encoders() {
  static const Encoders* list = make_encoders(
      {"", "fast", "logzip=1", "logzip=2", "logzip=3", "format=<A> <B>: <Content>", "max,cm=1,side",
       "max,cm=1,hybrid"});
  return *list;
}

const Encoders& seed_encoders() {
  static const Encoders* list = make_encoders(
      // (the last one also makes the version-2 seeds)
      {"fast", "logzip=1", "logzip=2", "logzip=3", "max,cm=1,side", "max,cm=1,hybrid", "max,cm=1,hybrid6",
       "fast,format=<A> <B> <C>: <Content>"});
  return *list;
}

// A small log with a header, templates, numbers, repeated values, a raw line and CRLF.
std::string sample_log(int variant) {
  std::string s;
  for (int i = 0; i < 40; ++i) {
    const int v = i * 37 + variant;
    s += "2026-11-" + std::to_string(10 + variant) + " 12:00:" + std::to_string(10 + i) + " ";
    s += (i % 3 == 0 ? "INFO" : "WARN");
    s += " node-" + std::to_string(v % 5) + ": ";
    switch ((i + variant) % 4) {
      case 0: s += "Received block blk_" + std::to_string(v * 1013) + " of size " + std::to_string(v * 7); break;
      case 1: s += "Connection from 10.0." + std::to_string(v % 7) + "." + std::to_string(v % 250) + " closed"; break;
      case 2: s += "user u" + std::to_string(v % 3) + " logged in  after " + std::to_string(v) + " ms"; break;
      default: s += "job=" + std::to_string(v) + ",state=RUNNING|queue=q" + std::to_string(v % 2); break;
    }
    s += (i % 9 == 4 ? "\r\n" : "\n");
    if (i == 17) s += "  a raw line that matches no header\n";
  }
  if (variant % 2 == 1) s += "no final newline";
  return s;
}

struct Seed {
  kolmo::Bytes params;
  kolmo::Bytes payload;
  std::size_t size = 0;
  std::string text;
  kolmo::Bytes dictionary;  // version-2 seeds only
};

const std::vector<Seed>& seeds() {
  static const auto* list = [] {
    auto* v = new std::vector<Seed>;
    for (int variant = 0; variant < 2; ++variant) {
      const std::string text = sample_log(variant);
      for (const auto& enc : seed_encoders()) {
        kolmo::EncodedBlock block;
        const kolmo::ByteSpan in(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
        if (!enc->encode_block(in, block).ok()) __builtin_trap();
        v->push_back({std::move(block.params), std::move(block.payload), text.size(), text, {}});
      }
    }
    // Version 2: the second variant's log after a dictionary of the first's.
    const std::string base = sample_log(0);
    const std::string text = sample_log(1);
    for (std::size_t e = 0; e < 2; ++e) {
      const auto& enc = seed_encoders()[e == 0 ? 0 : seed_encoders().size() - 1];
      auto dict = enc->build_dictionary(
          kolmo::ByteSpan(reinterpret_cast<const std::uint8_t*>(base.data()), base.size()));
      if (!dict.ok() || dict->empty()) __builtin_trap();
      kolmo::EncodedBlock block;
      const kolmo::ByteSpan in(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
      if (!enc->encode_block_with_dictionary(in, *dict, block, 1).ok()) __builtin_trap();
      v->push_back({std::move(block.params), std::move(block.payload), text.size(), text, *dict});
    }
    return v;
  }();
  return *list;
}

// The lines of `text` holding `pattern`, "\r" kept, as `grep -a -F` finds them.
std::vector<std::string> plain_grep(std::string_view text, std::string_view pattern) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const std::size_t nl = std::min(text.find('\n'), text.size());
    if (text.substr(0, nl).find(pattern) != std::string_view::npos) out.emplace_back(text.substr(0, nl));
    text.remove_prefix(std::min(nl + 1, text.size()));
  }
  return out;
}

void grep_payload(const kolmo::Bytes& params, const kolmo::Bytes& payload, const kolmo::Bytes& decoded,
                  bool decoded_ok, std::string_view pattern, const kolmo::DecodeLimits& limits) {
  std::vector<std::string> found;
  const auto r = kolmo::logc::grep_log_block(params, payload, decoded.size(), pattern, limits,
                                             [&](const kolmo::logc::GrepLine& line) {
                                               if (line.text.find(pattern) != std::string_view::npos) found.emplace_back(line.text);
                                             });
  if (!decoded_ok) return;  // grep checks less than the decoder: it may succeed where decode fails
  const std::string_view text(reinterpret_cast<const char*>(decoded.data()), decoded.size());
  if (!r.ok() || found != plain_grep(text, pattern)) __builtin_trap();
}

void decode_mutated_seed(const std::uint8_t* data, std::size_t size) {
  const Seed& seed = seeds()[data[1] % seeds().size()];
  kolmo::Bytes payload = seed.payload;
  kolmo::Bytes dictionary = seed.dictionary;
  kolmo::Bytes params = seed.params;
  // data[2]: bends the output size by -8..+7 so size checks get exercised too.
  const std::size_t out_size = seed.size + (data[2] & 15) - 8;  // seeds are far longer than 8
  const bool edited = size >= 6;
  kolmo::Bytes& target = (data[0] & 0x20) != 0 && !dictionary.empty() ? dictionary : payload;
  for (std::size_t i = 3; i + 2 < size && !target.empty(); i += 3) {
    const std::size_t at = (data[i] | (std::size_t{data[i + 1]} << 8)) % target.size();
    target[at] ^= data[i + 2];
  }
  if (!dictionary.empty()) kolmo::store_le64(&params[1], kolmo::xxh64(dictionary));
  kolmo::DecodeLimits limits;
  limits.dictionary = dictionary;
  kolmo::Bytes out(out_size);
  const kolmo::Status st = kolmo::decode_log_block(params, payload, out, limits);
  if (!edited && out_size == seed.size && !st.ok()) __builtin_trap();  // a valid seed must decode
  const std::size_t from = (data[1] * 131u + data[size - 1] * 7u) % seed.text.size();
  grep_payload(params, payload, out, st.ok(), std::string_view(seed.text).substr(from, 1 + data[size - 1] % 11),
               limits);
}

}  // namespace

// libFuzzer's entropic scheduler spends most of this target's time updating feature frequencies
// (the seeds make tens of thousands of features; measured: 84 % of a run in
// InputCorpus::UpdateFeatureFrequency, ~20 exec/s, against ~240 exec/s with -entropic=0). The flag
// is added here, before libFuzzer parses its arguments, unless the command line sets it.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  for (int i = 1; i < *argc; ++i) {
    if (std::string_view((*argv)[i]).starts_with("-entropic=")) return 0;
  }
  static std::vector<char*> args;
  static char entropic_off[] = "-entropic=0";
  args.assign(*argv, *argv + *argc);
  args.push_back(entropic_off);
  args.push_back(nullptr);
  *argc += 1;
  *argv = args.data();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint8_t mode = data[0];
  if (mode % 16 == 1) {
    const Encoders& encoders = round_trip_encoders();
    kolmo::fuzz::check_round_trip(*encoders[(mode >> 4) % encoders.size()], &kolmo::decode_log_block,
                                  kolmo::ByteSpan(data + 1, size - 1));
    return 0;
  }
  if ((mode & 0x18) != 0) {
    decode_mutated_seed(data, size);
    return 0;
  }
  const kolmo::Bytes params = {kolmo::logc::kPayloadVersion};
  kolmo::fuzz::check_decode_is_safe(data, size, &kolmo::decode_log_block, params,
                                    std::uint64_t{1} << 20);
  return 0;
}
