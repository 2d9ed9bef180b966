// The log codec's shared dictionary (docs/log.md, "Dictionary frame"): files cut into small
// blocks get one dictionary frame mined from their start; every block names it, decodes with it
// and nothing else, and is refused clearly without it or with another one.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "codec_test_support.h"
#include "codecs/log/log_codec.h"
#include "codecs/log/log_dictionary.h"
#include "codecs/log/log_grep.h"
#include "container/format.h"
#include "kolmo/codec.h"
#include "kolmo/container.h"
#include "kolmo/hash.h"
#include "log_test_inputs.h"

namespace kolmo {
namespace {

const CodecInfo& log_codec() {
  static const CodecInfo info = log_codec_info();
  return info;
}

std::unique_ptr<BlockEncoder> log_encoder(std::string_view options) {
  auto enc = log_codec().make_encoder(options, 0);
  EXPECT_TRUE(enc.ok()) << enc.status().to_string();
  return enc.ok() ? std::move(*enc) : nullptr;
}

Bytes dictionary_from(const BlockEncoder& enc, ByteSpan sample) {
  Expected<Bytes> d = enc.build_dictionary(sample);
  EXPECT_TRUE(d.ok()) << d.status().to_string();
  return d.ok() ? std::move(*d) : Bytes{};
}

CompressOptions small_blocks(std::string spec, unsigned threads) {
  CompressOptions o;
  o.codec_spec = std::move(spec);
  o.block_size = 16 << 10;
  o.threads = threads;
  return o;
}

// ~330 KB of log in 16 KiB blocks: the first 256 KiB are the dictionary's sample (blocks that
// copy it, version 3), the rest are coded after the dictionary (version 2).
const Bytes& many_block_log() {
  static const Bytes input = testing::to_bytes(testing::structured_log(3500, 7));
  return input;
}

// How many blocks of `file` have each log params version (index = version).
std::vector<std::size_t> params_versions(const Bytes& file) {
  std::vector<std::size_t> count(4, 0);
  MemorySource src(file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  EXPECT_TRUE(info.ok());
  if (!info.ok()) return count;
  for (const BlockInfo& b : info->blocks) {
    const auto at = file.begin() + static_cast<std::ptrdiff_t>(b.file_offset);
    Expected<kmo::BlockHeader> h = kmo::parse_block_header(Bytes(at, at + kmo::kMaxBlockHeaderSize));
    if (h.ok() && h->codec_id == static_cast<std::uint16_t>(CodecId::kLog) && !h->params.empty() &&
        h->params[0] < count.size()) {
      ++count[h->params[0]];
    }
  }
  return count;
}

TEST(LogDictionary, SmallBlocksWriteOneDictionaryFrameAndThreadCountsAgree) {
  for (const std::string spec : {"log:fast", "log"}) {
    const Bytes& input = many_block_log();
    Expected<Bytes> one = compress_buffer(input, small_blocks(spec, 1));
    Expected<Bytes> two = compress_buffer(input, small_blocks(spec, 2));
    ASSERT_TRUE(one.ok()) << one.status().to_string();
    ASSERT_TRUE(two.ok()) << two.status().to_string();
    EXPECT_EQ(*one, *two) << spec << ": -T1 and -T2 differ";
    EXPECT_EQ((*one)[5], kmo::kDictionaryFormatMinor) << spec;
    EXPECT_EQ((*one)[kmo::kFileHeaderSize], kmo::kDictionaryFrame) << spec;
    const std::vector<std::size_t> versions = params_versions(*one);
    EXPECT_EQ(versions[1], 0u) << spec;
    EXPECT_EQ(versions[3], (256u << 10) / (16u << 10)) << spec << ": the sample's blocks copy it";
    EXPECT_GT(versions[2], 0u) << spec << ": the other blocks are coded after the dictionary";
    for (const unsigned threads : {1u, 3u}) {
      DecompressOptions d;
      d.threads = threads;
      Expected<Bytes> back = decompress_buffer(*one, d);
      ASSERT_TRUE(back.ok()) << spec << ": " << back.status().to_string();
      EXPECT_EQ(*back, input) << spec;
    }
  }
}

TEST(LogDictionary, EveryBlockDecodesAloneWithTheFileDictionary) {
  const Bytes& input = many_block_log();
  Expected<Bytes> file = compress_buffer(input, small_blocks("log:fast", 2));
  ASSERT_TRUE(file.ok());
  MemorySource src(*file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->dictionary_codec, CodecId::kLog);
  EXPECT_EQ(info->dictionary_offset, kmo::kFileHeaderSize);
  EXPECT_GT(info->dictionary_size, 0u);
  ASSERT_GT(info->blocks.size(), 10u);
  // Last block first: no block depends on another having been decoded.
  for (std::size_t k = info->blocks.size(); k-- > 0;) {
    const BlockInfo& b = info->blocks[k];
    Expected<Bytes> got = decode_block(src, *info, k, DecompressOptions{});
    ASSERT_TRUE(got.ok()) << "block " << k << ": " << got.status().to_string();
    const auto from = input.begin() + static_cast<std::ptrdiff_t>(b.content_offset);
    EXPECT_TRUE(std::equal(got->begin(), got->end(), from)) << "block " << k;
  }
}

TEST(LogDictionary, InputsOfOneBlockGetNoDictionary) {
  const Bytes input = testing::to_bytes(testing::structured_log(200, 9));
  CompressOptions o = small_blocks("log", 1);
  o.block_size = input.size();
  Expected<Bytes> file = compress_buffer(input, o);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)[5], 0) << "a one-block file is written as format 1.0";
  EXPECT_EQ((*file)[kmo::kFileHeaderSize], kmo::kBlockFrame);
  // Large blocks (the default 8 MiB) never get one either.
  EXPECT_EQ(log_encoder("")->dictionary_sample_size(std::uint64_t{8} << 20), 0u);
  EXPECT_EQ(log_encoder("logzip")->dictionary_sample_size(8 << 10), 0u);
}

// Files without a dictionary frame (as every file before format 1.2): version-1 blocks, read
// sequentially and block by block.
TEST(LogDictionary, FilesWithoutAFrameStillRead) {
  const Bytes input = testing::to_bytes(testing::structured_log(400, 21));
  Expected<Bytes> file = compress_buffer(input, small_blocks("log:fast,nodict", 2));
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ((*file)[5], 0);
  EXPECT_EQ((*file)[kmo::kFileHeaderSize], kmo::kBlockFrame);
  const std::vector<std::size_t> versions = params_versions(*file);
  EXPECT_GT(versions[1], 1u);
  EXPECT_EQ(versions[2] + versions[3], 0u);
  Expected<Bytes> back = decompress_buffer(*file, DecompressOptions{});
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, input);
  MemorySource src(*file);
  Expected<ArchiveInfo> info = read_archive_info(src);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->dictionary_size, 0u);
  Expected<Bytes> last = decode_block(src, *info, info->blocks.size() - 1, DecompressOptions{});
  ASSERT_TRUE(last.ok()) << last.status().to_string();
  EXPECT_TRUE(std::equal(last->begin(), last->end(),
                         input.begin() + static_cast<std::ptrdiff_t>(info->blocks.back().content_offset)));
}

