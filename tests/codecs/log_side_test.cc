// log:max's third way: every line whole, coded by cm with the line's template as side information
// (backend kBackendCmSide on the raw stream; docs/log.md "log:max with template side information"),
// and its fourth, the hybrid: header fields as columns, every content by cm with the same side
// information and, since round 7, each line's header key (backend kBackendCmSideHeader; round 6's
// kBackendCmSideContent still decodes and is written by "hybrid6"; docs/log.md "log:max: the
// hybrid way" and "log:max: header side information").
#include <gtest/gtest.h>

#include <initializer_list>

#include <optional>
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

// Each block decodes back to input.
void expect_each_decodes_to(std::initializer_list<const EncodedBlock*> blocks, const Bytes& input) {
  for (const EncodedBlock* block : blocks) {
    Bytes out(input.size());
    ASSERT_TRUE(decode(*block, out).ok());
    EXPECT_EQ(out, input);
  }
}

// Lines of a few templates with a header, plus the adversarial cases, through one way alone
// ("side" or "hybrid"), whose backend the raw stream must have.
void expect_round_trips_through(const std::string& way, std::uint8_t raw_backend) {
  std::vector<std::pair<std::string, Bytes>> cases = testing::adversarial_logs();
  cases.emplace_back("structured", testing::to_bytes(testing::structured_log(1500, 61)));
  cases.emplace_back("structured CRLF", testing::to_bytes(testing::structured_log(300, 62, "\r\n")));
  for (const auto& [name, input] : cases) {
    for (const std::string& mode : {"max,cm=1," + way, "max,cm=5," + way}) {
      if (mode == "max,cm=5," + way && input.size() > (64u << 10)) continue;  // time
      const EncodedBlock block = encode(input, mode);
      const std::vector<std::uint8_t> b = testing::stream_backends(block.payload);
      if (!input.empty()) {
        ASSERT_EQ(b.size(), std::size_t{logc::kStreamCount}) << name;
        EXPECT_EQ(b[logc::kRawStream], raw_backend) << name;
      }
      Bytes out(input.size(), 0xAA);
      const Status s = decode(block, out);
      ASSERT_TRUE(s.ok()) << name << " [" << mode << "]: " << s.to_string();
      EXPECT_EQ(out, input) << name << " [" << mode << "]";
    }
  }
}

TEST(LogSideLines, GeneratedAndAdversarialLogsRoundTrip) {
  expect_round_trips_through("side", logc::kBackendCmSide);
}

TEST(LogHybridLines, GeneratedAndAdversarialLogsRoundTrip) {
  expect_round_trips_through("hybrid", logc::kBackendCmSideHeader);
}

// Round 6's hybrid (backend 6, no header keys) still decodes.
TEST(LogHybridLines, Round6HybridBlocksStillRoundTrip) {
  expect_round_trips_through("hybrid6", logc::kBackendCmSideContent);
}

// A log whose parameter (the host) depends on the header's component, which the template does
// not say: the header key gives cm the component, so the hybrid with header keys is smaller
// than round 6's hybrid without them.
std::string component_log(int lines, unsigned seed) {
  std::mt19937 rng(seed);
  static const char* const kComponents[] = {"auth", "cache", "db", "dns", "mail", "proxy", "queue", "web"};
  std::string text;
  for (int i = 0; i < lines; ++i) {
    const unsigned c = rng() % 8;
    const unsigned host = c * 37 + 1000;
    text += "2026-11-28 01:" + std::to_string(10 + i / 600 % 50) + ":" + std::to_string(10 + i % 50) + " " +
            kComponents[c] + ": request from host-" + std::to_string(host) + ".example.net took " +
            std::to_string(rng() % 900) + " ms\n";
  }
  return text;
}

TEST(LogHybridLines, HeaderKeysPredictWhatTheHeaderDetermines) {
  const Bytes input = testing::to_bytes(component_log(2000, 72));
  // The format makes the component a header field (the detector may keep it in the content).
  const std::string format = ",format=<Date> <Time> <Component>: <Content>";
  const EncodedBlock with_keys = encode(input, "max,cm=1,hybrid" + format);
  const EncodedBlock without = encode(input, "max,cm=1,hybrid6" + format);
  ASSERT_EQ(testing::stream_backends(with_keys.payload)[logc::kRawStream], logc::kBackendCmSideHeader);
  ASSERT_EQ(testing::stream_backends(without.payload)[logc::kRawStream], logc::kBackendCmSideContent);
  std::cout << "component log " << input.size() << " B: hybrid without header keys " << without.payload.size()
            << " B, with " << with_keys.payload.size() << " B\n";
  EXPECT_LT(with_keys.payload.size(), without.payload.size());
  expect_each_decodes_to({&with_keys, &without}, input);
}

