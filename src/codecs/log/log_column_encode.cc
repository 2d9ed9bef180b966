#include "codecs/log/log_column_encode.h"

#include <algorithm>
#include <bit>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "codecs/log/log_columns.h"

namespace kolmo::logc {
namespace {

// A column whose values repeat this often on average is a category (see write_column).
constexpr std::size_t kCategoryRepeats = 4;

void append_text(Bytes& out, std::string_view v) {
  out.insert(out.end(), v.begin(), v.end());
  out.push_back('\n');
}

void write_text(const std::vector<std::string_view>& values, StreamSet& out) {
  out.s[kMetaStream].push_back(kColumnText);
  for (const std::string_view v : values) append_text(out.text(), v);
}

// log2(x) in 1/256 bits, by linear interpolation between powers of two (integer only, so every
// compiler makes the same choices).
std::uint64_t log2_q8(std::uint64_t x) {
  const int k = static_cast<int>(std::bit_width(x)) - 1;
  if (k < 0) return 0;
  const std::uint64_t frac = k >= 8 ? (x >> (k - 8)) & 255 : (x << (8 - k)) & 255;
  return static_cast<std::uint64_t>(k) * 256 + frac;
}

// A rough cost of coding these values with an adaptive order-0 model (1/256 bits): each
// occurrence costs -log2 of its frequency, each distinct value its varint bytes once.
std::uint64_t estimated_bits(const std::vector<std::uint64_t>& values) {
  std::unordered_map<std::uint64_t, std::uint32_t> counts;
  for (const std::uint64_t v : values) ++counts[v];
  const std::uint64_t log_n = log2_q8(values.size());
  std::uint64_t bits = 0;
  for (const auto& [v, c] : counts) {
    bits += c * (log_n - log2_q8(c)) + 8 * 256 * varint_size(v);
  }
  return bits;
}

// Distinct entries in first-appearance order into the text stream, then an index per value
// (none when there is a single entry).
template <typename Key>
void write_dictionary(const std::vector<Key>& values, StreamSet& out) {
  std::unordered_map<Key, std::uint32_t> index;
  std::vector<std::uint32_t> ids;
  ids.reserve(values.size());
  std::vector<Key> entries;
  for (const Key& v : values) {
    auto [it, inserted] = index.emplace(v, static_cast<std::uint32_t>(entries.size()));
    if (inserted) entries.push_back(v);
    ids.push_back(it->second);
  }
  append_varint(out.s[kMetaStream], entries.size());
  for (const Key& e : entries) append_text(out.text(), e);
  if (entries.size() > 1) {
    for (const std::uint32_t id : ids) append_varint(out.indices(), id);
  }
}

struct NumericSplit {
  std::vector<std::string> shapes;              // per value
  std::vector<std::uint64_t> numbers;           // all runs, value after value
  std::vector<std::uint32_t> first;             // per value + 1: offsets into numbers
  std::size_t distinct_shapes = 0;
};

bool split_column(const std::vector<std::string_view>& values, NumericSplit& split) {
  std::unordered_set<std::string> distinct;
  split.shapes.resize(values.size());
  split.first.reserve(values.size() + 1);
  for (std::size_t i = 0; i < values.size(); ++i) {
    split.first.push_back(static_cast<std::uint32_t>(split.numbers.size()));
    if (!split_numeric(values[i], split.shapes[i], split.numbers)) return false;
    if (distinct.size() * 8 <= values.size() + 8) distinct.insert(split.shapes[i]);
  }
  split.first.push_back(static_cast<std::uint32_t>(split.numbers.size()));
  split.distinct_shapes = distinct.size();
  return true;
}

void write_numeric(const NumericSplit& split, StreamSet& out) {
  out.s[kMetaStream].push_back(kColumnNumeric);
  write_dictionary(split.shapes, out);
  std::size_t subs = 0;
  for (std::size_t i = 0; i + 1 < split.first.size(); ++i) {
    subs = std::max<std::size_t>(subs, split.first[i + 1] - split.first[i]);
  }
  append_varint(out.s[kMetaStream], subs);
  // Sub-column j holds the j-th digit run of every value that has one; each is stored raw or as
  // deltas from its previous entry, whichever takes fewer varint bytes.
  std::vector<std::uint64_t> column;
  for (std::size_t j = 0; j < subs; ++j) {
    column.clear();
    for (std::size_t i = 0; i + 1 < split.first.size(); ++i) {
      if (split.first[i] + j < split.first[i + 1]) column.push_back(split.numbers[split.first[i] + j]);
    }
    std::vector<std::uint64_t> deltas;
    deltas.reserve(column.size());
    std::uint64_t prev = 0;
    for (const std::uint64_t v : column) {
      deltas.push_back(zigzag_encode(static_cast<std::int64_t>(v - prev)));
      prev = v;
    }
    const bool delta = estimated_bits(deltas) < estimated_bits(column);
    out.s[kMetaStream].push_back(delta ? 1 : 0);
    prev = 0;
    for (const std::uint64_t v : column) {
      append_varint(out.numbers(), delta ? zigzag_encode(static_cast<std::int64_t>(v - prev)) : v);
      prev = v;
    }
  }
}

}  // namespace

void write_column(const std::vector<std::string_view>& values, ColumnPolicy policy, StreamSet& out) {
  if (policy == ColumnPolicy::kText) return write_text(values, out);
  if (policy == ColumnPolicy::kDict) {
    out.s[kMetaStream].push_back(kColumnDict);
    return write_dictionary(values, out);
  }
  // Strongly repetitive columns (hosts, levels, node names) are categories: a dictionary keeps
  // their values whole, which a split into digit runs would not.
  std::unordered_set<std::string_view> distinct;
  for (const std::string_view v : values) {
    distinct.insert(v);
    if (distinct.size() * 2 > values.size()) break;
  }
  if (distinct.size() * kCategoryRepeats <= values.size()) {
    out.s[kMetaStream].push_back(kColumnDict);
    return write_dictionary(values, out);
  }
  NumericSplit split;
  if (!values.empty() && split_column(values, split) && split.distinct_shapes * 8 <= values.size() + 8) {
    return write_numeric(split, out);
  }
  if (distinct.size() * 2 <= values.size()) {
    out.s[kMetaStream].push_back(kColumnDict);
    return write_dictionary(values, out);
  }
  write_text(values, out);
}

}  // namespace kolmo::logc
