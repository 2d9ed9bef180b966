// Helpers for the container tests: test inputs, odd byte sources, and taking a .kmo file apart
// and putting it back together with valid checks (to hand-build files a writer never makes).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "container/format.h"
#include "kolmo/container.h"
#include "kolmo/hash.h"

namespace kolmo::testing {

inline Bytes random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

// Compressible, text-like bytes.
inline Bytes text_bytes(std::size_t n, std::uint32_t seed) {
  static const char* const kWords[] = {"the ",  "quick ", "brown ", "fox ",   "jumps ", "over ",
                                       "lazy ", "dog ",   "kolmo ", "block ", "frame ", "\n"};
  std::mt19937 rng(seed);
  Bytes out;
  while (out.size() < n) {
    const char* w = kWords[rng() % 12];
    out.insert(out.end(), w, w + std::char_traits<char>::length(w));
  }
  out.resize(n);
  return out;
}

inline CompressOptions options(std::string spec, std::uint64_t block_size, unsigned threads = 1) {
  CompressOptions o;
  o.codec_spec = std::move(spec);
  o.block_size = block_size;
  o.threads = threads;
  return o;
}

inline Bytes compress_or_die(ByteSpan input, const CompressOptions& opts) {
  Expected<Bytes> out = compress_buffer(input, opts);
  EXPECT_TRUE(out.ok()) << out.status().to_string();
  return out.ok() ? std::move(out).value() : Bytes();
}

// A pipe: data in small random chunks, size unknown.
class ChunkySource final : public ByteSource {
 public:
  ChunkySource(ByteSpan data, std::uint32_t seed) : data_(data), rng_(seed) {}
  Expected<std::size_t> read(MutableByteSpan out) override {
    const std::size_t want = std::min<std::size_t>(out.size(), 1 + rng_() % 97);
    const std::size_t n = std::min(want, data_.size() - pos_);
    std::copy_n(data_.begin() + static_cast<std::ptrdiff_t>(pos_), n, out.begin());
    pos_ += n;
    return n;
  }

 private:
  ByteSpan data_;
  std::size_t pos_ = 0;
  std::mt19937 rng_;
};

// ---- taking files apart ----

// A .kmo file as its pieces: block frames and any skippable/unknown frames between them.
struct Piece {
  Bytes bytes;
  bool is_block = true;
};
struct KmoParts {
  Bytes header;
  std::vector<Piece> pieces;
  kmo::Footer footer;
};

inline KmoParts split_kmo(const Bytes& file) {
  KmoParts parts;
  MemorySource src(file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  EXPECT_TRUE(info.ok()) << info.status().to_string();
  if (!info.ok()) return parts;
  parts.header.assign(file.begin(), file.begin() + kmo::kFileHeaderSize);
  for (const BlockInfo& b : info->blocks) {
    const auto start = file.begin() + static_cast<std::ptrdiff_t>(b.file_offset);
    parts.pieces.push_back({Bytes(start, start + static_cast<std::ptrdiff_t>(b.frame_size)), true});
  }
  parts.footer = *kmo::parse_footer(ByteSpan(file).last(kmo::kFooterSize));
  return parts;
}

// Rewrites the header check of the block frame in `frame` (after a test changed its fields).
inline void fix_block_header_check(Bytes& frame) {
  const std::size_t checked = kmo::kBlockHeaderFixedSize - 4 + frame[3];
  store_le32(&frame[checked], xxh64_low32(ByteSpan(frame).first(checked)));
}

inline void fix_file_header_check(Bytes& header) {
  store_le32(&header[12], xxh64_low32(ByteSpan(header).first(12)));
}

// Puts the parts back together with a matching index and footer (content size and hash are
// kept from parts.footer unless `tweak` changes them; tweak may also damage the index).
using IndexTweak = std::function<void(std::vector<kmo::IndexEntry>&, kmo::Footer&)>;
inline Bytes assemble_kmo(const KmoParts& parts, const IndexTweak& tweak = nullptr) {
  Bytes out = parts.header;
  std::vector<kmo::IndexEntry> entries;
  for (const Piece& p : parts.pieces) {
    if (p.is_block) {
      kmo::BlockHeader h = *kmo::parse_block_header(p.bytes);
      entries.push_back({h.original_size, 0, h.codec_id});
    }
    if (!entries.empty()) entries.back().span += p.bytes.size();
    out.insert(out.end(), p.bytes.begin(), p.bytes.end());
  }
  kmo::Footer footer = parts.footer;
  footer.index_offset = out.size();
  if (tweak) tweak(entries, footer);
  const Bytes index = kmo::serialize_index(entries);
  out.insert(out.end(), index.begin(), index.end());
  const Bytes tail = kmo::serialize_footer(footer);
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

// Decodes every block through the index alone; the content, or the first error.
inline Expected<Bytes> decode_all_blocks(const Bytes& file) {
  MemorySource src(file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  if (!info.ok()) return info.status();
  Bytes all;
  for (std::size_t i = 0; i < info->blocks.size(); ++i) {
    Expected<Bytes> b = decode_block(src, *info, i, DecompressOptions{});
    if (!b.ok()) return b.status();
    all.insert(all.end(), b->begin(), b->end());
  }
  return all;
}

}  // namespace kolmo::testing