// The key of a line hashes its categorical header fields only: equal for lines of the same
// component and level whatever their times, different across components, 0 for raw lines.
TEST(LogHybridLines, HeaderKeysHashTheCategoricalFields) {
  const std::vector<std::uint32_t> ids = {logc::kFirstTemplateId, logc::kIdRawLine, logc::kIdRawContent,
                                          logc::kFirstTemplateId, logc::kFirstTemplateId + 1};
  std::vector<std::vector<std::string_view>> columns(2);
  std::vector<std::string> times;
  for (int i = 0; i < 4; ++i) times.push_back("12:00:0" + std::to_string(i));
  for (std::size_t j = 0; j < 4; ++j) columns[0].push_back(times[j]);
  // 4 header lines: at most max(1, 4 / 8) = 1 distinct value makes a field categorical.
  columns[1] = {"db", "web", "db", "db"};
  std::vector<std::uint64_t> keys = logc::header_line_keys(ids, columns);
  ASSERT_EQ(keys.size(), ids.size());
  EXPECT_EQ(keys[1], 0u);
  // Both fields have more distinct values than that: neither is used, every key is the same.
  EXPECT_EQ(keys[0], keys[2]);
  EXPECT_EQ(keys[0], keys[4]);
  EXPECT_NE(keys[0], 0u);

  std::vector<std::uint32_t> many(64, logc::kFirstTemplateId);
  many[5] = logc::kIdRawLine;
  std::vector<std::string> stamps;
  for (int i = 0; i < 63; ++i) stamps.push_back(std::to_string(100000 + i));
  std::vector<std::vector<std::string_view>> cols(2);
  for (int i = 0; i < 63; ++i) {
    cols[0].push_back(stamps[static_cast<std::size_t>(i)]);
    cols[1].push_back(i % 3 == 0 ? "db" : i % 3 == 1 ? "web" : "dns");
  }
  keys = logc::header_line_keys(many, cols);  // limit 63 / 8 = 7: the component only
  EXPECT_EQ(keys[5], 0u);
  // Header line j is line j (j < 5) or j + 1, with component j % 3 (0 db, 1 web, 2 dns).
  EXPECT_EQ(keys[0], keys[3]);
  EXPECT_NE(keys[0], keys[1]);
  EXPECT_NE(keys[1], keys[2]);
  EXPECT_NE(keys[0], keys[2]);
  EXPECT_EQ(keys[6], keys[2]);  // header line 5: "dns"
  EXPECT_EQ(keys[7], keys[0]);  // header line 6: "db"
}

// The hybrid keeps the header as columns (its header streams hold the values, its raw stream
// only the contents, so it is smaller than the side way's), and log:max keeps the smallest of
// its four ways.
TEST(LogHybridLines, HeaderFieldsAreColumnsAndLogMaxKeepsTheSmallest) {
  const Bytes input = testing::to_bytes(testing::structured_log(2000, 70));
  const EncodedBlock hybrid = encode(input, "max,cm=1,hybrid");
  const EncodedBlock side = encode(input, "max,cm=1,side");
  const std::vector<std::uint64_t> hybrid_raw = testing::stream_raw_sizes(hybrid.payload);
  const std::vector<std::uint64_t> side_raw = testing::stream_raw_sizes(side.payload);
  ASSERT_EQ(hybrid_raw.size(), std::size_t{logc::kStreamCount});
  ASSERT_EQ(side_raw.size(), std::size_t{logc::kStreamCount});
  EXPECT_GT(hybrid_raw[logc::kHeaderTextStream] + hybrid_raw[logc::kHeaderNumberStream] +
                hybrid_raw[logc::kHeaderIndexStream], 0u);
  EXPECT_LT(hybrid_raw[logc::kRawStream], side_raw[logc::kRawStream]);
  for (const logc::Stream k : {logc::kTextStream, logc::kNumberStream, logc::kIndexStream}) {
    EXPECT_EQ(hybrid_raw[k], 0u) << int{k};
  }
  const EncodedBlock best = encode(input, "max,cm=1");
  const EncodedBlock noside = encode(input, "max,cm=1,noside");
  EXPECT_LE(best.payload.size(), hybrid.payload.size());
  EXPECT_LE(best.payload.size(), side.payload.size());
  EXPECT_LE(best.payload.size(), noside.payload.size());
  expect_each_decodes_to({&hybrid, &best}, input);
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
  expect_each_decodes_to({&side, &best, &noside}, input);
}

