#include "codecs/cm/cm_ssm_input.h"

#include <algorithm>
#include <new>
#include <numeric>
#include <string>

#include "codecs/cm/cm_logistic.h"
#include "codecs/statesmix/statesmix_format.h"

namespace kolmo::cm {
namespace {

using statesmix::Tokenizer;

std::string hex64(std::uint64_t v) {
  static const char* const kDigits = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[i] = kDigits[v & 15];
  return s;
}

bool less_bytes(ByteSpan a, ByteSpan b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

bool equal_bytes(ByteSpan a, ByteSpan b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// Stretch input from a ratio of two frequencies (num <= den, den > 0), integer throughout.
int stretch_ratio(std::uint64_t num, std::uint64_t den) {
  std::uint64_t p = (num << 16) / den;
  p = p < 16 ? 16 : (p > 65520 ? 65520 : p);
  return stretch(logistic_tables(), static_cast<std::uint32_t>(p));
}

}  // namespace

SortedVocabulary sort_vocabulary(const Tokenizer& tok, const std::vector<std::uint32_t>& ids,
                                 std::uint32_t* duplicates) {
  std::vector<std::uint32_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return less_bytes(tok.token_bytes(ids[a]), tok.token_bytes(ids[b]));
  });
  SortedVocabulary v;
  v.offsets.push_back(0);
  std::uint32_t dup = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const ByteSpan s = tok.token_bytes(ids[order[i]]);
    if (i > 0 && equal_bytes(s, tok.token_bytes(ids[order[i - 1]]))) {
      ++dup;
      continue;
    }
    v.bytes.insert(v.bytes.end(), s.begin(), s.end());
    v.offsets.push_back(static_cast<std::uint32_t>(v.bytes.size()));
    v.ids.push_back(ids[order[i]]);
  }
  if (duplicates != nullptr) *duplicates = dup;
  return v;
}

// ---- TokenWalker ----

void TokenWalker::restart() {
  walked_ = 0;
  lo_ = 0;
  hi_ = vocab_->size();
  last_length_ = 0;
}

// Narrows [lo_, hi_) to the tokens whose byte at depth walked_ is `byte`.
bool TokenWalker::extend(std::uint8_t byte) {
  const std::uint32_t d = static_cast<std::uint32_t>(walked_);
  std::uint32_t lo = lo_;
  if (lo < hi_ && vocab_->length(lo) == d) ++lo;  // the pending bytes' own token
  auto first_above = [&](std::uint32_t from, std::uint32_t value) {
    std::uint32_t a = from, b = hi_;
    while (a < b) {
      const std::uint32_t m = a + (b - a) / 2;
      if (vocab_->at(m, d) < value) {
        a = m + 1;
      } else {
        b = m;
      }
    }
    return a;
  };
  const std::uint32_t begin = first_above(lo, byte);
  const std::uint32_t end = first_above(begin, std::uint32_t{byte} + 1);
  if (begin == end) return false;
  lo_ = begin;
  hi_ = end;
  return true;
}

// ---- SsmInput ----

std::uint64_t SsmInput::memory_bytes(std::uint32_t ve, std::uint64_t n_tokens,
                                     std::uint64_t string_bytes) {
  return statesmix::Engine::memory_bytes(ve, n_tokens, statesmix::table_bits_for(n_tokens)) +
         string_bytes + std::uint64_t{ve} * 8 + 1024 + sizeof(SsmInput);
}

SsmInput::SsmInput(SortedVocabulary vocab, std::uint64_t n_tokens, unsigned threads)
    : vocab_(std::move(vocab)),
      walker_(&vocab_),
      engine_(vocab_.size(), n_tokens, statesmix::table_bits_for(n_tokens), threads),
      n_tokens_(n_tokens) {
  engine_.predict();  // the first token's distribution
}

Expected<std::unique_ptr<SsmInput>> SsmInput::for_encoding(ByteSpan coded,
                                                           std::uint32_t vocab_limit,
                                                           unsigned threads, ByteWriter& header) {
  KOLMO_ASSIGN_OR_RETURN(auto tok, statesmix::load_default_tokenizer());
  std::vector<std::uint32_t> allowed;
  for (std::uint32_t id = 0; id < tok->vocab_size(); ++id) {
    if (id < vocab_limit || tok->token_bytes(id).size() == 1) allowed.push_back(id);
  }
  const SortedVocabulary full = sort_vocabulary(*tok, allowed, nullptr);
  // The cut of the whole block: the token count and the ids used.
  std::vector<std::uint8_t> used(full.size(), 0);
  std::uint64_t n = 0;
  TokenWalker walker(&full);
  auto count = [&](std::uint32_t rank) {
    used[rank] = 1;
    ++n;
  };
  for (const std::uint8_t b : coded) walker.push(b, count);
  walker.finish(count);
  std::vector<std::uint32_t> ids;
  for (std::uint32_t r = 0; r < full.size(); ++r) {
    if (used[r] != 0) ids.push_back(full.ids[r]);
  }
  std::sort(ids.begin(), ids.end());
  header.u64(tok->file_hash());
  header.varint(n);
  header.varint(ids.size());
  statesmix::write_vocabulary(ids, header);
  SortedVocabulary compact = sort_vocabulary(*tok, ids, nullptr);
  std::unique_ptr<SsmInput> input(new (std::nothrow) SsmInput(std::move(compact), n, threads));
  if (input == nullptr) return limit_exceeded("cm SSM input: out of memory");
  return input;
}