// Codec level: a version-2 block with the right, a missing, another, and a damaged dictionary.
struct DictionaryBlock {
  Bytes input;
  Bytes dictionary;
  EncodedBlock block;
};

DictionaryBlock dictionary_block(std::string_view options) {
  DictionaryBlock d;
  const Bytes log = testing::to_bytes(testing::structured_log(600, 11));
  const auto enc = log_encoder(options);
  d.dictionary = dictionary_from(*enc, ByteSpan(log).first(log.size() / 2));
  d.input.assign(log.begin() + static_cast<std::ptrdiff_t>(log.size() / 2), log.end());
  const Status s = enc->encode_block_with_dictionary(d.input, d.dictionary, d.block, 1);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return d;
}

Status decode_with(const DictionaryBlock& d, ByteSpan dictionary, Bytes& out) {
  DecodeLimits limits;
  limits.dictionary = dictionary;
  out.assign(d.input.size(), 0);
  return log_codec().decode(d.block.params, d.block.payload, out, limits);
}

TEST(LogDictionary, BlockNamesItsDictionaryAndDecodesWithIt) {
  for (const std::string options : {"fast", "", "max,cm=1"}) {
    const DictionaryBlock d = dictionary_block(options);
    ASSERT_EQ(d.block.params.size(), logc::kDictionaryParamsSize) << options;
    EXPECT_EQ(d.block.params[0], logc::kDictionaryPayloadVersion);
    EXPECT_EQ(load_le64(&d.block.params[1]), xxh64(d.dictionary));
    Bytes out;
    const Status s = decode_with(d, d.dictionary, out);
    ASSERT_TRUE(s.ok()) << options << ": " << s.to_string();
    EXPECT_EQ(out, d.input) << options;
  }
}

