// Format evolution and limits, on hand-built files with valid checks: newer versions, unknown
// codecs and frame types, skippable frames, and the memory limit.
#include <gtest/gtest.h>

#include "container/format.h"
#include "kmo_test_util.h"
#include "kolmo/container.h"

namespace kolmo {
namespace {

using testing::assemble_kmo;
using testing::compress_or_die;
using testing::KmoParts;
using testing::options;
using testing::Piece;
using testing::split_kmo;
using testing::text_bytes;

struct Sample {
  Bytes input;
  Bytes file;
};

Sample sample() {
  Sample s;
  s.input = text_bytes(7000, 21);
  s.file = compress_or_die(s.input, options("zstd", 2048));
  return s;
}

Status decompress_status(const Bytes& file, std::uint64_t memory_limit = kDefaultMemoryLimit) {
  DecompressOptions d;
  d.memory_limit = memory_limit;
  return decompress_buffer(file, d).status();
}

TEST(ContainerFormat, SplitAndAssembleIsTheIdentity) {
  const Sample s = sample();
  EXPECT_EQ(assemble_kmo(split_kmo(s.file)), s.file);
}

TEST(ContainerFormat, NewerMajorVersionIsUnsupported) {
  Sample s = sample();
  s.file[4] = 2;
  testing::fix_file_header_check(s.file);
  const Status st = decompress_status(s.file);
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_NE(st.message().find("newer kolmo"), std::string::npos) << st.message();
  MemorySource src(s.file);
  EXPECT_EQ(read_archive_info(src).status().code(), StatusCode::kUnsupported);
}

TEST(ContainerFormat, NewerMinorVersionIsRead) {
  Sample s = sample();
  s.file[5] = 7;
  testing::fix_file_header_check(s.file);
  Expected<Bytes> out = decompress_buffer(s.file, DecompressOptions{});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, s.input);
  MemorySource src(s.file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->format_minor, 7);
}

TEST(ContainerFormat, UnknownFlagsAreUnsupported) {
  Sample s = sample();
  s.file[7] = 0x40;
  testing::fix_file_header_check(s.file);
  EXPECT_EQ(decompress_status(s.file).code(), StatusCode::kUnsupported);
}

TEST(ContainerFormat, UnknownCodecIdIsUnsupportedButListed) {
  const Sample s = sample();
  KmoParts parts = split_kmo(s.file);
  ASSERT_EQ(parts.pieces.size(), 4u);
  Bytes& frame = parts.pieces[3].bytes;
  store_le16(&frame[1], 42);
  testing::fix_block_header_check(frame);
  const Bytes file = assemble_kmo(parts);  // the index names codec 42 as well

  const Status st = decompress_status(file);
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_NE(st.message().find("block 3 uses codec id 42"), std::string::npos) << st.message();

  MemorySource src(file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->blocks[3].codec_name, "unknown(42)");
  EXPECT_EQ(info->blocks[0].codec_name, "zstd");
  EXPECT_TRUE(decode_block(src, *info, 0, DecompressOptions{}).ok());
  EXPECT_EQ(decode_block(src, *info, 3, DecompressOptions{}).status().code(),
            StatusCode::kUnsupported);
}

TEST(ContainerFormat, UnknownRequiredFrameTypeIsUnsupported) {
  const Sample s = sample();
  KmoParts parts = split_kmo(s.file);
  parts.pieces.insert(parts.pieces.begin() + 1, Piece{Bytes{0x05, 1, 2, 3, 4, 5, 6, 7, 8}, false});
  const Status st = decompress_status(assemble_kmo(parts));
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_NE(st.message().find("0x05"), std::string::npos) << st.message();
}

TEST(ContainerFormat, FrameTypeZeroIsCorrupt) {
  const Sample s = sample();
  KmoParts parts = split_kmo(s.file);
  parts.pieces.insert(parts.pieces.begin() + 1, Piece{Bytes{0x00, 1, 2, 3}, false});
  EXPECT_EQ(decompress_status(assemble_kmo(parts)).code(), StatusCode::kCorruptData);
}

Piece skippable(std::uint8_t type, Bytes body) {
  Bytes frame = kmo::serialize_skippable_header(type, static_cast<std::uint32_t>(body.size()));
  frame.insert(frame.end(), body.begin(), body.end());
  return Piece{frame, false};
}

TEST(ContainerFormat, SkippableFramesAreSkippedEverywhere) {
  const Sample s = sample();
  KmoParts parts = split_kmo(s.file);
  parts.pieces.insert(parts.pieces.begin() + 2, skippable(0x80, Bytes(300, 'x')));
  parts.pieces.insert(parts.pieces.begin(), skippable(0xFE, Bytes{1, 2, 3}));
  parts.pieces.push_back(skippable(0x9A, {}));
  const Bytes file = assemble_kmo(parts);

  Expected<Bytes> out = decompress_buffer(file, DecompressOptions{});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, s.input);
  Expected<Bytes> random_access = testing::decode_all_blocks(file);
  ASSERT_TRUE(random_access.ok()) << random_access.status().to_string();
  EXPECT_EQ(*random_access, s.input);
}