Expected<std::unique_ptr<SsmInput>> SsmInput::read(ByteReader& in, std::uint64_t coded_size,
                                                   std::uint64_t memory_limit, unsigned threads) {
  auto loaded = statesmix::load_default_tokenizer();
  if (!loaded.ok()) {
    return unsupported("cm block uses the SSM input, which needs the statesmix tokenizer "
                       "(tokenizer.bin): " + loaded.status().message());
  }
  const std::shared_ptr<const Tokenizer> tok = *loaded;
  const std::uint64_t hash = in.u64();
  // Every token spells at least one byte.
  const std::uint64_t n = in.varint_at_most(coded_size, "cm SSM token count");
  const std::uint64_t ve =
      in.varint_at_most(std::min<std::uint64_t>(n, tok->vocab_size()), "cm SSM vocabulary size");
  if (!in.ok()) return in.status();
  if (hash != tok->file_hash()) {
    return unsupported("cm block needs the statesmix tokenizer with XXH64 " + hex64(hash) +
                       ", the one found has " + hex64(tok->file_hash()));
  }
  if (n == 0 || ve == 0) return corrupt_data("cm SSM input with bytes but no tokens");
  // Strings: at most the tokenizer's longest token per entry; checked again once they are known.
  const std::uint64_t need = memory_bytes(static_cast<std::uint32_t>(ve), n, 0);
  if (need > memory_limit) {
    return limit_exceeded("cm SSM input needs " + std::to_string(need) + " bytes, limit is " +
                          std::to_string(memory_limit));
  }
  KOLMO_ASSIGN_OR_RETURN(const std::vector<std::uint32_t> ids,
                         statesmix::read_vocabulary(in, static_cast<std::uint32_t>(ve),
                                                    tok->vocab_size()));
  std::uint32_t duplicates = 0;
  SortedVocabulary vocab = sort_vocabulary(*tok, ids, &duplicates);
  if (duplicates != 0) return corrupt_data("cm SSM vocabulary spells one string twice");
  if (memory_bytes(vocab.size(), n, vocab.bytes.size()) > memory_limit) {
    return limit_exceeded("cm SSM input needs more than the memory limit of " +
                          std::to_string(memory_limit) + " bytes");
  }
  std::unique_ptr<SsmInput> input(new (std::nothrow) SsmInput(std::move(vocab), n, threads));
  if (input == nullptr) return limit_exceeded("cm SSM input: out of memory");
  return input;
}

std::uint32_t SsmInput::range_sum(std::uint32_t from, std::uint32_t to) const {
  return engine_.cumulative(to) - engine_.cumulative(from);
}

std::uint32_t SsmInput::first_at_least(std::uint32_t from, std::uint32_t to,
                                       std::uint32_t byte) const {
  const std::uint32_t d = walker_.depth();
  while (from < to) {
    const std::uint32_t m = from + (to - from) / 2;
    if (vocab_.at(m, d) < byte) {
      from = m + 1;
    } else {
      to = m;
    }
  }
  return from;
}

void SsmInput::predict(std::uint32_t c0, int bit_pos, int* inputs) {
  if (bit_pos == 0) {
    from_ = walker_.lo();
    to_ = walker_.hi();
    end_mass_ = 0;
    if (walker_.pending_is_token()) {
      end_mass_ = range_sum(from_, from_ + 1);
      ++from_;
    }
  }
  // Bytes whose known bits equal c0's: [base, base + 2 half); the next bit splits them in two.
  const std::uint32_t half = 1u << (7 - bit_pos);
  const std::uint32_t base = (c0 - (1u << bit_pos)) << (8 - bit_pos);
  split_ = first_at_least(from_, to_, base + half);
  const std::uint64_t zeros = range_sum(from_, split_);
  const std::uint64_t ones = range_sum(split_, to_);
  const std::uint64_t total = zeros + ones;
  if (total == 0) {  // no token continues the pending bytes this way
    inputs[0] = 0;
    inputs[1] = 0;
    sse_context_ = 24 * 5 * 8 + static_cast<std::uint32_t>(bit_pos);
    return;
  }
  const int st = stretch_ratio(ones, total);
  inputs[0] = st;
  // Scaled by the share of the mass that continues the pending token (0..256).
  const std::uint64_t share = (total << 8) / (total + end_mass_);
  inputs[1] = static_cast<int>((std::int64_t{st} * static_cast<std::int64_t>(share)) >> 8);
  const std::uint32_t p_bucket = static_cast<std::uint32_t>((st + 2048) * 24) >> 12;  // 0..23
  const std::uint32_t share_bucket = static_cast<std::uint32_t>(share * 5 / 257);   // 0..4
  sse_context_ = (p_bucket * 5 + share_bucket) * 8 + static_cast<std::uint32_t>(bit_pos);
}

void SsmInput::update(int bit) {
  if (bit != 0) {
    from_ = split_;
  } else {
    to_ = split_;
  }
}

void SsmInput::end_byte(std::uint8_t byte) {
  walker_.push(byte, [&](std::uint32_t rank) {
    // The payload's count bounds the engine's tables; a damaged stream cannot feed more.
    if (fed_ >= n_tokens_) return;
    engine_.update(rank);
    ++fed_;
    engine_.predict();
  });
}

}  // namespace kolmo::cm
