// The forward text transform: picks the special bytes, builds the dictionary, writes the block.
#include "codecs/cm/cm_text_transform_encode.h"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>
#include <vector>

#include "codecs/cm/cm_text_transform.h"

namespace kolmo::cm {
namespace {

bool is_lower(std::uint8_t b) { return b >= 'a' && b <= 'z'; }
bool is_upper(std::uint8_t b) { return b >= 'A' && b <= 'Z'; }
bool is_letter(std::uint8_t b) { return is_lower(b) || is_upper(b); }
std::uint8_t to_lower(std::uint8_t b) { return is_upper(b) ? static_cast<std::uint8_t>(b + 32) : b; }

enum class Case { kLower, kCapital, kAllCaps, kMixed };

// How a maximal run of ASCII letters is written: lower-case as is, "Word" and "WORD" (2+ letters)
// as an escape and the lower-case word, anything else letter by letter.
Case classify(ByteSpan word) {
  bool rest_lower = true, rest_upper = true;
  for (std::size_t i = 1; i < word.size(); ++i) {
    rest_lower = rest_lower && is_lower(word[i]);
    rest_upper = rest_upper && is_upper(word[i]);
  }
  if (is_lower(word[0])) return rest_lower ? Case::kLower : Case::kMixed;
  if (rest_lower) return Case::kCapital;
  return rest_upper ? Case::kAllCaps : Case::kMixed;
}

std::size_t letter_run(ByteSpan input, std::size_t pos) {
  std::size_t end = pos;
  while (end < input.size() && is_letter(input[end])) ++end;
  return end - pos;
}

// Calls f(position, length, case) for every maximal run of ASCII letters.
template <typename F>
void for_each_word(ByteSpan input, F&& f) {
  for (std::size_t i = 0; i < input.size();) {
    if (!is_letter(input[i])) {
      ++i;
      continue;
    }
    const std::size_t n = letter_run(input, i);
    f(i, n, classify(input.subspan(i, n)));
    i += n;
  }
}

std::string lower_word(ByteSpan word) {
  std::string s(word.size(), '\0');
  for (std::size_t i = 0; i < word.size(); ++i) s[i] = static_cast<char>(to_lower(word[i]));
  return s;
}

struct Specials {
  std::uint8_t cap = 0, caps = 0, literal = 0;
  std::vector<std::uint8_t> free;  // byte values the block never uses, for dictionary codes
};

// The escapes take the rarest non-letter values (preferring ones below 128, which the model does
// not count as letters); codes take the remaining unused values, those from 128 first (the model
// counts them as letters, so a code forms a word in its word contexts).
Specials choose_specials(ByteSpan input) {
  std::array<std::uint64_t, 256> count{};
  for (const std::uint8_t b : input) ++count[b];
  std::vector<std::uint8_t> candidates;
  for (int b = 0; b < 256; ++b) {
    if (!is_letter(static_cast<std::uint8_t>(b))) candidates.push_back(static_cast<std::uint8_t>(b));
  }
  std::stable_sort(candidates.begin(), candidates.end(), [&](std::uint8_t a, std::uint8_t b) {
    if (count[a] != count[b]) return count[a] < count[b];
    return (a < 128) > (b < 128);
  });
  Specials s;
  s.cap = candidates[0];
  s.caps = candidates[1];
  s.literal = candidates[2];
  for (std::size_t i = 3; i < candidates.size(); ++i) {
    if (count[candidates[i]] == 0) s.free.push_back(candidates[i]);
  }
  std::stable_partition(s.free.begin(), s.free.end(), [](std::uint8_t b) { return b >= 128; });
  return s;
}

struct Candidate {
  std::string word;
  std::uint64_t count = 0;
};

// Net bytes saved by coding every occurrence with a code of `code_bytes` bytes.
std::int64_t saving(const Candidate& c, int code_bytes) {
  const auto n = static_cast<std::int64_t>(c.word.size());
  return static_cast<std::int64_t>(c.count) * (n - code_bytes) - (n + 1);
}

std::vector<Candidate> count_words(ByteSpan input, std::uint32_t min_count) {
  std::unordered_map<std::string, std::uint64_t> counts;
  for_each_word(input, [&](std::size_t pos, std::size_t n, Case c) {
    if (c != Case::kMixed && n >= 2 && n <= kMaxWordLength) ++counts[lower_word(input.subspan(pos, n))];
  });
  std::vector<Candidate> out;
  for (auto& [word, count] : counts) {
    if (count >= min_count) out.push_back({word, count});
  }
  return out;
}

// Sorts by the saving of a code of code_bytes bytes, best first; ties by the word itself, so
// the order never depends on the hash map's.
void sort_by_saving(std::vector<Candidate>& c, int code_bytes) {
  std::sort(c.begin(), c.end(), [code_bytes](const Candidate& a, const Candidate& b) {
    const std::int64_t sa = saving(a, code_bytes), sb = saving(b, code_bytes);
    return sa != sb ? sa > sb : a.word < b.word;
  });
}

struct Dictionary {
  std::vector<std::uint8_t> one_byte, prefixes;
  std::vector<std::string> words;
};

// The best k1 words by one-byte saving get one-byte codes, the best of the others by two-byte
// saving (up to capacity) two-byte codes. Returns the total saving and fills `chosen` (indices
// into by_one: one-byte words first) when given.
std::int64_t plan(const std::vector<Candidate>& by_one, const std::vector<std::size_t>& by_two,
                  std::size_t k1, std::size_t two_byte_capacity, std::vector<std::size_t>* chosen) {
  std::int64_t total = 0;
  for (std::size_t i = 0; i < k1 && i < by_one.size() && saving(by_one[i], 1) > 0; ++i) {
    total += saving(by_one[i], 1);
    if (chosen) chosen->push_back(i);
  }
  std::size_t taken = 0;
  for (const std::size_t i : by_two) {
    if (taken == two_byte_capacity || saving(by_one[i], 2) <= 0) break;
    if (i < k1) continue;  // has a one-byte code
    total += saving(by_one[i], 2);
    if (chosen) chosen->push_back(i);
    ++taken;
  }
  return total;
}

// Splits the free byte values between one-byte codes and two-byte prefixes to save the most.
Dictionary build_dictionary(std::vector<Candidate> candidates, const std::vector<std::uint8_t>& free,
                            const TextTransformOptions& options) {
  sort_by_saving(candidates, 1);
  std::vector<std::size_t> by_two(candidates.size());
  for (std::size_t i = 0; i < by_two.size(); ++i) by_two[i] = i;
  std::stable_sort(by_two.begin(), by_two.end(), [&](std::size_t a, std::size_t b) {
    return saving(candidates[a], 2) > saving(candidates[b], 2);
  });
  const std::size_t f = free.size();
  std::int64_t best_saving = 0;
  std::size_t best_prefixes = 0;
  const std::size_t max_words = options.max_words;
  for (std::size_t k2 = 0; k2 <= (options.two_byte_codes ? f : 0); ++k2) {
    const std::size_t k1 = std::min(f - k2, max_words);
    const std::size_t capacity = std::min(k2 * f, max_words - k1);
    const std::int64_t total = plan(candidates, by_two, k1, capacity, nullptr);
    if (total > best_saving) {
      best_saving = total;
      best_prefixes = k2;
    }
  }
  std::vector<std::size_t> chosen;
  const std::size_t best_k1 = std::min(f - best_prefixes, max_words);
  plan(candidates, by_two, best_k1, std::min(best_prefixes * f, max_words - best_k1), &chosen);
  // Only the codes the words use become special bytes (with two-byte codes, all of them: the
  // second bytes range over every code byte).
  Dictionary d;
  const std::size_t k1 = std::min(f - best_prefixes, chosen.size());
  const std::size_t k2 = chosen.size() > k1 ? best_prefixes : 0;
  d.one_byte.assign(free.begin(), free.begin() + static_cast<std::ptrdiff_t>(k1));
  d.prefixes.assign(free.begin() + static_cast<std::ptrdiff_t>(k1),
                    free.begin() + static_cast<std::ptrdiff_t>(k1 + k2));
  for (const std::size_t i : chosen) d.words.push_back(candidates[i].word);
  return d;
}

class Writer {
 public:
  Writer(const Specials& s, const Dictionary& d) : s_(s), d_(d) {
    for (const std::uint8_t b : {s.cap, s.caps, s.literal}) special_[b] = true;
    for (const std::uint8_t b : d.one_byte) special_[b] = true;
    for (const std::uint8_t b : d.prefixes) special_[b] = true;
    for (std::size_t i = 0; i < d.words.size(); ++i) codes_.emplace(d.words[i], i);
  }