TEST(LogDictionary, BlockInsideTheSampleIsStoredAsItsOffset) {
  const Bytes log = testing::to_bytes(testing::structured_log(300, 13));
  const auto enc = log_encoder("fast");
  const Bytes dictionary = dictionary_from(*enc, log);
  const Bytes piece(log.begin() + 1000, log.begin() + 5000);
  EncodedBlock block;
  ASSERT_TRUE(enc->encode_block_with_dictionary(piece, dictionary, block, 1).ok());
  ASSERT_GE(block.params.size(), logc::kDictionaryParamsSize + 1);
  EXPECT_EQ(block.params[0], logc::kSampleCopyVersion);
  EXPECT_TRUE(block.payload.empty());
  DecodeLimits limits;
  limits.dictionary = dictionary;
  Bytes out(piece.size());
  ASSERT_TRUE(log_codec().decode(block.params, block.payload, out, limits).ok());
  EXPECT_EQ(out, piece);
  // Past the sample's end, or with a payload: corrupt.
  Bytes too_long(log.size() - 1000 + 1);
  EXPECT_EQ(log_codec().decode(block.params, block.payload, too_long, limits).code(),
            StatusCode::kCorruptData);
  const Bytes payload = {0};
  EXPECT_EQ(log_codec().decode(block.params, payload, out, limits).code(), StatusCode::kCorruptData);
  EXPECT_EQ(log_codec().decode(block.params, block.payload, out, DecodeLimits{}).code(),
            StatusCode::kCorruptData);
  for (const Bytes& params :
       {Bytes{logc::kSampleCopyVersion}, Bytes(block.params.begin(), block.params.begin() + 9)}) {
    EXPECT_EQ(log_codec().decode(params, block.payload, out, limits).code(), StatusCode::kCorruptData);
  }
  // grep reads it too: every line holding the pattern, plus the first and last.
  std::size_t matched = 0;
  Expected<logc::GrepStats> stats = logc::grep_log_block(
      block.params, block.payload, piece.size(), "Accepted", limits,
      [&](const logc::GrepLine& line) { matched += line.text.find("Accepted") != std::string_view::npos; });
  ASSERT_TRUE(stats.ok()) << stats.status().to_string();
  const std::string text(piece.begin(), piece.end());
  std::size_t expected = 0;
  for (std::size_t at = text.find("Accepted"); at != std::string::npos; at = text.find("Accepted", at + 1)) {
    ++expected;
  }
  EXPECT_EQ(matched, expected);
}

TEST(LogDictionary, DictionaryMakesTheBlockSmaller) {
  const DictionaryBlock d = dictionary_block("");
  const EncodedBlock alone = codec_test::encode_with(log_codec(), d.input, 0, "");
  EXPECT_LT(d.block.payload.size(), alone.payload.size());
}

