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

Status read_numeric(ColumnSources& src, std::size_t count, DecodedColumn& column) {
  KOLMO_ASSIGN_OR_RETURN(auto shapes, read_entries(src, count));
  if (count > 0 && shapes.empty()) return corrupt_data("log: empty shape dictionary");
  std::vector<std::vector<std::uint8_t>> runs;
  for (const std::string_view s : shapes) {
    KOLMO_ASSIGN_OR_RETURN(auto r, shape_runs(s));
    runs.push_back(std::move(r));
  }
  const std::uint64_t subs = src.meta->varint_at_most(kMaxRunsPerValue, "log sub-column count");
  std::vector<std::uint8_t> delta(static_cast<std::size_t>(subs));
  for (auto& d : delta) d = src.meta->u8();
  KOLMO_RETURN_IF_ERROR(src.meta->status());
  for (const auto d : delta) {
    if (d > 1) return corrupt_data("log: bad sub-column mode");
  }
  std::vector<std::uint32_t> shape_of(count);
  std::vector<std::size_t> sub_count(static_cast<std::size_t>(subs), 0);
  for (std::size_t i = 0; i < count; ++i) {
    KOLMO_ASSIGN_OR_RETURN(shape_of[i], read_index(src, shapes.size()));
    if (runs[shape_of[i]].size() > subs) return corrupt_data("log: shape has more runs than sub-columns");
    for (std::size_t j = 0; j < runs[shape_of[i]].size(); ++j) ++sub_count[j];
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
  char digits[kMaxDigitRun];
  for (std::size_t i = 0; i < count; ++i) {
    value.clear();
    const std::string_view shape = shapes[shape_of[i]];
    std::size_t run = 0;
    for (std::size_t k = 0; k < shape.size(); ++k) {
      if (static_cast<std::uint8_t>(shape[k]) != kShapeMarker) {
        value.push_back(shape[k]);
        continue;
      }
      const std::size_t len = static_cast<std::uint8_t>(shape[++k]) - kShapeLengthBase;
      std::uint64_t v = numbers[run][cursor[run]++];
      ++run;
      if (v >= power_of_ten(len)) return corrupt_data("log: number wider than its digit run");
      for (std::size_t d = len; d-- > 0;) {
        digits[d] = static_cast<char>('0' + v % 10);
        v /= 10;
      }
      value.append(digits, len);
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
    default:
      return corrupt_data("log: unknown column mode");
  }
}

}  // namespace kolmo::logc