TEST(LogSideLines, ContainerOutputIsTheSameForOneAndTwoThreads) {
  std::string text = testing::structured_log(3000, 64);
  text += "junk \x01\x02\xff\r\n" + std::string(5000, 'x') + "\nno template here at all\n";
  text += testing::structured_log(500, 65);
  const Bytes input = testing::to_bytes(text);
  CompressOptions opts;
  opts.block_size = 64 << 10;  // several blocks, with the file's dictionary
  for (const char* spec : {"log:max,cm=1,side", "log:max,cm=1,hybrid", "log:max,cm=1,hybrid6"}) {
    opts.codec_spec = spec;
    codec_test::expect_same_file_for_one_and_two_threads(input, opts);
  }
}

void expect_damaged_payloads_fail_cleanly(const std::string& mode) {
  const Bytes input = testing::to_bytes(testing::structured_log(300, 66));
  const EncodedBlock good = encode(input, mode);
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

TEST(LogSideLines, DamagedPayloadsFailCleanly) { expect_damaged_payloads_fail_cleanly("max,cm=1,side"); }

TEST(LogHybridLines, DamagedPayloadsFailCleanly) {
  expect_damaged_payloads_fail_cleanly("max,cm=1,hybrid");
  expect_damaged_payloads_fail_cleanly("max,cm=1,hybrid6");
}

// The side backend is valid on the raw stream only: on any other stream an (older or current)
// decoder refuses it as an unknown backend.
TEST(LogSideLines, SideBackendOnAnotherStreamIsRefused) {
  const Bytes input = testing::to_bytes(testing::structured_log(100, 68));
  for (const auto& [mode, backend] : {std::pair{"max,cm=1,side", logc::kBackendCmSide},
                                      std::pair{"max,cm=1,hybrid6", logc::kBackendCmSideContent},
                                      std::pair{"max,cm=1,hybrid", logc::kBackendCmSideHeader}}) {
    EncodedBlock block = encode(input, mode);
    ByteReader in(block.payload);
    (void)in.varint_at_most(UINT64_MAX, "lines");
    (void)in.u8();
    const std::size_t meta_backend = in.position();
    ASSERT_NE(block.payload[meta_backend], backend);
    block.payload[meta_backend] = backend;
    Bytes out(input.size());
    const Status s = decode(block, out);
    EXPECT_EQ(s.code(), StatusCode::kCorruptData) << mode;
    EXPECT_NE(s.to_string().find("unknown stream backend"), std::string::npos) << s.to_string();
  }
}

// A hybrid block whose raw stream is relabelled as a side-information block (or the reverse)
// is refused: the hybrid's header columns are not allowed in a side block, and a side block's
// meta ends before the header column descriptions the hybrid needs. The two hybrids have the
// same layout but not the same model: one relabelled as the other does not come back.
TEST(LogHybridLines, SideAndHybridBackendsAreNotInterchangeable) {
  const Bytes input = testing::to_bytes(testing::structured_log(300, 71));
  for (const auto& [mode, other] : {std::pair{"max,cm=1,hybrid", logc::kBackendCmSide},
                                    std::pair{"max,cm=1,hybrid6", logc::kBackendCmSide},
                                    std::pair{"max,cm=1,side", logc::kBackendCmSideContent},
                                    std::pair{"max,cm=1,side", logc::kBackendCmSideHeader}}) {
    EncodedBlock block = encode(input, mode);
    const std::optional<std::size_t> at = testing::stream_record_offset(block.payload, logc::kRawStream);
    ASSERT_TRUE(at.has_value());
    block.payload[*at] = other;
    Bytes out(input.size());
    EXPECT_FALSE(decode(block, out).ok()) << mode;
  }
  for (const auto& [mode, other] : {std::pair{"max,cm=1,hybrid", logc::kBackendCmSideContent},
                                    std::pair{"max,cm=1,hybrid6", logc::kBackendCmSideHeader}}) {
    EncodedBlock block = encode(input, mode);
    const std::optional<std::size_t> at = testing::stream_record_offset(block.payload, logc::kRawStream);
    ASSERT_TRUE(at.has_value());
    block.payload[*at] = other;
    Bytes out(input.size());
    const Status s = decode(block, out);
    EXPECT_TRUE(!s.ok() || out != input) << mode;
  }
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
  for (const std::string spec :
       {"log:max,side", "log:max,noside", "log:max,cm=1,side", "log:max,hybrid", "log:max,cm=1,hybrid",
        "log:max,hybrid6"}) {
    auto enc = make_encoder(spec, 0);
    ASSERT_TRUE(enc.ok()) << spec;
    EXPECT_EQ((*enc)->spec(), spec);
  }
}

}  // namespace
}  // namespace kolmo