TEST(LogDictionary, MissingOrOtherDictionaryIsCorruptData) {
  const DictionaryBlock d = dictionary_block("fast");
  Bytes out;
  const Status missing = decode_with(d, {}, out);
  EXPECT_EQ(missing.code(), StatusCode::kCorruptData) << missing.to_string();
  EXPECT_NE(missing.message().find("no dictionary frame"), std::string::npos) << missing.to_string();

  const Bytes other_log = testing::to_bytes(testing::structured_log(300, 12));
  const Bytes other = dictionary_from(*log_encoder("fast"), other_log);
  const Status wrong = decode_with(d, other, out);
  EXPECT_EQ(wrong.code(), StatusCode::kCorruptData) << wrong.to_string();

  Bytes damaged = d.dictionary;
  damaged[damaged.size() / 2] ^= 0x10;
  EXPECT_EQ(decode_with(d, damaged, out).code(), StatusCode::kCorruptData);
}

TEST(LogDictionary, UnknownDictionaryVersionIsUnsupported) {
  DictionaryBlock d = dictionary_block("fast");
  d.dictionary[0] = 9;
  store_le64(&d.block.params[1], xxh64(d.dictionary));  // the block names the changed body
  Bytes out;
  EXPECT_EQ(decode_with(d, d.dictionary, out).code(), StatusCode::kUnsupported);
}

TEST(LogDictionary, MalformedDictionaryBodiesAreRefusedWithoutCrashing) {
  DictionaryBlock d = dictionary_block("fast");
  for (std::size_t cut = 0; cut < d.dictionary.size(); cut += 1 + cut / 4) {
    const Bytes body(d.dictionary.begin(), d.dictionary.begin() + static_cast<std::ptrdiff_t>(cut));
    store_le64(&d.block.params[1], xxh64(body));
    Bytes out;
    const Status s = decode_with(d, body, out);
    EXPECT_FALSE(s.ok()) << "dictionary cut to " << cut;
  }
}

TEST(LogDictionary, DictionaryCountsAgainstTheMemoryLimit) {
  const DictionaryBlock d = dictionary_block("fast");
  DecodeLimits limits;
  limits.dictionary = d.dictionary;
  limits.memory_bytes = d.input.size() + 64;
  Bytes out(d.input.size());
  EXPECT_EQ(log_codec().decode(d.block.params, d.block.payload, out, limits).code(),
            StatusCode::kLimitExceeded);
}

TEST(LogDictionary, GrepFindsTheLinesOfADictionaryBlock) {
  const DictionaryBlock d = dictionary_block("");
  DecodeLimits limits;
  limits.dictionary = d.dictionary;
  const std::string text(d.input.begin(), d.input.end());
  for (const std::string pattern : {"Accepted password", "ERROR", "no such text"}) {
    std::string found;
    Expected<logc::GrepStats> stats = logc::grep_log_block(
        d.block.params, d.block.payload, d.input.size(), pattern, limits,
        [&](const logc::GrepLine& line) {
          if (line.text.find(pattern) != std::string_view::npos) found.append(line.text) += '\n';
        });
    ASSERT_TRUE(stats.ok()) << stats.status().to_string();
    std::string expected;
    for (std::size_t pos = 0; pos < text.size();) {
      const std::size_t end = text.find('\n', pos);
      const std::string line = text.substr(pos, end - pos);
      if (line.find(pattern) != std::string::npos) expected += line + '\n';
      pos = end == std::string::npos ? text.size() : end + 1;
    }
    EXPECT_EQ(found, expected) << pattern;
  }
  EXPECT_FALSE(logc::grep_log_block(d.block.params, d.block.payload, d.input.size(), "x",
                                    DecodeLimits{}, [](const logc::GrepLine&) {})
                   .ok());
}

}  // namespace
}  // namespace kolmo
