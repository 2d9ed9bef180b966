// The dictionary frame (docs/format.md, "Dictionary frame"): its layout and checks, and how both
// readers treat a file whose blocks need it when it is damaged, missing or replaced.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "container/format.h"
#include "kmo_test_util.h"
#include "kolmo/container.h"
#include "kolmo/hash.h"

namespace kolmo {
namespace {

// A small log (~9 KB) cut into 1 KiB log:fast blocks: a dictionary frame and several blocks.
struct LogFile {
  Bytes input;
  Bytes file;
  ArchiveInfo info;
};

const LogFile& log_file() {
  static const LogFile f = [] {
    LogFile l;
    std::string text;
    for (unsigned i = 0; i < 160; ++i) {
      char line[96];
      std::snprintf(line, sizeof line, "2026-11-27 14:%02u:%02u INFO worker-%u took %u ms\n",
                    i / 60 % 60, i % 60, i % 5, (i * 37) % 1000);
      text += line;
    }
    l.input.assign(text.begin(), text.end());
    l.file = testing::compress_or_die(l.input, testing::options("log:fast", 1024));
    MemorySource src(l.file);
    l.info = *read_archive_info(src);
    return l;
  }();
  return f;
}

Bytes frame_body(const LogFile& f) {
  const auto start = f.file.begin() + static_cast<std::ptrdiff_t>(kmo::kFileHeaderSize +
                                                                  kmo::kDictionaryHeaderSize);
  return Bytes(start, start + static_cast<std::ptrdiff_t>(f.info.dictionary_size));
}

TEST(ContainerDictionary, FrameLayoutAndChecks) {
  const Bytes body = {1, 2, 3, 4, 5};
  const Bytes frame = kmo::serialize_dictionary_frame(6, body);
  ASSERT_EQ(frame.size(), kmo::kDictionaryHeaderSize + body.size() + kmo::kDictionaryTrailerSize);
  Expected<kmo::DictionaryHeader> h = kmo::parse_dictionary_header(frame);
  ASSERT_TRUE(h.ok()) << h.status().to_string();
  EXPECT_EQ(h->codec_id, 6);
  EXPECT_EQ(h->body_size, body.size());
  EXPECT_TRUE(kmo::check_dictionary_body(*h, ByteSpan(frame).subspan(kmo::kDictionaryHeaderSize)).ok());

  Bytes damaged = frame;
  damaged[2] ^= 1;
  EXPECT_EQ(kmo::parse_dictionary_header(damaged).status().code(), StatusCode::kChecksumMismatch);
  damaged = frame;
  damaged[kmo::kDictionaryHeaderSize + 1] ^= 1;
  EXPECT_EQ(kmo::check_dictionary_body(*h, ByteSpan(damaged).subspan(kmo::kDictionaryHeaderSize)).code(),
            StatusCode::kChecksumMismatch);
  // An empty body, or one above the format's maximum, is invalid even with a valid check.
  for (const std::uint32_t size : {0u, static_cast<std::uint32_t>(kmo::kMaxDictionaryBytes + 1)}) {
    Bytes header = Bytes(frame.begin(), frame.begin() + kmo::kDictionaryHeaderSize);
    store_le32(&header[3], size);
    store_le32(&header[7], xxh64_low32(ByteSpan(header).first(7)));
    EXPECT_EQ(kmo::parse_dictionary_header(header).status().code(), StatusCode::kCorruptData);
  }
}

TEST(ContainerDictionary, SmallLogFileHasADictionaryAndSeveralBlocks) {
  const LogFile& f = log_file();
  EXPECT_EQ(f.info.format_minor, kmo::kDictionaryFormatMinor);
  EXPECT_EQ(f.info.dictionary_codec, CodecId::kLog);
  EXPECT_GT(f.info.blocks.size(), 4u);
  EXPECT_EQ(*decompress_buffer(f.file, DecompressOptions{}), f.input);
  EXPECT_EQ(*testing::decode_all_blocks(f.file), f.input);
}

TEST(ContainerDictionary, EveryBitFlipOfTheDictionaryFrameFails) {
  Bytes file = log_file().file;
  const std::size_t end =
      kmo::kFileHeaderSize + kmo::kDictionaryHeaderSize + log_file().info.dictionary_size +
      kmo::kDictionaryTrailerSize;
  for (std::size_t byte = kmo::kFileHeaderSize; byte < end; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      file[byte] ^= static_cast<std::uint8_t>(1u << bit);
      const std::string what = "bit " + std::to_string(bit) + " of byte " + std::to_string(byte);
      EXPECT_FALSE(decompress_buffer(file, DecompressOptions{}).ok()) << what;
      EXPECT_FALSE(testing::decode_all_blocks(file).ok()) << what;
      file[byte] ^= static_cast<std::uint8_t>(1u << bit);
      if (HasFailure()) return;
    }
  }
}

// The dictionary frame swapped for a skippable frame of the same size: the file is well formed,
// but its blocks name a dictionary it does not hold.
TEST(ContainerDictionary, MissingDictionaryIsCorruptData) {
  Bytes file = log_file().file;
  const std::uint32_t length = static_cast<std::uint32_t>(log_file().info.dictionary_size + 10);
  const Bytes skippable = kmo::serialize_skippable_header(0x80, length);
  std::copy(skippable.begin(), skippable.end(), file.begin() + kmo::kFileHeaderSize);
  Expected<Bytes> seq = decompress_buffer(file, DecompressOptions{});
  EXPECT_EQ(seq.status().code(), StatusCode::kCorruptData) << seq.status().to_string();
  EXPECT_NE(seq.status().message().find("no dictionary frame"), std::string::npos)
      << seq.status().to_string();
  Expected<Bytes> ra = testing::decode_all_blocks(file);
  EXPECT_EQ(ra.status().code(), StatusCode::kCorruptData) << ra.status().to_string();
}

// Another body under a valid check: the blocks refuse it by its hash.
TEST(ContainerDictionary, OtherDictionaryWithValidChecksIsCorruptData) {
  Bytes file = log_file().file;
  Bytes body = frame_body(log_file());
  body.back() ^= 0x55;
  const Bytes frame = kmo::serialize_dictionary_frame(static_cast<std::uint16_t>(CodecId::kLog), body);
  std::copy(frame.begin(), frame.end(), file.begin() + kmo::kFileHeaderSize);
  Expected<Bytes> seq = decompress_buffer(file, DecompressOptions{});
  EXPECT_EQ(seq.status().code(), StatusCode::kCorruptData) << seq.status().to_string();
  Expected<Bytes> ra = testing::decode_all_blocks(file);
  EXPECT_EQ(ra.status().code(), StatusCode::kCorruptData) << ra.status().to_string();
}

TEST(ContainerDictionary, DictionaryFrameNeedsMemory) {
  DecompressOptions small;
  small.memory_limit = log_file().info.dictionary_size;  // less than twice the body
  EXPECT_EQ(decompress_buffer(log_file().file, small).status().code(), StatusCode::kLimitExceeded);
}

}  // namespace
}  // namespace kolmo
