#include "codecs/log/log_dictionary.h"

#include <algorithm>
#include <mutex>
#include <string>

#include "codecs/log/log_decode.h"
#include "kolmo/hash.h"

namespace kolmo::logc {
namespace {

std::string hex64(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = kDigits[v & 15];
  return s;
}

// One expansion kept: a file has one dictionary, and its blocks (on any thread) reuse it.
std::mutex g_cache_mutex;
std::shared_ptr<const LogDictionary> g_cache;

std::shared_ptr<const LogDictionary> cached(ByteSpan body) {
  std::lock_guard<std::mutex> lock(g_cache_mutex);
  if (g_cache != nullptr && std::equal(body.begin(), body.end(), g_cache->body.begin(),
                                       g_cache->body.end())) {
    return g_cache;
  }
  return nullptr;
}

Expected<std::shared_ptr<const LogDictionary>> expand(ByteSpan body, const DecodeLimits& limits) {
  ByteReader in(body);
  const std::uint8_t version = in.u8();
  const std::uint64_t sample_size =
      in.varint_at_most(kMaxDictionarySample, "log dictionary sample size");
  KOLMO_RETURN_IF_ERROR(in.status());
  if (version != kDictionaryVersion) return unsupported("log: unknown dictionary version");
  if (sample_size == 0) return corrupt_data("log: empty dictionary sample");
  if (sample_size + body.size() > limits.memory_bytes) {
    return limit_exceeded("log: the dictionary exceeds the memory limit");
  }
  auto dict = std::make_shared<LogDictionary>();
  dict->body.assign(body.begin(), body.end());
  dict->hash = xxh64(body);
  dict->sample_size = sample_size;
  DecodeLimits sample_limits = limits;
  sample_limits.dictionary = {};
  sample_limits.memory_bytes = limits.memory_bytes - body.size();
  const std::uint8_t params[1] = {kPayloadVersion};
  Status s = read_log_block(params, body.subspan(in.position()), static_cast<std::size_t>(sample_size),
                            sample_limits, dict->sample);
  if (!s.ok()) return s.with_context("log dictionary");
  if (sample_size > sample_limits.memory_bytes - dict->memory_bytes()) {
    return limit_exceeded("log: the dictionary exceeds the memory limit");
  }
  dict->text.resize(static_cast<std::size_t>(sample_size));
  s = decode_log_block(params, body.subspan(in.position()), dict->text, sample_limits);
  if (!s.ok()) return s.with_context("log dictionary");
  return std::shared_ptr<const LogDictionary>(std::move(dict));
}

}  // namespace

std::uint64_t LogDictionary::memory_bytes() const {
  std::uint64_t n = body.size();
  for (const Bytes& s : sample.streams) n += s.size();
  return n + sample.arena.size() + text.size();
}

Expected<ByteSpan> sample_copy(ByteSpan params, ByteSpan payload, std::size_t output_size,
                               const LogDictionary& dict) {
  if (params.size() <= kDictionaryParamsSize) return corrupt_data("log: bad block parameters");
  ByteReader r(params.subspan(kDictionaryParamsSize));
  const std::uint64_t offset = r.varint_at_most(dict.text.size(), "log sample offset");
  if (!r.ok() || !r.at_end()) return corrupt_data("log: bad block parameters");
  if (!payload.empty()) return corrupt_data("log: a sample copy has a payload");
  if (output_size > dict.text.size() - offset) {
    return corrupt_data("log: the block runs past the dictionary's sample");
  }
  return ByteSpan(dict.text).subspan(static_cast<std::size_t>(offset), output_size);
}

Expected<std::shared_ptr<const LogDictionary>> expand_log_dictionary(ByteSpan body,
                                                                     const DecodeLimits& limits) {
  if (auto hit = cached(body)) {
    if (hit->memory_bytes() > limits.memory_bytes) {
      return limit_exceeded("log: the dictionary exceeds the memory limit");
    }
    return hit;
  }
  KOLMO_ASSIGN_OR_RETURN(std::shared_ptr<const LogDictionary> dict, expand(body, limits));
  std::lock_guard<std::mutex> lock(g_cache_mutex);
  g_cache = dict;
  return dict;
}

Expected<std::shared_ptr<const LogDictionary>> dictionary_for_params(ByteSpan params,
                                                                     const DecodeLimits& limits) {
  if (params.empty() ||
      (params[0] != kDictionaryPayloadVersion && params[0] != kSampleCopyVersion)) {
    return internal_error("log: not dictionary params");
  }
  if (params.size() < kDictionaryParamsSize) return corrupt_data("log: bad block parameters");
  const std::uint64_t named = load_le64(params.data() + 1);
  if (limits.dictionary.empty()) {
    return corrupt_data("log: the block needs dictionary " + hex64(named) +
                        ", and the file has no dictionary frame for it");
  }
  const std::uint64_t have = xxh64(limits.dictionary);
  if (have != named) {
    return corrupt_data("log: the block needs dictionary " + hex64(named) +
                        ", the file's dictionary frame holds " + hex64(have));
  }
  return expand_log_dictionary(limits.dictionary, limits);
}

}  // namespace kolmo::logc
