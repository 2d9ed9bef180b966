#include "codecs/log/log_column_encode.h"

#include <algorithm>
#include <bit>
#include <string>
#include <utility>

#include "codecs/log/log_columns.h"

namespace kolmo::logc {
namespace {

// A column whose values repeat this often on average is a category (see write_column).
constexpr std::size_t kCategoryRepeats = 4;

// Numbers strings by first appearance (open addressing, linear probing): one array per column
// instead of a hash node per distinct value, which dominated the fast level's column time. The
// strings must outlive the index; at most max_entries distinct strings may be inserted.
class StringIndex {
 public:
  explicit StringIndex(std::size_t max_entries) {
    std::size_t capacity = 16;
    while (capacity < 2 * max_entries) capacity *= 2;
    slots_.resize(capacity);
  }

  // The string's number, and whether this call added it.
  std::pair<std::uint32_t, bool> insert(std::string_view v) {
    const std::size_t hash = std::hash<std::string_view>{}(v);
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.id == kEmpty) {
        slot = Slot{v, size_, tag};
        return {size_++, true};
      }
      if (slot.tag == tag && slot.key == v) return {slot.id, false};
    }
  }

  std::size_t size() const { return size_; }

 private:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    std::string_view key;
    std::uint32_t id = kEmpty;
    std::uint32_t tag = 0;  // high hash bits: most mismatches skip the string compare
  };
  std::vector<Slot> slots_;
  std::uint32_t size_ = 0;
};

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
// Counts equal values by sorting a copy (one allocation, no hash nodes); the sum of integer
// terms does not depend on the order the distinct values are visited in.
std::uint64_t estimated_bits(std::vector<std::uint64_t> values) {
  std::sort(values.begin(), values.end());
  const std::uint64_t log_n = log2_q8(values.size());
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < values.size();) {
    std::size_t end = i + 1;
    while (end < values.size() && values[end] == values[i]) ++end;
    const std::uint64_t c = end - i;
    bits += c * (log_n - log2_q8(c)) + 8 * 256 * varint_size(values[i]);
    i = end;
  }
  return bits;
}