  Bytes write(ByteSpan input) {
    header();
    std::size_t done = 0;
    for_each_word(input, [&](std::size_t pos, std::size_t n, Case c) {
      for (; done < pos; ++done) plain(input[done]);
      word(input.subspan(pos, n), c);
      done = pos + n;
    });
    for (; done < input.size(); ++done) plain(input[done]);
    return std::move(out_);
  }

 private:
  void header() {
    out_.insert(out_.end(), {s_.cap, s_.caps, s_.literal});
    for (const auto* codes : {&d_.one_byte, &d_.prefixes}) {
      out_.push_back(static_cast<std::uint8_t>(codes->size()));
      out_.insert(out_.end(), codes->begin(), codes->end());
    }
    append_varint(out_, d_.words.size());
    for (const std::string& w : d_.words) {
      out_.insert(out_.end(), w.begin(), w.end());
      out_.push_back(kWordEnd);
    }
  }

  void plain(std::uint8_t b) {
    if (special_[b]) out_.push_back(s_.literal);
    out_.push_back(b);
  }

  void word(ByteSpan letters, Case c) {
    if (c == Case::kMixed) {
      out_.insert(out_.end(), letters.begin(), letters.end());
      return;
    }
    if (c == Case::kCapital) out_.push_back(s_.cap);  // also a single upper-case letter
    if (c == Case::kAllCaps) out_.push_back(s_.caps);
    const std::string lower = lower_word(letters);
    const auto it = codes_.find(lower);
    if (it == codes_.end()) {
      out_.insert(out_.end(), lower.begin(), lower.end());
      return;
    }
    const std::size_t i = it->second;
    const std::size_t k1 = d_.one_byte.size();
    if (i < k1) {
      out_.push_back(d_.one_byte[i]);
    } else {
      const std::size_t m = k1 + d_.prefixes.size();
      const std::size_t digit = (i - k1) % m;
      out_.push_back(d_.prefixes[(i - k1) / m]);
      out_.push_back(digit < k1 ? d_.one_byte[digit] : d_.prefixes[digit - k1]);
    }
  }

