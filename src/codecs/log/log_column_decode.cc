#include "codecs/log/log_column_decode.h"

#include <cstring>

#include "codecs/log/log_columns.h"

namespace kolmo::logc {
namespace {

Expected<std::string_view> next_text(ColumnSources& src) {
  const std::size_t left = src.text.size() - src.text_pos;
  const auto* start = src.text.data() + src.text_pos;
  const void* nl = std::memchr(start, '\n', left);
  if (nl == nullptr) return corrupt_data("log: text stream ends inside a value");
  const auto len = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nl) - start);
  src.text_pos += len + 1;
  return std::string_view(reinterpret_cast<const char*>(start), len);
}

Status append_value(ColumnSources& src, std::string_view v, DecodedColumn& column) {
  if (src.arena.size() + v.size() > src.arena_limit) {
    return corrupt_data("log: column values exceed the block size");
  }
  src.arena.append(v);
  column.ends.push_back(static_cast<std::uint32_t>(src.arena.size()));
  return ok_status();
}

Expected<std::vector<std::string_view>> read_entries(ColumnSources& src, std::size_t max_entries) {
  const std::uint64_t n = src.meta->varint_at_most(max_entries, "log dictionary size");
  KOLMO_RETURN_IF_ERROR(src.meta->status());
  std::vector<std::string_view> entries;
  entries.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; ++i) {
    KOLMO_ASSIGN_OR_RETURN(std::string_view e, next_text(src));
    entries.push_back(e);
  }
  return entries;
}

Expected<std::uint32_t> read_index(ColumnSources& src, std::size_t entries) {
  if (entries == 1) return 0u;
  const std::uint64_t i = src.indices->varint();
  KOLMO_RETURN_IF_ERROR(src.indices->status());
  if (i >= entries) return corrupt_data("log: dictionary index out of range");
  return static_cast<std::uint32_t>(i);
}

Status read_dict(ColumnSources& src, std::size_t count, DecodedColumn& column) {
  KOLMO_ASSIGN_OR_RETURN(auto entries, read_entries(src, count));
  if (count > 0 && entries.empty()) return corrupt_data("log: empty dictionary for a used column");
  for (std::size_t i = 0; i < count; ++i) {
    KOLMO_ASSIGN_OR_RETURN(const std::uint32_t e, read_index(src, entries.size()));
    KOLMO_RETURN_IF_ERROR(append_value(src, entries[e], column));
  }
  return ok_status();
}

// A shape's digit-run lengths, or an error for a malformed shape.
Expected<std::vector<std::uint8_t>> shape_runs(std::string_view shape) {
  std::vector<std::uint8_t> runs;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const auto c = static_cast<std::uint8_t>(shape[i]);
    if (c < kShapeSafeByte && c != kShapeMarker) return corrupt_data("log: bad byte in a shape");
    if (c != kShapeMarker) continue;
    if (i + 1 >= shape.size()) return corrupt_data("log: shape ends inside a marker");
    const int len = static_cast<std::uint8_t>(shape[++i]) - kShapeLengthBase;
    if (len < 1 || len > static_cast<int>(kMaxDigitRun)) return corrupt_data("log: bad digit-run length");
    runs.push_back(static_cast<std::uint8_t>(len));
  }
  if (runs.empty() || runs.size() > kMaxRunsPerValue) return corrupt_data("log: bad shape");
  return runs;
}

// A shape with its digit runs filled from numbers (one per run, in order).
Status render_shape(std::string_view shape, const std::uint64_t* numbers, std::string& value) {
  value.clear();
  char digits[kMaxDigitRun];
  for (std::size_t k = 0; k < shape.size(); ++k) {
    if (static_cast<std::uint8_t>(shape[k]) != kShapeMarker) {
      value.push_back(shape[k]);
      continue;
    }
    const std::size_t len = static_cast<std::uint8_t>(shape[++k]) - kShapeLengthBase;
    std::uint64_t v = *numbers++;
    if (v >= power_of_ten(len)) return corrupt_data("log: number wider than its digit run");
    for (std::size_t d = len; d-- > 0;) {
      digits[d] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    value.append(digits, len);
  }
  return ok_status();
}

// The shape dictionary of a numeric column and each value's shape.
struct Shapes {
  std::vector<std::string_view> shapes;
  std::vector<std::vector<std::uint8_t>> runs;
  std::vector<std::uint32_t> shape_of;
};

Status read_shape_dictionary(ColumnSources& src, std::size_t count, Shapes& s) {
  KOLMO_ASSIGN_OR_RETURN(s.shapes, read_entries(src, count));
  if (count > 0 && s.shapes.empty()) return corrupt_data("log: empty shape dictionary");
  for (const std::string_view shape : s.shapes) {
    KOLMO_ASSIGN_OR_RETURN(auto r, shape_runs(shape));
    s.runs.push_back(std::move(r));
  }
  return ok_status();
}

Status read_shape_indices(ColumnSources& src, std::size_t count, Shapes& s) {
  s.shape_of.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    KOLMO_ASSIGN_OR_RETURN(s.shape_of[i], read_index(src, s.shapes.size()));
  }
  return ok_status();
}

