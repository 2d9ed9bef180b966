#include "codecs/cm/cm_ssm_input.h"

#include <algorithm>
#include <new>
#include <numeric>
#include <string>

#include "codecs/cm/cm_logistic.h"
#include "codecs/statesmix/ssm_math.h"
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

// Stretch input from a ratio of two masses (den > 0, 0 <= num <= den).
int stretch_ratio(double num, double den) {
  std::uint64_t p = static_cast<std::uint64_t>(num / den * 65536.0);
  p = p < 16 ? 16 : (p > 65520 ? 65520 : p);
  return stretch(logistic_tables(), static_cast<std::uint32_t>(p));
}

// Keeps the listed tokens on the coded bit's side of split.
void keep_side(std::vector<SparseTokenModel::Listed>& list, std::uint32_t split, int bit) {
  std::size_t k = 0;
  for (const SparseTokenModel::Listed& l : list) {
    if ((l.rank >= split) == (bit != 0)) list[k++] = l;
  }
  list.resize(k);
}

// The masses of [from, split) and [split, to) in d: the dense part by the Fenwick tree, plus the
// extras of the listed tokens (all in [from, to)), summed in list order.
void split_masses(const SparseTokenModel& m, const SparseTokenModel::Distribution& d,
                  const std::vector<SparseTokenModel::Listed>& listed, std::uint32_t from,
                  std::uint32_t split, std::uint32_t to, double& zeros, double& ones) {
  const std::uint64_t at_split = m.dense_prefix(split);
  zeros = d.g * static_cast<double>(at_split - m.dense_prefix(from));
  ones = d.g * static_cast<double>(m.dense_prefix(to) - at_split);
  for (const SparseTokenModel::Listed& l : listed) {
    if (l.rank < split) {
      zeros += l.extra;
    } else {
      ones += l.extra;
    }
  }
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

// ---- bias sources ----

float bias_source_scale(int source) {
  if (source == statesmix::kRecencySource) return 6.0f;
  if (source == statesmix::kLzSource) return 4.0f;
  return statesmix::kContextLengths[source] <= 3 ? 3.0f : 1.0f;
}

// ---- SparseTokenModel ----

SparseTokenModel::SparseTokenModel(std::uint32_t ve, std::uint64_t n_tokens)
    : ve_(ve),
      contexts_(ve, n_tokens, statesmix::table_bits_for(n_tokens)),
      counts_(ve, 0),
      dense_(ve, dense_weight(0)),
      fenwick_(std::size_t{ve} + 1, 0),
      acc_(ve, 0.0f) {
  for (int source = 0; source < statesmix::kBiasSources; ++source) {
    scale_[source] = bias_source_scale(source);
  }
  history_.reserve(n_tokens);
  for (std::uint32_t r = 0; r < ve; ++r) add_dense(r, dense_[r]);
  predict();  // the first token's distribution
}

std::uint64_t SparseTokenModel::memory_bytes(std::uint32_t ve, std::uint64_t n_tokens) {
  // Counts, dense weights, Fenwick tree, bias accumulator, touched list; three lists of listed
  // tokens (next, speculative, active) of at most ve entries each, counted here too.
  return statesmix::ContextModels::memory_bytes(ve, n_tokens,
                                                statesmix::table_bits_for(n_tokens)) +
         n_tokens * 4 + std::uint64_t{ve} * (4 + 4 + 8 + 4 + 4 + 4 * sizeof(Listed)) + 4096;
}

// (count + 1)^0.1 (statesmix's prior lambda_c log(count + 1) at entropy scale 1) in units of 2^-16.
std::uint32_t SparseTokenModel::dense_weight(std::uint32_t count) {
  const float l = statesmix::det_log(static_cast<float>(count) + 1.0f);
  return static_cast<std::uint32_t>(65536.0f * statesmix::det_exp(0.1f * l));
}

void SparseTokenModel::add_dense(std::uint32_t rank, std::int64_t delta) {
  for (std::uint32_t i = rank + 1; i <= ve_; i += i & (0u - i)) {
    fenwick_[i] = static_cast<std::uint64_t>(static_cast<std::int64_t>(fenwick_[i]) + delta);
  }
}

std::uint64_t SparseTokenModel::dense_prefix(std::uint32_t r) const {
  std::uint64_t sum = 0;
  for (std::uint32_t i = r; i > 0; i -= i & (0u - i)) sum += fenwick_[i];
  return sum;
}

// Sums each listed token's biases (in the order scan visits them, scaled by source), then its
// weight beyond the dense part: d_j (e^(b_j - M) - e^-M).
template <class Scan>
void SparseTokenModel::build(Scan&& scan, Distribution& out) {
  touched_.clear();
  scan([&](std::uint32_t token, float bias, int source) {
    if (acc_[token] == 0.0f) touched_.push_back(token);
    acc_[token] += bias * scale_[source] + 1e-30f;  // biases are >= 0: never 0 once touched
  });
  float top = 0.0f;
  for (const std::uint32_t t : touched_) top = acc_[t] > top ? acc_[t] : top;
  out.g = statesmix::det_exp(-top);
  out.listed.clear();
  double sum = 0.0;
  for (const std::uint32_t t : touched_) {
    const double e = statesmix::det_exp(acc_[t] - top);
    const double extra = static_cast<double>(dense_[t]) * (e - out.g);
    out.listed.push_back({t, extra});
    sum += extra;
    acc_[t] = 0.0f;
  }
  out.total = out.g * static_cast<double>(dense_prefix(ve_)) + sum;
}

void SparseTokenModel::predict() {
  build(
      [&](auto&& visit) {
        contexts_.sparse_biases(std::span<const std::uint32_t>(history_), 1.0f, visit);
      },
      next_);
}

void SparseTokenModel::predict_after(std::uint32_t token, Distribution& out) {
  constexpr std::size_t kWindow = statesmix::kRecencyWindow;
  const std::size_t n = history_.size();
  const std::size_t keep = n < kWindow ? n : kWindow - 1;
  tail_.assign(history_.end() - static_cast<std::ptrdiff_t>(keep), history_.end());
  tail_.push_back(token);
  build(
      [&](auto&& visit) {
        contexts_.peek_sparse_biases(std::span<const std::uint32_t>(tail_), n + 1, 1.0f, visit);
      },
      out);
}

void SparseTokenModel::update(std::uint32_t token) {
  contexts_.update(token);
  history_.push_back(token);
  if (counts_[token] < 0xffffffffu) ++counts_[token];
  const std::uint32_t d = dense_weight(counts_[token]);
  add_dense(token, static_cast<std::int64_t>(d) - static_cast<std::int64_t>(dense_[token]));
  dense_[token] = d;
}

// ---- SsmInput ----

std::uint64_t SsmInput::memory_bytes(std::uint32_t ve, std::uint64_t n_tokens,
                                     std::uint64_t string_bytes) {
  return SparseTokenModel::memory_bytes(ve, n_tokens) + string_bytes + std::uint64_t{ve} * 8 +
         1024 + sizeof(SsmInput);
}

SsmInput::SsmInput(SortedVocabulary vocab, std::uint64_t n_tokens)
    : vocab_(std::move(vocab)),
      walker_(&vocab_),
      tokens_(vocab_.size(), n_tokens),
      n_tokens_(n_tokens) {}
Expected<std::unique_ptr<SsmInput>> SsmInput::for_encoding(ByteSpan coded,
                                                           std::uint32_t vocab_limit,
                                                           unsigned /*threads*/,
                                                           std::uint64_t memory_budget,
                                                           ByteWriter& header) {
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
  SortedVocabulary compact = sort_vocabulary(*tok, ids, nullptr);
  if (memory_bytes(compact.size(), n, compact.bytes.size()) > memory_budget) {
    return std::unique_ptr<SsmInput>();
  }
  header.u64(tok->file_hash());
  header.varint(n);
  header.varint(ids.size());
  statesmix::write_vocabulary(ids, header);
  std::unique_ptr<SsmInput> input(new (std::nothrow) SsmInput(std::move(compact), n));
  if (input == nullptr) return limit_exceeded("cm SSM input: out of memory");
  return input;
}

Expected<std::unique_ptr<SsmInput>> SsmInput::read(ByteReader& in, std::uint64_t coded_size,
                                                   std::uint64_t memory_limit, unsigned /*threads*/) {
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
  std::unique_ptr<SsmInput> input(new (std::nothrow) SsmInput(std::move(vocab), n));
  if (input == nullptr) return limit_exceeded("cm SSM input: out of memory");
  return input;
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

std::uint32_t SsmInput::first_byte_at_least(std::uint32_t from, std::uint32_t to,
                                            std::uint32_t byte) const {
  while (from < to) {
    const std::uint32_t m = from + (to - from) / 2;
    if (vocab_.at(m, 0) < byte) {
      from = m + 1;
    } else {
      to = m;
    }
  }
  return from;
}

void SsmInput::set_sse_context(int st, std::uint64_t share, int bit_pos) {
  const std::uint32_t p_bucket = static_cast<std::uint32_t>((st + 2048) * 24) >> 12;  // 0..23
  const std::uint32_t share_bucket = static_cast<std::uint32_t>(share * 5 / 257);   // 0..4
  sse_context_ = (p_bucket * 5 + share_bucket) * 8 + static_cast<std::uint32_t>(bit_pos);
}

// The ranges of a new byte: the tokens that continue the pending bytes and, when those spell a
// token, the next token's distribution if it ends here.
void SsmInput::start_byte() {
  const SparseTokenModel::Distribution& p = tokens_.next();
  from_ = walker_.lo();
  to_ = walker_.hi();
  const bool own = walker_.pending_is_token();  // then from_ is its rank
  end_weight_ = 0.0;
  if (own) {
    end_weight_ = p.g * static_cast<double>(tokens_.dense_prefix(from_ + 1) -
                                            tokens_.dense_prefix(from_));
  }
  // The listed tokens in the range: all of them after a new prediction, else those of the last
  // byte's range (which holds this one).
  if (fresh_) active_ = p.listed;
  std::size_t k = 0;
  for (const SparseTokenModel::Listed& l : active_) {
    if (own && l.rank == from_) end_weight_ += l.extra;
    if (l.rank >= from_ + (own ? 1u : 0u) && l.rank < to_) active_[k++] = l;
  }
  active_.resize(k);
  if (own) ++from_;
  fresh_ = false;
  have_q_ = own;
  if (have_q_) {
    tokens_.predict_after(walker_.lo(), q_);
    qfrom_ = 0;
    qto_ = tokens_.vocabulary_size();
    q_active_ = q_.listed;
  }
}

// P(1) = (continuing mass with a 1 + the token-ends mass x the speculative share of a 1) / (the
// same for both bits); round 10s (speculation): enwik8 300 KB -0.37 %.
void SsmInput::predict(std::uint32_t c0, int bit_pos, int* inputs) {
  if (bit_pos == 0) start_byte();
  // Bytes whose known bits equal c0's: [base, base + 2 half); the next bit splits them in two.
  const std::uint32_t half = 1u << (7 - bit_pos);
  const std::uint32_t base = (c0 - (1u << bit_pos)) << (8 - bit_pos);
  split_ = first_at_least(from_, to_, base + half);
  double zeros = 0.0, ones = 0.0;
  split_masses(tokens_, tokens_.next(), active_, from_, split_, to_, zeros, ones);
  const double cont = zeros + ones;
  double z = zeros, o = ones;
  if (have_q_) {
    qsplit_ = first_byte_at_least(qfrom_, qto_, base + half);
    double qz = 0.0, qo = 0.0;
    split_masses(tokens_, q_, q_active_, qfrom_, qsplit_, qto_, qz, qo);
    const double w = end_weight_ / q_.total;
    z += w * qz;
    o += w * qo;
  }
  if (!(z + o > 0.0)) {  // no token continues the pending bytes this way
    inputs[0] = 0;
    inputs[1] = 0;
    sse_context_ = 24 * 5 * 8 + static_cast<std::uint32_t>(bit_pos);
    return;
  }
  const int st = stretch_ratio(o, z + o);
  inputs[0] = st;
  // The continuation alone, scaled by the share of the mass that continues the token (0..256).
  std::uint64_t share = 0;
  inputs[1] = 0;
  if (cont > 0.0) {
    share = static_cast<std::uint64_t>(cont / (cont + end_weight_) * 256.0);
    const int st_cont = stretch_ratio(ones, cont);
    inputs[1] = static_cast<int>((std::int64_t{st_cont} * static_cast<std::int64_t>(share)) >> 8);
  }
  set_sse_context(st, share, bit_pos);
}

void SsmInput::update(int bit) {
  if (bit != 0) {
    from_ = split_;
  } else {
    to_ = split_;
  }
  keep_side(active_, split_, bit);
  if (have_q_) {
    if (bit != 0) {
      qfrom_ = qsplit_;
    } else {
      qto_ = qsplit_;
    }
    keep_side(q_active_, qsplit_, bit);
  }
}

void SsmInput::end_byte(std::uint8_t byte) {
  walker_.push(byte, [&](std::uint32_t rank) {
    // The payload's count bounds the token model's tables; a damaged stream cannot feed more.
    if (fed_ >= n_tokens_) return;
    ++fed_;
    fresh_ = true;
    tokens_.update(rank);
    tokens_.predict();
  });
}

}  // namespace kolmo::cm
