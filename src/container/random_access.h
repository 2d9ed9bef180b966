// Internals of random access shared by the listing (index.cc) and entry reads (archive_read.cc).
// Decode path only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "container/entry.h"
#include "container/format.h"
#include "kolmo/container.h"
#include "kolmo/io.h"

namespace kolmo::kmo {

std::string block_name(std::size_t i);

struct Tail {
  Footer footer;
  std::vector<IndexEntry> entries;  // the blocks
  std::vector<EntryRef> entry_refs;  // multi-file archives only
};

// Footer and index, checked against the file size and the memory limit. multi_file (the header's
// entries flag) selects the 1.1 index layout.
Expected<Tail> read_tail(const RandomAccessSource& file, bool multi_file,
                         std::uint64_t memory_limit);

// The verified body of the dictionary frame that `info` lists (empty when none).
Expected<Bytes> read_dictionary_body(const RandomAccessSource& file, const ArchiveInfo& info,
                                     std::uint64_t memory_limit);

// Decodes block `index` of `info`, trusting only what the frame itself says.
Expected<Bytes> decode_one(const RandomAccessSource& file, const ArchiveInfo& info,
                           std::size_t index, const DecompressOptions& opts);
// The same into `output`, which must be exactly the block's original size.
Status decode_one_into(const RandomAccessSource& file, const ArchiveInfo& info, std::size_t index,
                       MutableByteSpan output, const DecompressOptions& opts);

}  // namespace kolmo::kmo