Status read_numeric(ColumnSources& src, std::size_t count, DecodedColumn& column) {
  Shapes s;
  KOLMO_RETURN_IF_ERROR(read_shape_dictionary(src, count, s));
  const std::uint64_t subs = src.meta->varint_at_most(kMaxRunsPerValue, "log sub-column count");
  std::vector<std::uint8_t> delta(static_cast<std::size_t>(subs));
  for (auto& d : delta) d = src.meta->u8();
  KOLMO_RETURN_IF_ERROR(src.meta->status());
  for (const auto d : delta) {
    if (d > 1) return corrupt_data("log: bad sub-column mode");
  }
  KOLMO_RETURN_IF_ERROR(read_shape_indices(src, count, s));
  std::vector<std::size_t> sub_count(static_cast<std::size_t>(subs), 0);
  for (std::size_t i = 0; i < count; ++i) {
    const auto& runs = s.runs[s.shape_of[i]];
    if (runs.size() > subs) return corrupt_data("log: shape has more runs than sub-columns");
    for (std::size_t j = 0; j < runs.size(); ++j) ++sub_count[j];
  }
  // Numbers are stored sub-column after sub-column; read them all, then render value by value.
  std::vector<std::vector<std::uint64_t>> numbers(static_cast<std::size_t>(subs));
  for (std::size_t j = 0; j < subs; ++j) {
    if (sub_count[j] > src.numbers->remaining()) return corrupt_data("log: number stream too short");
    numbers[j].resize(sub_count[j]);
    std::uint64_t prev = 0;
    for (auto& v : numbers[j]) {
      const std::uint64_t x = src.numbers->varint();
      v = delta[j] ? prev + static_cast<std::uint64_t>(zigzag_decode(x)) : x;
      prev = v;
    }
  }
  KOLMO_RETURN_IF_ERROR(src.numbers->status());
  std::vector<std::size_t> cursor(static_cast<std::size_t>(subs), 0);
  std::string value;
  std::uint64_t runs_of_value[kMaxRunsPerValue];
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t n = s.runs[s.shape_of[i]].size();
    for (std::size_t j = 0; j < n; ++j) runs_of_value[j] = numbers[j][cursor[j]++];
    KOLMO_RETURN_IF_ERROR(render_shape(s.shapes[s.shape_of[i]], runs_of_value, value));
    KOLMO_RETURN_IF_ERROR(append_value(src, value, column));
  }
  return ok_status();
}

// One value of the global dictionary: an index, or the next new entry from the text stream.
Expected<std::string_view> next_global(ColumnSources& src) {
  const std::uint64_t i = src.indices->varint();
  KOLMO_RETURN_IF_ERROR(src.indices->status());
  if (i < src.global.size()) return src.global[static_cast<std::size_t>(i)];
  if (i > src.global.size()) return corrupt_data("log: global dictionary index out of range");
  KOLMO_ASSIGN_OR_RETURN(std::string_view e, next_text(src));
  src.global.push_back(e);
  return e;
}

Status read_global(ColumnSources& src, std::size_t count, DecodedColumn& column) {
  for (std::size_t i = 0; i < count; ++i) {
    KOLMO_ASSIGN_OR_RETURN(std::string_view v, next_global(src));
    KOLMO_RETURN_IF_ERROR(append_value(src, v, column));
  }
  return ok_status();
}

