// Round trips through compress_buffer / compress_stream and back, threads, codecs, sources,
// progress, cancel, and random access to single blocks.
#include "kolmo/container.h"

#include <gtest/gtest.h>

#include <atomic>

#include "container/format.h"
#include "kmo_test_util.h"

namespace kolmo {
namespace {

using testing::compress_or_die;
using testing::options;
using testing::random_bytes;
using testing::text_bytes;

Bytes decompress_or_die(const Bytes& file, unsigned threads = 1) {
  DecompressOptions d;
  d.threads = threads;
  Expected<Bytes> out = decompress_buffer(file, d);
  EXPECT_TRUE(out.ok()) << out.status().to_string();
  return out.ok() ? std::move(out).value() : Bytes();
}

void expect_round_trip(const Bytes& input, const CompressOptions& opts) {
  const Bytes file = compress_or_die(input, opts);
  EXPECT_EQ(decompress_or_die(file), input)
      << "spec " << opts.codec_spec << " size " << input.size();
}

TEST(ContainerRoundTrip, EmptyInputHasNoBlocks) {
  const Bytes file = compress_or_die({}, options("zstd", 0));
  EXPECT_EQ(file.size(), kmo::kMinFileSize);
  EXPECT_TRUE(decompress_or_die(file).empty());
  MemorySource src(file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_TRUE(info->blocks.empty());
  EXPECT_EQ(info->content_size, 0u);
}

TEST(ContainerRoundTrip, OneByte) {
  expect_round_trip(Bytes{42}, options("zstd", 0));
  expect_round_trip(Bytes{0}, options("store", 0));
}

TEST(ContainerRoundTrip, FileStartsAndEndsWithMagic) {
  const Bytes file = compress_or_die(text_bytes(5000, 1), options("zstd", 1024));
  ASSERT_GT(file.size(), 8u);
  EXPECT_EQ(file[0], 0x89);
  EXPECT_EQ(file[1], 'K');
  EXPECT_EQ(file[4], 1);  // major
  EXPECT_EQ(file[5], 0);  // minor
  EXPECT_EQ(load_le32(&file[8]), 1024u);
  EXPECT_EQ(file[file.size() - 4], 'O');
  EXPECT_EQ(file.back(), 0x89);
}

TEST(ContainerRoundTrip, ExactMultiplesOfTheBlockSize) {
  for (std::size_t blocks : {1, 2, 5}) {
    const Bytes input = text_bytes(blocks * 1024, 7);
    const Bytes file = compress_or_die(input, options("zstd", 1024));
    EXPECT_EQ(decompress_or_die(file), input);
    MemorySource src(file);
    Expected<ArchiveInfo> info = read_archive_info(src);
    ASSERT_TRUE(info.ok());
    ASSERT_EQ(info->blocks.size(), blocks);
    for (const BlockInfo& b : info->blocks) EXPECT_EQ(b.original_size, 1024u);
  }
}

TEST(ContainerRoundTrip, VariousSizesTextAndRandom) {
  for (const char* spec : {"store", "zstd", "zstd:19"}) {
    for (std::size_t n : {1, 2, 100, 4095, 4096, 4097, 10000, 70001}) {
      expect_round_trip(text_bytes(n, static_cast<std::uint32_t>(n)), options(spec, 4096));
      expect_round_trip(random_bytes(n, static_cast<std::uint32_t>(n)), options(spec, 4096));
    }
  }
}

TEST(ContainerRoundTrip, ManySmallBlocks) {
  const Bytes input = text_bytes(600, 3);
  for (std::uint64_t block : {1, 7, 64}) {
    const Bytes file = compress_or_die(input, options("zstd", block));
    EXPECT_EQ(decompress_or_die(file, 1), input);
    EXPECT_EQ(decompress_or_die(file, 3), input);
    MemorySource src(file);
    Expected<ArchiveInfo> info = read_archive_info(src);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->blocks.size(), (input.size() + block - 1) / block);
  }
}

TEST(ContainerRoundTrip, DefaultBlockSizeIsTheCodecsPreferred) {
  const Bytes input = text_bytes(3000, 4);
  const Bytes file = compress_or_die(input, options("", 0));
  MemorySource src(file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->blocks.size(), 1u);
  EXPECT_EQ(info->blocks[0].codec, CodecId::kZstd);
  auto encoder = make_encoder("zstd", 0);
  ASSERT_TRUE(encoder.ok());
  EXPECT_EQ(load_le32(&file[8]), (*encoder)->preferred_block_size());
}

TEST(ContainerRoundTrip, SameBytesForAnyThreadCount) {
  Bytes input = text_bytes(150000, 5);
  const Bytes noise = random_bytes(30000, 6);
  input.insert(input.begin() + 50000, noise.begin(), noise.end());
  const Bytes one = compress_or_die(input, options("zstd", 8192, 1));
  for (unsigned threads : {2u, 4u}) {
    EXPECT_EQ(compress_or_die(input, options("zstd", 8192, threads)), one) << threads;
    EXPECT_EQ(decompress_or_die(one, threads), input) << threads;
  }
}

TEST(ContainerRoundTrip, EveryWorkingCodec) {
  int tested = 0;
  for (const CodecInfo& codec : all_codecs()) {
    // statesmix learns a neural model per token (~2 KB/s): a smaller input keeps this quick.
    const Bytes input = text_bytes(codec.id == CodecId::kStateSMix ? 3000 : 20000, 8);
    auto encoder = codec.make_encoder("", 0);
    if (!encoder.ok() && encoder.status().code() == StatusCode::kUnsupported) continue;
    ASSERT_TRUE(encoder.ok()) << codec.name << ": " << encoder.status().to_string();
    const Bytes file = compress_or_die(input, options(std::string(codec.name), 4096));
    EXPECT_EQ(decompress_or_die(file), input) << codec.name;
    EXPECT_EQ(decompress_or_die(file, 2), input) << codec.name;
    ++tested;
  }
  EXPECT_GE(tested, 2);  // store and zstd at least
}

TEST(ContainerRoundTrip, IncompressibleBlocksFallBackToStore) {
  Bytes input = text_bytes(4096, 9);
  const Bytes noise = random_bytes(4096, 10);
  input.insert(input.end(), noise.begin(), noise.end());
  const Bytes file = compress_or_die(input, options("zstd", 4096));
  MemorySource src(file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->blocks.size(), 2u);
  EXPECT_EQ(info->blocks[0].codec, CodecId::kZstd);
  EXPECT_LT(info->blocks[0].stored_size, 4096u);
  EXPECT_EQ(info->blocks[1].codec, CodecId::kStore);
  EXPECT_EQ(info->blocks[1].stored_size, 4096u);
  EXPECT_EQ(info->blocks[1].codec_name, "store");
}

TEST(ContainerRoundTrip, BadOptionsAreInvalidArguments) {
  const Bytes input = text_bytes(100, 1);
  EXPECT_EQ(compress_buffer(input, options("zstd", kMaxBlockSize + 1)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(compress_buffer(input, options("nosuchcodec", 0)).status().code(),
            StatusCode::kInvalidArgument);
  CompressOptions bad_level = options("zstd", 0);
  bad_level.level = 12;
  EXPECT_EQ(compress_buffer(input, bad_level).status().code(), StatusCode::kInvalidArgument);
}

TEST(ContainerRoundTrip, PipeLikeSourcesWork) {
  const Bytes input = text_bytes(40000, 11);
  const CompressOptions opts = options("zstd", 3000, 2);
  testing::ChunkySource pipe(input, 1);
  MemorySink sink;
  Expected<CompressStats> stats = compress_stream(pipe, sink, opts);
  ASSERT_TRUE(stats.ok()) << stats.status().to_string();
  EXPECT_EQ(stats->input_bytes, input.size());
  EXPECT_EQ(stats->output_bytes, sink.bytes().size());
  EXPECT_EQ(stats->blocks, 14u);
  EXPECT_EQ(sink.bytes(), compress_or_die(input, opts));  // same blocks, same bytes

  testing::ChunkySource kmo_pipe(sink.bytes(), 2);
  MemorySink content;
  DecompressOptions d;
  d.threads = 2;
  Expected<CompressStats> back = decompress_stream(kmo_pipe, content, d);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(content.bytes(), input);
  EXPECT_EQ(back->blocks, 14u);
}

TEST(ContainerRoundTrip, ProgressAfterEveryBlock) {
  const Bytes input = text_bytes(10000, 12);
  CompressOptions opts = options("zstd", 3000, 2);
  std::vector<std::uint64_t> done;
  opts.progress = [&](std::uint64_t d, std::uint64_t total) {
    EXPECT_EQ(total, input.size());
    done.push_back(d);
  };
  const Bytes file = compress_or_die(input, opts);
  EXPECT_EQ(done, (std::vector<std::uint64_t>{3000, 6000, 9000, 10000}));

  std::vector<std::uint64_t> read;
  DecompressOptions d;
  d.progress = [&](std::uint64_t r, std::uint64_t total) {
    EXPECT_EQ(total, file.size());
    read.push_back(r);
  };
  ASSERT_TRUE(decompress_buffer(file, d).ok());
  ASSERT_EQ(read.size(), 4u);
  EXPECT_TRUE(std::is_sorted(read.begin(), read.end()));
}

TEST(ContainerRoundTrip, CancelStopsBetweenBlocks) {
  const Bytes input = text_bytes(10000, 13);
  std::atomic<bool> stop{false};
  CompressOptions opts = options("zstd", 1000);
  opts.cancel = &stop;
  opts.progress = [&](std::uint64_t d, std::uint64_t) { stop = d >= 2000; };
  EXPECT_EQ(compress_buffer(input, opts).status().code(), StatusCode::kCancelled);

  const Bytes file = compress_or_die(input, options("zstd", 1000));
  std::atomic<bool> stop_reading{true};
  DecompressOptions d;
  d.cancel = &stop_reading;
  EXPECT_EQ(decompress_buffer(file, d).status().code(), StatusCode::kCancelled);
}

TEST(ContainerRandomAccess, EachBlockAloneEqualsItsSlice) {
  Bytes input = text_bytes(9000, 14);
  const Bytes noise = random_bytes(2500, 15);
  input.insert(input.end(), noise.begin(), noise.end());
  const Bytes file = compress_or_die(input, options("zstd", 2048));
  MemorySource src(file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->format_major, 1);
  EXPECT_EQ(info->format_minor, 0);
  EXPECT_EQ(info->file_size, file.size());
  EXPECT_EQ(info->content_size, input.size());
  EXPECT_EQ(info->content_xxh64, xxh64(input));
  ASSERT_EQ(info->blocks.size(), 6u);
  std::uint64_t expected_offset = kmo::kFileHeaderSize;
  for (std::size_t i = 0; i < info->blocks.size(); ++i) {
    const BlockInfo& b = info->blocks[i];
    EXPECT_EQ(b.file_offset, expected_offset);
    EXPECT_EQ(b.content_offset, i * 2048);
    expected_offset += b.frame_size;
    Expected<Bytes> block = decode_block(src, *info, i, DecompressOptions{});
    ASSERT_TRUE(block.ok()) << block.status().to_string();
    const Bytes slice(
        input.begin() + static_cast<std::ptrdiff_t>(b.content_offset),
        input.begin() + static_cast<std::ptrdiff_t>(b.content_offset + b.original_size));
    EXPECT_EQ(*block, slice) << "block " << i;
  }
  EXPECT_EQ(decode_block(src, *info, 6, DecompressOptions{}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ContainerRandomAccess, StaleListingIsRefused) {
  const Bytes file = compress_or_die(text_bytes(5000, 16), options("zstd", 2048));
  MemorySource src(file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok());
  ArchiveInfo wrong = *info;
  wrong.blocks[1].file_offset += 1;
  EXPECT_FALSE(decode_block(src, wrong, 1, DecompressOptions{}).ok());
  wrong = *info;
  wrong.blocks[0].original_size = 1;
  EXPECT_FALSE(decode_block(src, wrong, 0, DecompressOptions{}).ok());
}

}  // namespace
}  // namespace kolmo
