// log:max's third way: every line whole, coded by cm with the line's template as side information
// (backend kBackendCmSide on the raw stream; docs/log.md "log:max with template side information").
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "codec_test_support.h"
#include "codecs/cm/cm_decode.h"
#include "codecs/cm/cm_encode.h"
#include "codecs/cm/cm_side_contexts.h"
#include "codecs/log/log_codec.h"
#include "codecs/log/log_format.h"
#include "codecs/log/log_side_contexts.h"
#include "kolmo/codec.h"
#include "kolmo/container.h"
#include "log_payload_records.h"
#include "log_test_inputs.h"

namespace kolmo {
namespace {

const CodecInfo& log_codec() {
  static const CodecInfo info = log_codec_info();
  return info;
}

EncodedBlock encode(ByteSpan input, const std::string& options) {
  return codec_test::encode_with(log_codec(), input, 0, options);
}

Status decode(const EncodedBlock& block, Bytes& out, DecodeLimits limits = {}) {
  return log_codec().decode(block.params, block.payload, out, limits);
}

// Lines of a few templates with a header, plus the adversarial cases, through the side way alone.
TEST(LogSideLines, GeneratedAndAdversarialLogsRoundTrip) {
  std::vector<std::pair<std::string, Bytes>> cases = testing::adversarial_logs();
  cases.emplace_back("structured", testing::to_bytes(testing::structured_log(1500, 61)));
  cases.emplace_back("structured CRLF", testing::to_bytes(testing::structured_log(300, 62, "\r\n")));
  for (const auto& [name, input] : cases) {
    for (const std::string mode : {"max,cm=1,side", "max,cm=5,side"}) {
      if (mode == "max,cm=5,side" && input.size() > (64u << 10)) continue;  // time
      const EncodedBlock block = encode(input, mode);
      const std::vector<std::uint8_t> b = testing::stream_backends(block.payload);
      if (!input.empty()) {
        ASSERT_EQ(b.size(), std::size_t{logc::kStreamCount}) << name;
        EXPECT_EQ(b[logc::kRawStream], logc::kBackendCmSide) << name;
      }
      Bytes out(input.size(), 0xAA);
      const Status s = decode(block, out);
      ASSERT_TRUE(s.ok()) << name << " [" << mode << "]: " << s.to_string();
      EXPECT_EQ(out, input) << name << " [" << mode << "]";
    }
  }
}

// Templates known to the model help: on a templated log the side way is smaller than the same
// lines coded whole by the same cm level without side information.
TEST(LogSideLines, TemplatesAsSideInformationBeatPlainWholeLines) {
  const Bytes input = testing::to_bytes(testing::structured_log(3000, 63));
  const EncodedBlock side = encode(input, "max,cm=1,side");
  auto cm = make_encoder("cm:1", 0);
  ASSERT_TRUE(cm.ok());
  EncodedBlock plain;
  ASSERT_TRUE((*cm)->encode_block(input, plain).ok());
  std::cout << "structured log " << input.size() << " B: cm:1 " << plain.payload.size()
            << " B, log side way at cm level 1 " << side.payload.size() << " B\n";
  EXPECT_LT(side.payload.size(), plain.payload.size());
  const EncodedBlock best = encode(input, "max,cm=1");
  const EncodedBlock noside = encode(input, "max,cm=1,noside");
  EXPECT_LE(best.payload.size(), noside.payload.size());
  EXPECT_LE(best.payload.size(), side.payload.size());
  for (const EncodedBlock* block : {&side, &best, &noside}) {
    Bytes out(input.size());
    ASSERT_TRUE(decode(*block, out).ok());
    EXPECT_EQ(out, input);
  }
}

TEST(LogSideLines, ContainerOutputIsTheSameForOneAndTwoThreads) {
  std::string text = testing::structured_log(3000, 64);
  text += "junk \x01\x02\xff\r\n" + std::string(5000, 'x') + "\nno template here at all\n";
  text += testing::structured_log(500, 65);
  const Bytes input = testing::to_bytes(text);
  CompressOptions opts;
  opts.codec_spec = "log:max,cm=1,side";
  opts.block_size = 64 << 10;  // several blocks, with the file's dictionary
  codec_test::expect_same_file_for_one_and_two_threads(input, opts);
}

TEST(LogSideLines, DamagedPayloadsFailCleanly) {
  const Bytes input = testing::to_bytes(testing::structured_log(300, 66));
  const EncodedBlock good = encode(input, "max,cm=1,side");
  for (std::size_t cut = 0; cut < good.payload.size(); cut += 1 + good.payload.size() / 61) {
    EncodedBlock bad = good;
    bad.payload.resize(cut);
    Bytes out(input.size());
    EXPECT_FALSE(decode(bad, out).ok()) << "cut at " << cut;
  }
  // Flipped bytes (ids, templates, the cm payload) may decode to other bytes, which the
  // container's checksum catches, but never crash or read or write out of bounds.
  std::mt19937 rng(67);
  for (int i = 0; i < 150; ++i) {
    EncodedBlock bad = good;
    bad.payload[rng() % bad.payload.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    Bytes out(input.size());
    (void)decode(bad, out);
  }
  Bytes out(input.size());
  EXPECT_EQ(decode(good, out, DecodeLimits{100000}).code(), StatusCode::kLimitExceeded);
}

// The side backend is valid on the raw stream only: on any other stream an (older or current)
// decoder refuses it as an unknown backend.
TEST(LogSideLines, SideBackendOnAnotherStreamIsRefused) {
  const Bytes input = testing::to_bytes(testing::structured_log(100, 68));
  EncodedBlock block = encode(input, "max,cm=1,side");
  ByteReader in(block.payload);
  (void)in.varint_at_most(UINT64_MAX, "lines");
  (void)in.u8();
  const std::size_t meta_backend = in.position();
  ASSERT_NE(block.payload[meta_backend], logc::kBackendCmSide);
  block.payload[meta_backend] = logc::kBackendCmSide;
  Bytes out(input.size());
  const Status s = decode(block, out);
  EXPECT_EQ(s.code(), StatusCode::kCorruptData);
  EXPECT_NE(s.to_string().find("unknown stream backend"), std::string::npos) << s.to_string();
}

// The model uses the provider's contexts: a stream decoded with other side information (other
// line ids) does not come back, and plain cm cannot decode it either.
TEST(LogSideLines, DecodingNeedsTheSameSideInformation) {
  const std::string text = testing::structured_log(400, 69);
  const Bytes input = testing::to_bytes(text);
  const std::vector<std::string_view> literals = {""};
  const std::vector<std::uint8_t> wild = {0, 0, 0, 0};
  std::vector<std::uint32_t> ids(400, logc::kIdRawLine);
  for (std::size_t i = 0; i < ids.size(); i += 3) ids[i] = logc::kFirstTemplateId;
  auto provider = [&](const std::vector<std::uint32_t>& line_ids, const std::uint8_t* history) {
    return logc::LineSideContexts(literals, {logc::SideTemplate{wild}}, line_ids, history);
  };
  EncodedBlock coded;
  auto enc_side = provider(ids, input.data());
  ASSERT_TRUE(encode_cm_side_block(3, input, enc_side, coded).ok());
  Bytes out(input.size());
  auto same = provider(ids, out.data());
  ASSERT_TRUE(decode_cm_side_block(coded.params, coded.payload, out, {}, same).ok());
  EXPECT_EQ(out, input);
  std::vector<std::uint32_t> other(ids.size(), logc::kIdRawContent);
  Bytes wrong(input.size());
  auto different = provider(other, wrong.data());
  const Status s = decode_cm_side_block(coded.params, coded.payload, wrong, {}, different);
  EXPECT_TRUE(!s.ok() || wrong != input);
  // Level 9 already models kMaxLevelContexts contexts: no room.
  EXPECT_FALSE(cm::side_contexts_fit(9, 3));
  EXPECT_TRUE(cm::side_contexts_fit(5, 3));
  auto nine = provider(ids, input.data());
  EXPECT_EQ(encode_cm_side_block(9, input, nine, coded).code(), StatusCode::kInvalidArgument);
}

TEST(LogSideLines, OptionsAndSpecs) {
  for (const std::string spec : {"log:max,side", "log:max,noside", "log:max,cm=1,side"}) {
    auto enc = make_encoder(spec, 0);
    ASSERT_TRUE(enc.ok()) << spec;
    EXPECT_EQ((*enc)->spec(), spec);
  }
}

}  // namespace
}  // namespace kolmo
