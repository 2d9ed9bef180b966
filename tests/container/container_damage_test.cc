// Damage detection: every truncation and every single-bit flip of a small multi-block file must
// fail, through the sequential reader and through random access; plus damage that keeps every
// check valid but breaks the agreement between frames, index and footer.
#include <gtest/gtest.h>

#include "container/format.h"
#include "kmo_test_util.h"
#include "kolmo/container.h"

namespace kolmo {
namespace {

using testing::assemble_kmo;
using testing::compress_or_die;
using testing::options;
using testing::split_kmo;

// ~3 KB of content in 5 blocks: text blocks (zstd) and noise blocks (stored).
struct SmallFile {
  Bytes input;
  Bytes file;
};

const SmallFile& small_file() {
  static const SmallFile f = [] {
    SmallFile s;
    s.input = testing::text_bytes(1700, 31);
    const Bytes noise = testing::random_bytes(1300, 32);
    s.input.insert(s.input.end(), noise.begin(), noise.end());
    s.file = compress_or_die(s.input, options("zstd", 640));
    return s;
  }();
  return f;
}

// Decompressing damaged bytes must fail; succeeding with the right content is impossible here
// (every damage in these tests changes covered bytes), and with wrong content is the worst bug.
void expect_rejected(const Bytes& damaged, const std::string& what) {
  Expected<Bytes> out = decompress_buffer(damaged, DecompressOptions{});
  EXPECT_FALSE(out.ok()) << what << ": sequential read accepted it"
                         << (out.ok() && *out != small_file().input ? " WITH WRONG CONTENT" : "");
  Expected<Bytes> random_access = testing::decode_all_blocks(damaged);
  EXPECT_FALSE(random_access.ok()) << what << ": random access accepted it";
}

TEST(ContainerDamage, SmallFileHasSeveralBlocksOfBothKinds) {
  MemorySource src(small_file().file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->blocks.size(), 5u);
  EXPECT_EQ(info->blocks[0].codec, CodecId::kZstd);
  EXPECT_EQ(info->blocks[4].codec, CodecId::kStore);
  EXPECT_LT(small_file().file.size(), 4000u);
}

TEST(ContainerDamage, EveryTruncationFails) {
  const Bytes& file = small_file().file;
  for (std::size_t len = 0; len < file.size(); ++len) {
    const Bytes cut(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(len));
    expect_rejected(cut, "truncated to " + std::to_string(len));
    if (HasFailure()) return;  // one report is enough
  }
}

TEST(ContainerDamage, EverySingleBitFlipFails) {
  Bytes file = small_file().file;
  for (std::size_t byte = 0; byte < file.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      file[byte] ^= static_cast<std::uint8_t>(1u << bit);
      expect_rejected(file, "bit " + std::to_string(bit) + " of byte " + std::to_string(byte));
      file[byte] ^= static_cast<std::uint8_t>(1u << bit);
      if (HasFailure()) return;
    }
  }
}

TEST(ContainerDamage, TrailingBytesFail) {
  for (const Bytes& garbage : {Bytes{0}, Bytes{0x89, 0x4B, 0x4D, 0x4F}, Bytes(100, 0xFF)}) {
    Bytes file = small_file().file;
    file.insert(file.end(), garbage.begin(), garbage.end());
    const Status st = decompress_buffer(file, DecompressOptions{}).status();
    EXPECT_EQ(st.code(), StatusCode::kCorruptData) << st.to_string();
    MemorySource src(file);
    EXPECT_FALSE(read_archive_info(src).ok());
  }
  // A second complete file appended is trailing garbage too.
  Bytes twice = small_file().file;
  twice.insert(twice.end(), small_file().file.begin(), small_file().file.end());
  EXPECT_EQ(decompress_buffer(twice, DecompressOptions{}).status().code(),
            StatusCode::kCorruptData);
}

TEST(ContainerDamage, NotAKmoFile) {
  const Bytes text = testing::text_bytes(500, 33);
  EXPECT_EQ(decompress_buffer(text, DecompressOptions{}).status().code(), StatusCode::kCorruptData);
  MemorySource src(text);
  EXPECT_EQ(read_archive_info(src).status().code(), StatusCode::kCorruptData);
}

// Damage that keeps every check valid: only the cross-checks can catch it.
using Tweak = testing::IndexTweak;
void expect_inconsistency_rejected(const Tweak& tweak, const std::string& what) {
  expect_rejected(assemble_kmo(split_kmo(small_file().file), tweak), what);
}

TEST(ContainerDamage, IndexDisagreeingWithTheFramesFails) {
  expect_inconsistency_rejected([](auto& e, auto&) { e[1].original_size += 1; }, "size");
  expect_inconsistency_rejected([](auto& e, auto&) { e[2].codec_id = 0; }, "codec");
  expect_inconsistency_rejected([](auto& e, auto&) { e[0].span += 1; }, "span");
  expect_inconsistency_rejected([](auto& e, auto&) { e.pop_back(); }, "count");
  expect_inconsistency_rejected([](auto& e, auto&) { std::swap(e[0], e[1]); }, "order");
}

TEST(ContainerDamage, FooterDisagreeingWithTheContentFails) {
  expect_inconsistency_rejected([](auto&, kmo::Footer& f) { f.index_offset -= 1; }, "offset");
  expect_inconsistency_rejected([](auto&, kmo::Footer& f) { f.content_size += 1; }, "size");
  // Random access does not hash the whole content, so check the sequential reader alone.
  const Bytes bad_hash = assemble_kmo(split_kmo(small_file().file),
                                      [](auto&, kmo::Footer& f) { f.content_xxh64 ^= 1; });
  EXPECT_EQ(decompress_buffer(bad_hash, DecompressOptions{}).status().code(),
            StatusCode::kChecksumMismatch);
}

TEST(ContainerDamage, SwappedBlocksFail) {
  testing::KmoParts parts = split_kmo(small_file().file);
  std::swap(parts.pieces[0], parts.pieces[1]);
  // Index rebuilt from the swapped frames, so only the content check can see it.
  EXPECT_EQ(decompress_buffer(assemble_kmo(parts), DecompressOptions{}).status().code(),
            StatusCode::kChecksumMismatch);
}

}  // namespace
}  // namespace kolmo
