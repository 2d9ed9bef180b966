// Decoder side of the columns: rebuilds each column's values into one arena.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/log/log_format.h"
#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::logc {

// Cursors over the decoded streams that columns read from.
struct ColumnSources {
  ByteReader* meta;
  ByteSpan text;
  std::size_t text_pos = 0;
  ByteReader* numbers;
  ByteReader* indices;
  // Every column value is copied into the arena, which may not grow beyond arena_limit bytes.
  std::string arena;
  std::size_t arena_limit = 0;
  // The block's global dictionary (Logzip level 3), grown in first-use order; entries point into
  // the text streams, which outlive the columns.
  std::vector<std::string_view> global;
};

struct DecodedColumn {
  std::vector<std::uint32_t> ends;  // value i is arena[ends[i-1] (or begin), ends[i])
  std::uint32_t begin = 0;
  std::size_t next = 0;             // the reconstruction cursor
};

// Reads the next column's description from meta and its `count` values from the streams.
Status read_column(ColumnSources& src, std::size_t count, DecodedColumn& column);

}  // namespace kolmo::logc
