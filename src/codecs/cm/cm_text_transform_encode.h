// The cm text transform, encoder side: capitalisation escapes and a word dictionary built from
// the block itself (format in cm_text_transform.h). Only encoders include this header.
#pragma once

#include <cstdint>

#include "kolmo/bytes.h"

namespace kolmo::cm {

struct TextTransformOptions {
  bool dictionary = true;
  // A word gets a code only if it occurs at least this often: the model predicts rare words
  // well from their letters, and each dictionary entry costs its letters once.
  std::uint32_t min_word_count = 8;
  // At most this many words, and two-byte codes only if allowed.
  std::uint32_t max_words = 65535;
  bool two_byte_codes = true;
};

// What pays at each cm level and block size (measured on enwik8's first MB, book1, alice29,
// paper1, progc, fields.c, cp.html: docs/cm.md): levels 1-2 model orders 1-4 (level 2 one word
// context too), and a large dictionary (one- and two-byte codes) pays there; from level 3 on the model's word and order-n
// contexts predict most words' letters well and a large dictionary costs more than it saves:
// only the 32 best words get (one-byte) codes. Below 128 KiB the dictionary's header costs more
// than it saves at every level: capitalisation escapes only.
TextTransformOptions text_transform_options(int level, std::uint64_t block_size);

// A cheap scan: whether the block looks like text the transform helps: mostly letters, some
// capitals, few digits (logs, mostly digits and fixed-case fields, got worse with it).
bool looks_like_text(ByteSpan input);

// The transformed block. Defined for any input (every byte value, escapes already present,
// non-ASCII, long words, empty); inverse_text_transform() restores it exactly.
Bytes forward_text_transform(ByteSpan input, const TextTransformOptions& options);

}  // namespace kolmo::cm