// A skeleton's number of sub-fields (markers), or an error for a malformed skeleton.
Expected<std::size_t> skeleton_fields(std::string_view skeleton) {
  std::size_t n = 0;
  for (const char ch : skeleton) {
    const auto c = static_cast<std::uint8_t>(ch);
    if (c == kShapeMarker) {
      ++n;
    } else if (c < kShapeSafeByte || is_alnum(c)) {
      return corrupt_data("log: bad byte in a sub-field skeleton");
    }
  }
  if (n > kMaxSubfields) return corrupt_data("log: too many sub-fields");
  return n;
}

Status read_subfields(ColumnSources& src, std::size_t count, DecodedColumn& column) {
  KOLMO_ASSIGN_OR_RETURN(auto skeletons, read_entries(src, count));
  if (count > 0 && skeletons.empty()) return corrupt_data("log: empty skeleton dictionary");
  std::vector<std::size_t> fields_of;
  for (const std::string_view s : skeletons) {
    KOLMO_ASSIGN_OR_RETURN(const std::size_t n, skeleton_fields(s));
    fields_of.push_back(n);
  }
  const std::uint64_t subs = src.meta->varint_at_most(kMaxSubfields, "log sub-field count");
  std::vector<std::uint8_t> modes(static_cast<std::size_t>(subs));
  for (auto& m : modes) m = src.meta->u8();
  KOLMO_RETURN_IF_ERROR(src.meta->status());
  for (const auto m : modes) {
    if (m > kSubfieldGlobal) return corrupt_data("log: bad sub-field mode");
  }
  std::vector<std::uint32_t> skeleton_of(count);
  std::vector<std::size_t> sub_count(static_cast<std::size_t>(subs), 0);
  for (std::size_t i = 0; i < count; ++i) {
    KOLMO_ASSIGN_OR_RETURN(skeleton_of[i], read_index(src, skeletons.size()));
    if (fields_of[skeleton_of[i]] > subs) return corrupt_data("log: skeleton has more sub-fields than sub-columns");
    for (std::size_t j = 0; j < fields_of[skeleton_of[i]]; ++j) ++sub_count[j];
  }
  // Every sub-field is an alphanumeric run of at least one output byte, which bounds their number
  // (and the memory of `parts`) by the block size.
  std::size_t total = 0;
  for (const std::size_t c : sub_count) total += c;
  if (total > src.arena_limit) return corrupt_data("log: more sub-fields than the block can hold");
  // Sub-fields are stored sub-column after sub-column.
  std::vector<std::vector<std::string_view>> parts(static_cast<std::size_t>(subs));
  for (std::size_t j = 0; j < subs; ++j) {
    for (std::size_t k = 0; k < sub_count[j]; ++k) {
      KOLMO_ASSIGN_OR_RETURN(std::string_view v,
                             modes[j] == kSubfieldGlobal ? next_global(src) : next_text(src));
      parts[j].push_back(v);
    }
  }
  std::vector<std::size_t> cursor(static_cast<std::size_t>(subs), 0);
  std::string value;
  for (std::size_t i = 0; i < count; ++i) {
    value.clear();
    std::size_t field = 0;
    for (const char c : skeletons[skeleton_of[i]]) {
      if (static_cast<std::uint8_t>(c) != kShapeMarker) {
        value.push_back(c);
        continue;
      }
      value.append(parts[field][cursor[field]]);
      ++cursor[field];
      ++field;
      if (value.size() > src.arena_limit) return corrupt_data("log: sub-field value too long");
    }
    KOLMO_RETURN_IF_ERROR(append_value(src, value, column));
  }
  return ok_status();
}

}  // namespace

Status read_column(ColumnSources& src, std::size_t count, DecodedColumn& column) {
  column.begin = static_cast<std::uint32_t>(src.arena.size());
  column.ends.reserve(count);
  const std::uint8_t mode = src.meta->u8();
  KOLMO_RETURN_IF_ERROR(src.meta->status());
  switch (mode) {
    case kColumnText:
      for (std::size_t i = 0; i < count; ++i) {
        KOLMO_ASSIGN_OR_RETURN(std::string_view v, next_text(src));
        KOLMO_RETURN_IF_ERROR(append_value(src, v, column));
      }
      return ok_status();
    case kColumnDict:
      return read_dict(src, count, column);
    case kColumnNumeric:
      return read_numeric(src, count, column);
    case kColumnSubfields:
      return read_subfields(src, count, column);
    case kColumnGlobalDict:
      return read_global(src, count, column);
    default:
      return corrupt_data("log: unknown column mode");
  }
}

}  // namespace kolmo::logc