  const Specials& s_;
  const Dictionary& d_;
  std::array<bool, 256> special_{};
  std::unordered_map<std::string, std::size_t> codes_;
  Bytes out_;
};

}  // namespace

TextTransformOptions text_transform_options(int level, std::uint64_t block_size) {
  TextTransformOptions o;
  o.dictionary = block_size >= (std::uint64_t{128} << 10);
  if (level <= 2) {
    o.min_word_count = 16;
  } else {
    o.max_words = 32;
    o.two_byte_codes = false;
  }
  return o;
}

bool looks_like_text(ByteSpan input) {
  if (input.size() < 64) return false;
  std::uint64_t letters = 0, capitals = 0, digits = 0;
  for (const std::uint8_t b : input) {
    letters += is_letter(b) ? 1 : 0;
    capitals += is_upper(b) ? 1 : 0;
    digits += b >= '0' && b <= '9' ? 1 : 0;
  }
  return letters * 2 >= input.size() && capitals * 200 >= letters && digits * 12 < input.size();
}

Bytes forward_text_transform(ByteSpan input, const TextTransformOptions& options) {
  const Specials specials = choose_specials(input);
  Dictionary dictionary;
  if (options.dictionary) {
    dictionary = build_dictionary(count_words(input, options.min_word_count), specials.free, options);
  }
  Writer writer(specials, dictionary);
  Bytes out = writer.write(input);
  return out;
}

}  // namespace kolmo::cm
