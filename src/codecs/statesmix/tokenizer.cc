#include "codecs/statesmix/tokenizer.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <queue>

#include "kolmo/hash.h"

#ifndef KOLMO_STATESMIX_SOURCE_DIR
#define KOLMO_STATESMIX_SOURCE_DIR "."
#endif

namespace kolmo::statesmix {
namespace {

std::uint64_t mix_pair(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

constexpr std::uint32_t kNoMerge = 0xffffffffu;

}  // namespace

Expected<std::shared_ptr<const Tokenizer>> Tokenizer::parse(ByteSpan file) {
  auto tok = std::make_shared<Tokenizer>();
  ByteReader r(file);
  const ByteSpan magic = r.bytes(4);
  if (!r.ok() || magic[0] != 'B' || magic[1] != 'P' || magic[2] != 'E' || magic[3] != 'T') {
    return corrupt_data("statesmix tokenizer: bad magic (want BPET)");
  }
  const std::uint32_t vocab = r.u32();
  const std::uint32_t n_merges = r.u32();
  if (!r.ok()) return truncated("statesmix tokenizer: header truncated");
  if (vocab < 256 || vocab > kMaxVocabSize) {
    return corrupt_data("statesmix tokenizer: vocab size " + std::to_string(vocab) +
                        " outside 256.." + std::to_string(kMaxVocabSize));
  }
  if (n_merges > kMaxMerges) return corrupt_data("statesmix tokenizer: too many merges");
  // A byte the tokenizer has no token for (-1) is spelled by an extra token appended after the
  // vocabulary (kolmo's choice: the file leaves such bytes undefined).
  std::uint32_t extra = vocab;
  std::vector<std::uint8_t> extra_bytes;
  for (int b = 0; b < 256; ++b) {
    const std::uint32_t t = r.u32();
    if (r.ok() && t == 0xffffffffu) {
      tok->byte_token_[b] = extra++;
      extra_bytes.push_back(static_cast<std::uint8_t>(b));
    } else if (r.ok() && t >= vocab) {
      return corrupt_data("statesmix tokenizer: byte token out of range");
    } else {
      tok->byte_token_[b] = t;
    }
  }
  tok->offsets_.reserve(vocab + 1);
  tok->offsets_.push_back(0);
  for (std::uint32_t i = 0; i < vocab; ++i) {
    const std::uint8_t len = r.u8();
    const ByteSpan s = r.bytes(len);
    if (!r.ok()) return truncated("statesmix tokenizer: token strings truncated");
    if (len == 0) return corrupt_data("statesmix tokenizer: empty token string");
    tok->strings_.insert(tok->strings_.end(), s.begin(), s.end());
    tok->offsets_.push_back(static_cast<std::uint32_t>(tok->strings_.size()));
  }
  for (std::uint8_t b : extra_bytes) {
    tok->strings_.push_back(b);
    tok->offsets_.push_back(static_cast<std::uint32_t>(tok->strings_.size()));
  }
  for (int b = 0; b < 256; ++b) {
    const ByteSpan s = tok->token_bytes(tok->byte_token_[b]);
    if (s.size() != 1 || s[0] != b) {
      return corrupt_data("statesmix tokenizer: byte token does not spell its byte");
    }
  }
  if (r.remaining() != std::size_t{n_merges} * 12) {
    return corrupt_data("statesmix tokenizer: merge table size does not match the file");
  }
  std::uint64_t size = 1024;
  while (size < std::uint64_t{n_merges} * 2) size <<= 1;
  tok->table_.assign(size, Merge{0, kNoMerge, 0});
  tok->table_mask_ = size - 1;
  for (std::uint32_t rank = 0; rank < n_merges; ++rank) {
    const std::uint32_t left = r.u32(), right = r.u32(), merged = r.u32();
    if (left >= vocab || right >= vocab || merged >= vocab) {
      return corrupt_data("statesmix tokenizer: merge id out of range");
    }
    const ByteSpan a = tok->token_bytes(left), b = tok->token_bytes(right),
                   m = tok->token_bytes(merged);
    if (m.size() != a.size() + b.size() || !std::equal(a.begin(), a.end(), m.begin()) ||
        !std::equal(b.begin(), b.end(), m.begin() + a.size())) {
      return corrupt_data("statesmix tokenizer: merge " + std::to_string(rank) +
                          " does not spell the concatenation of its parts");
    }
    const std::uint64_t pair = (std::uint64_t{left} << 32) | right;
    for (std::uint64_t i = mix_pair(pair) & tok->table_mask_;; i = (i + 1) & tok->table_mask_) {
      Merge& e = tok->table_[i];
      if (e.rank == kNoMerge) {
        e = {pair, rank, merged};
        break;
      }
      if (e.pair == pair) break;  // a duplicate pair keeps its lowest rank
    }
  }
  if (!r.ok()) return truncated("statesmix tokenizer: merges truncated");
  tok->hash_ = xxh64(file);
  return std::shared_ptr<const Tokenizer>(std::move(tok));
}

const Tokenizer::Merge* Tokenizer::find_merge(std::uint32_t left, std::uint32_t right) const {
  const std::uint64_t pair = (std::uint64_t{left} << 32) | right;
  for (std::uint64_t i = mix_pair(pair) & table_mask_;; i = (i + 1) & table_mask_) {
    const Merge& e = table_[i];
    if (e.rank == kNoMerge) return nullptr;
    if (e.pair == pair) return &e;
  }
}

std::vector<std::uint32_t> Tokenizer::encode(ByteSpan input) const {
  const std::size_t n = input.size();
  std::vector<std::uint32_t> tok(n);
  std::vector<std::int64_t> prev(n), next(n);
  for (std::size_t i = 0; i < n; ++i) {
    tok[i] = byte_token_[input[i]];
    prev[i] = static_cast<std::int64_t>(i) - 1;
    next[i] = i + 1 < n ? static_cast<std::int64_t>(i + 1) : -1;
  }
  // Heap of (rank, left position); stale entries are skipped when popped.
  using Item = std::pair<std::uint32_t, std::int64_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  auto push_pair = [&](std::int64_t left) {
    if (left < 0 || next[left] < 0) return;
    if (const Merge* m = find_merge(tok[left], tok[next[left]])) heap.push({m->rank, left});
  };
  for (std::size_t i = 0; i + 1 < n; ++i) push_pair(static_cast<std::int64_t>(i));
  std::vector<bool> dead(n, false);
  while (!heap.empty()) {
    const auto [rank, left] = heap.top();
    heap.pop();
    if (dead[left] || next[left] < 0) continue;
    const Merge* m = find_merge(tok[left], tok[next[left]]);
    if (m == nullptr || m->rank != rank) continue;  // the pair changed since it was queued
    const std::int64_t right = next[left];
    tok[left] = m->merged;
    dead[right] = true;
    next[left] = next[right];
    if (next[right] >= 0) prev[next[right]] = left;
    push_pair(prev[left]);
    push_pair(left);
  }
  std::vector<std::uint32_t> out;
  for (std::int64_t i = n ? 0 : -1; i >= 0; i = next[i]) out.push_back(tok[i]);
  return out;
}

Expected<std::shared_ptr<const Tokenizer>> load_default_tokenizer() {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("KOLMO_STATESMIX_TOKENIZER"); env != nullptr && *env) {
    candidates.emplace_back(env);
  } else {
    const fs::path rel = fs::path("reference") / "statesmix" / "tokenizer.bin";
    if (const char* data = std::getenv("KOLMO_DATA"); data != nullptr && *data) {
      candidates.push_back(fs::path(data) / ".." / rel);
    }
    std::error_code ec;
    const fs::path cwd = fs::current_path(ec);
    if (!ec) candidates.push_back(cwd / ".." / "shared" / rel);
    candidates.push_back(fs::path(KOLMO_STATESMIX_SOURCE_DIR) / ".." / "shared" / rel);
  }
  static std::mutex mu;
  static std::vector<std::pair<std::string, std::shared_ptr<const Tokenizer>>> cache;
  std::string tried;
  for (const fs::path& p : candidates) {
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      tried += (tried.empty() ? "" : ", ") + p.string();
      continue;
    }
    const std::string key = fs::weakly_canonical(p, ec).string();
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& [path, tok] : cache) {
      if (path == key) return tok;
    }
    std::ifstream f(p, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)), {});
    if (!f.good() && !f.eof()) return io_error("cannot read statesmix tokenizer " + p.string());
    auto parsed = Tokenizer::parse(bytes);
    if (!parsed.ok()) return parsed.status().with_context(p.string());
    cache.emplace_back(key, *parsed);
    return *parsed;
  }
  return unsupported("statesmix needs tokenizer.bin (set KOLMO_STATESMIX_TOKENIZER); tried " +
                     tried);
}

}  // namespace kolmo::statesmix