TEST(ContainerFormat, DamagedOrOversizedSkippableFrameFails) {
  const Sample s = sample();
  KmoParts parts = split_kmo(s.file);
  Piece bad_check = skippable(0x80, Bytes{1, 2, 3});
  bad_check.bytes[1] ^= 1;
  parts.pieces.insert(parts.pieces.begin() + 1, bad_check);
  EXPECT_EQ(decompress_status(assemble_kmo(parts)).code(), StatusCode::kChecksumMismatch);

  parts = split_kmo(s.file);
  Piece huge = skippable(0x80, {});
  huge.bytes = kmo::serialize_skippable_header(0x80, static_cast<std::uint32_t>(kMaxBlockSize + 1));
  parts.pieces.insert(parts.pieces.begin() + 1, huge);
  EXPECT_EQ(decompress_status(assemble_kmo(parts)).code(), StatusCode::kCorruptData);
}

// A block frame declaring the given sizes, with a valid header check and a tiny payload.
Bytes declared_block(std::uint32_t original, std::uint32_t stored) {
  kmo::BlockHeader h;
  h.codec_id = static_cast<std::uint16_t>(CodecId::kStore);
  h.original_size = original;
  h.stored_size = stored;
  Bytes frame;
  kmo::append_block_header(h, frame);
  frame.resize(frame.size() + 40, 0);
  return frame;
}

TEST(ContainerLimits, HugeDeclaredBlockIsRefusedBeforeAllocating) {
  const Sample s = sample();
  KmoParts parts = split_kmo(s.file);
  parts.pieces.insert(parts.pieces.begin() + 1, Piece{declared_block(1u << 30, 1u << 30), false});
  const Bytes file = assemble_kmo(parts);
  // Reading the payload would end in kTruncated; the limit must be seen first.
  const Status st = decompress_status(file, 1 << 20);
  EXPECT_EQ(st.code(), StatusCode::kLimitExceeded);
  EXPECT_NE(st.message().find("block 1"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("--memory"), std::string::npos) << st.message();
  // With a limit that allows it, the same file is (only) truncated inside that block.
  EXPECT_EQ(decompress_status(file).code(), StatusCode::kTruncated);
}

TEST(ContainerLimits, ValidFileOverTheLimitIsRefusedAlsoByRandomAccess) {
  const Bytes input = text_bytes(64 * 1024, 22);
  const Bytes file = compress_or_die(input, options("store", 32 * 1024));
  EXPECT_EQ(decompress_status(file, 32 * 1024).code(), StatusCode::kLimitExceeded);
  EXPECT_TRUE(decompress_status(file, 65 * 1024 + 100).ok());
  MemorySource src(file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok());
  DecompressOptions small;
  small.memory_limit = 32 * 1024;
  EXPECT_EQ(decode_block(src, *info, 0, small).status().code(), StatusCode::kLimitExceeded);
}

TEST(ContainerLimits, ParallelDecodingWorksWithRoomForOnlyOneBlock) {
  // Each block needs ~2 x 8 KiB; a 20 KiB limit admits one block at a time, whatever the threads.
  const Bytes input = text_bytes(80 * 1024, 23);
  const Bytes file = compress_or_die(input, options("store", 8 * 1024));
  DecompressOptions d;
  d.threads = 4;
  d.memory_limit = 20 * 1024;
  Expected<Bytes> out = decompress_buffer(file, d);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, input);
}

TEST(ContainerLimits, BlockSizesOutsideTheFormatAreCorrupt) {
  const Sample s = sample();
  for (std::uint32_t original : {0u, static_cast<std::uint32_t>(kMaxBlockSize + 1)}) {
    KmoParts parts = split_kmo(s.file);
    parts.pieces.insert(parts.pieces.begin() + 1, Piece{declared_block(original, 10), false});
    EXPECT_EQ(decompress_status(assemble_kmo(parts)).code(), StatusCode::kCorruptData) << original;
  }
  KmoParts parts = split_kmo(s.file);
  parts.pieces.insert(
      parts.pieces.begin() + 1,
      Piece{declared_block(10, static_cast<std::uint32_t>(kMaxBlockSize + 1)), false});
  EXPECT_EQ(decompress_status(assemble_kmo(parts)).code(), StatusCode::kCorruptData);
}

TEST(ContainerLimits, IndexClaimingMoreBlocksThanTheFileHoldsFails) {
  const Sample s = sample();
  const Bytes file = assemble_kmo(split_kmo(s.file), [](auto& entries, kmo::Footer&) {
    entries.resize(100000, entries.back());
  });
  EXPECT_FALSE(decompress_buffer(file, DecompressOptions{}).ok());
  MemorySource src(file);
  EXPECT_FALSE(read_archive_info(src).ok());
}

}  // namespace
}  // namespace kolmo
