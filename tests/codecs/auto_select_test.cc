// The codec kolmo picks when none is named: cm for text at levels 5-9, zstd otherwise; and the
// container applies it from the start of the input without moving block boundaries.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "kolmo/codec.h"
#include "kolmo/container.h"

namespace kolmo {
namespace {

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

TEST(AutoSelect, TextIsRecognised) {
  EXPECT_TRUE(looks_like_text(bytes_of("Hello, world.\r\n\tIndented line\n")));
  EXPECT_TRUE(looks_like_text(bytes_of("caf\xc3\xa9 na\xc3\xafve \xe2\x82\xac 100\n")));  // UTF-8
  EXPECT_FALSE(looks_like_text({}));
  EXPECT_FALSE(looks_like_text(bytes_of(std::string("text with a NUL\0 inside", 23))));
  std::string mostly_text(1000, 'a');
  mostly_text[10] = '\x01';  // 0.1% control bytes: still text
  EXPECT_TRUE(looks_like_text(bytes_of(mostly_text)));
  for (int i = 0; i < 20; ++i) mostly_text[20 + i] = '\x02';  // 2.1%: binary
  EXPECT_FALSE(looks_like_text(bytes_of(mostly_text)));
  std::mt19937 rng(3);
  Bytes random(4096);
  for (auto& b : random) b = static_cast<std::uint8_t>(rng());
  EXPECT_FALSE(looks_like_text(random));
}

TEST(AutoSelect, CmForTextAtLevelsFiveToNine) {
  const Bytes text = bytes_of("the quick brown fox jumps over the lazy dog\n");
  const Bytes binary = {0, 1, 2, 3, 0xff, 0, 7};
  for (int level = 1; level <= 9; ++level) {
    EXPECT_EQ(default_codec_for(text, level), level >= 5 ? "cm" : "zstd") << level;
    EXPECT_EQ(default_codec_for(binary, level), "zstd") << level;
  }
  EXPECT_EQ(default_codec_for(text, 0), "zstd");  // the default level is 3
  EXPECT_EQ(default_codec_for({}, 9), "zstd");
}

CodecId first_block_codec(const Bytes& file) {
  MemorySource src(file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  EXPECT_TRUE(info.ok());
  if (!info.ok() || info->blocks.empty()) return CodecId::kStore;
  return info->blocks[0].codec;
}

TEST(AutoSelect, ContainerPicksFromTheInputAndKeepsBlockBoundaries) {
  std::string text;
  while (text.size() < 100000) text += "kolmo picks a codec from the first bytes of the input. ";
  const Bytes input = bytes_of(text);
  CompressOptions opts;
  opts.level = 6;
  Expected<Bytes> file = compress_buffer(input, opts);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(first_block_codec(*file), CodecId::kCm);
  Expected<Bytes> back = decompress_buffer(*file, DecompressOptions{});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, input);

  // Blocks smaller than the sample: the sample is handed out block by block, then the rest read;
  // the result equals naming the codec explicitly.
  opts.block_size = 1000;
  Expected<Bytes> small = compress_buffer(input, opts);
  ASSERT_TRUE(small.ok());
  CompressOptions named = opts;
  named.codec_spec = "cm";
  Expected<Bytes> explicit_cm = compress_buffer(input, named);
  ASSERT_TRUE(explicit_cm.ok());
  EXPECT_EQ(*small, *explicit_cm);

  opts.level = 3;  // fast levels stay with zstd
  opts.block_size = 0;
  Expected<Bytes> fast = compress_buffer(input, opts);
  ASSERT_TRUE(fast.ok());
  EXPECT_EQ(first_block_codec(*fast), CodecId::kZstd);

  Bytes binary = input;
  binary[5] = 0;
  opts.level = 9;
  Expected<Bytes> bin = compress_buffer(binary, opts);
  ASSERT_TRUE(bin.ok());
  EXPECT_EQ(first_block_codec(*bin), CodecId::kZstd);
}

TEST(AutoSelect, EmptyInputStillMakesAFile) {
  CompressOptions opts;
  opts.level = 9;
  Expected<Bytes> file = compress_buffer({}, opts);
  ASSERT_TRUE(file.ok());
  Expected<Bytes> back = decompress_buffer(*file, DecompressOptions{});
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->empty());
}

}  // namespace
}  // namespace kolmo