// Distinct entries in first-appearance order into the text stream, then an index per value
// (none when there is a single entry).
template <typename Key>
void write_dictionary(const std::vector<Key>& values, StreamSet& out) {
  StringIndex index(values.size());
  std::vector<std::uint32_t> ids;
  ids.reserve(values.size());
  std::vector<std::string_view> entries;
  for (const Key& v : values) {
    const auto [id, inserted] = index.insert(v);
    if (inserted) entries.push_back(v);
    ids.push_back(id);
  }
  append_varint(out.s[kMetaStream], entries.size());
  for (const std::string_view e : entries) append_text(out.text(), e);
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
  StringIndex distinct(values.size());
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

std::size_t runs_of(const NumericSplit& split, std::size_t i) { return split.first[i + 1] - split.first[i]; }

// Sub-column j: the j-th digit run of every value that has one.
std::vector<std::uint64_t> sub_column(const NumericSplit& split, std::size_t j) {
  std::vector<std::uint64_t> column;
  for (std::size_t i = 0; i + 1 < split.first.size(); ++i) {
    if (j < runs_of(split, i)) column.push_back(split.numbers[split.first[i] + j]);
  }
  return column;
}

std::vector<std::uint64_t> deltas_of(const std::vector<std::uint64_t>& column) {
  std::vector<std::uint64_t> deltas;
  deltas.reserve(column.size());
  std::uint64_t prev = 0;
  for (const std::uint64_t v : column) {
    deltas.push_back(zigzag_encode(static_cast<std::int64_t>(v - prev)));
    prev = v;
  }
  return deltas;
}

std::size_t sub_column_count(const NumericSplit& split) {
  std::size_t subs = 0;
  for (std::size_t i = 0; i + 1 < split.first.size(); ++i) subs = std::max(subs, runs_of(split, i));
  return subs;
}

// Sub-column by sub-column, each raw or as deltas from its previous entry, whichever an
// order-0 estimate finds cheaper.
void write_numeric(const NumericSplit& split, StreamSet& out) {
  const std::size_t subs = sub_column_count(split);
  out.s[kMetaStream].push_back(kColumnNumeric);
  write_dictionary(split.shapes, out);
  append_varint(out.s[kMetaStream], subs);
  // Each sub-column in the form its estimate picked, kept from the choice to the writing.
  std::vector<std::vector<std::uint64_t>> columns(subs);
  for (std::size_t j = 0; j < subs; ++j) {
    std::vector<std::uint64_t> column = sub_column(split, j);
    std::vector<std::uint64_t> deltas = deltas_of(column);
    const bool delta = estimated_bits(deltas) < estimated_bits(column);
    out.s[kMetaStream].push_back(delta ? 1 : 0);
    columns[j] = delta ? std::move(deltas) : std::move(column);
  }
  for (const std::vector<std::uint64_t>& column : columns) {
    for (const std::uint64_t v : column) append_varint(out.numbers(), v);
  }
}

// Index into the global dictionary; a new value gets the next index and its text.
void append_global(std::string_view v, StreamSet& out) {
  const auto [it, inserted] = out.global.emplace(v, static_cast<std::uint32_t>(out.global.size()));
  append_varint(out.indices(), it->second);
  if (inserted) append_text(out.text(), v);
}

void write_global(const std::vector<std::string_view>& values, StreamSet& out) {
  out.s[kMetaStream].push_back(kColumnGlobalDict);
  for (const std::string_view v : values) append_global(v, out);
}

// Cuts value into its skeleton (delimiter runs, kShapeMarker per alphanumeric run) and its
// alphanumeric runs (Logzip splits with the regex ([^a-zA-Z0-9]+)). False when value holds a
// byte that a skeleton cannot carry or has too many sub-fields.
bool split_subfields(std::string_view value, std::string& skeleton, std::vector<std::string_view>& parts) {
  skeleton.clear();
  std::size_t i = 0;
  while (i < value.size()) {
    const auto c = static_cast<std::uint8_t>(value[i]);
    if (c < kShapeSafeByte) return false;
    if (!is_alnum(c)) {
      skeleton.push_back(value[i++]);
      continue;
    }
    std::size_t end = i;
    while (end < value.size() && is_alnum(static_cast<std::uint8_t>(value[end]))) ++end;
    if (parts.size() >= kMaxSubfields) return false;
    parts.push_back(value.substr(i, end - i));
    skeleton.push_back(static_cast<char>(kShapeMarker));
    i = end;
  }
  return true;
}

// Logzip levels 2 and 3: skeleton dictionary, then sub-column j = the j-th sub-field of every
// value that has one, as text (level 2) or global-dictionary indices (level 3). A column whose
// values cannot be split is written whole the same way.
void write_subfields(const std::vector<std::string_view>& values, bool global, StreamSet& out) {
  std::vector<std::string> skeletons(values.size());
  std::vector<std::vector<std::string_view>> parts(values.size());
  std::size_t subs = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!split_subfields(values[i], skeletons[i], parts[i])) {
      return global ? write_global(values, out) : write_text(values, out);
    }
    subs = std::max(subs, parts[i].size());
  }
  out.s[kMetaStream].push_back(kColumnSubfields);
  write_dictionary(skeletons, out);
  append_varint(out.s[kMetaStream], subs);
  for (std::size_t j = 0; j < subs; ++j) out.s[kMetaStream].push_back(global ? kSubfieldGlobal : kSubfieldText);
  for (std::size_t j = 0; j < subs; ++j) {
    for (const auto& p : parts) {
      if (j >= p.size()) continue;
      if (global) {
        append_global(p[j], out);
      } else {
        append_text(out.text(), p[j]);
      }
    }
  }
}

}  // namespace

void write_column(const std::vector<std::string_view>& values, ColumnPolicy policy, StreamSet& out) {
  if (policy == ColumnPolicy::kText) return write_text(values, out);
  if (policy == ColumnPolicy::kSubText) return write_subfields(values, false, out);
  if (policy == ColumnPolicy::kSubGlobal) return write_subfields(values, true, out);
  // Strongly repetitive columns (hosts, levels, node names) are categories: a dictionary keeps
  // their values whole, which a split into digit runs would not.
  StringIndex distinct(values.size());
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
