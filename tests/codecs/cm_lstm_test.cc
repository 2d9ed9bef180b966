// The cm codec's LSTM input (option lstm, params flag bit 2): option and params parsing, round
// trips with and without it at levels 1, 5 and 9, the same payload twice and for one and two
// threads, the LSTM's integer frequencies, and the memory limit counting the LSTM.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cm_test_util.h"
#include "codecs/cm/cm_lstm.h"
#include "codecs/cm/cm_model.h"
#include "codecs/cm/cm_params.h"

namespace kolmo {
namespace {

using cm_test::decode;
using cm_test::encode_with_options;
using cm_test::generate_text;
using cm_test::random_bytes;

TEST(CmLstmParams, FlagBitTwoIsParsedAndOldFlagsStayValid) {
  for (int flags = 0; flags < 8; ++flags) {
    cm::Params p = cm::params_for(9, 100000);
    p.text_transform = (flags & 1) != 0;
    p.ssm = (flags & 2) != 0;
    p.lstm = (flags & 4) != 0;
    const Bytes b = cm::serialize_params(p);
    ASSERT_EQ(b.size(), 5u);
    EXPECT_EQ(b[4], flags);
    auto back = cm::parse_params(b);
    ASSERT_TRUE(back.ok()) << flags;
    EXPECT_EQ(back->text_transform, p.text_transform);
    EXPECT_EQ(back->ssm, p.ssm);
    EXPECT_EQ(back->lstm, p.lstm);
  }
  Bytes bad = cm::serialize_params(cm::params_for(5, 1000));
  for (const std::uint8_t flags : {8, 12, 16, 0x80, 0xff}) {
    bad[4] = flags;
    EXPECT_EQ(cm::parse_params(bad).status().code(), StatusCode::kCorruptData) << int{flags};
  }
}

TEST(CmLstmOptions, ParsesLstmItemsBesideTheLevel) {
  const CodecInfo& cm = cm_test::cm();
  for (const char* bad : {"9,lstm,", "lstm,lstm", "lstm=2", "9,lstm=1,lstm=0", "lstm,10"}) {
    EXPECT_FALSE(cm.make_encoder(bad, 0).ok()) << bad;
  }
  for (const char* good : {"9,lstm", "lstm,9", "level=9,lstm=1", "lstm"}) {
    auto enc = cm.make_encoder(good, 0);
    ASSERT_TRUE(enc.ok()) << good << ": " << enc.status().to_string();
    EXPECT_NE((*enc)->spec().find(",lstm"), std::string::npos) << good;
    EXPECT_LE((*enc)->working_memory(), std::uint64_t{2} << 30) << good;
  }
  auto off = cm.make_encoder("level=7,lstm=0", 0);
  ASSERT_TRUE(off.ok()) << off.status().to_string();
  EXPECT_EQ((*off)->spec(), "cm:7");
}

std::vector<Bytes> small_inputs() {
  Bytes mixed = generate_text(3000, 4);
  const Bytes noise = random_bytes(600, 8);
  mixed.insert(mixed.end(), noise.begin(), noise.end());
  return {{}, {0x41}, Bytes(500, 0), random_bytes(1500, 3), generate_text(6000, 1), mixed};
}

TEST(CmLstmCodec, RoundTripsWithAndWithoutTheLstmAtLevels1To9) {
  const std::vector<Bytes> inputs = small_inputs();
  for (const char* options : {"1", "5", "9", "1,lstm", "5,lstm", "9,lstm"}) {
    const bool lstm = std::string(options).find("lstm") != std::string::npos;
    for (const Bytes& in : inputs) {
      const EncodedBlock block = encode_with_options(in, options);
      ASSERT_EQ(block.params.size(), 5u);
      EXPECT_EQ(block.params[4] & 4, lstm ? 4 : 0) << options;
      Bytes out(in.size(), 0xAA);
      const Status s = decode(block, out);
      ASSERT_TRUE(s.ok()) << options << " size " << in.size() << ": " << s.to_string();
      EXPECT_EQ(out, in) << options << " size " << in.size();
    }
  }
}

TEST(CmLstmCodec, TheLstmChangesThePayload) {
  const Bytes text = generate_text(8000, 5);
  EXPECT_NE(encode_with_options(text, "5").payload, encode_with_options(text, "5,lstm").payload);
}

TEST(CmLstmCodec, PayloadIsTheSameTwiceAndForOneAndTwoThreads) {
  const Bytes text = generate_text(12000, 6);
  EXPECT_EQ(encode_with_options(text, "9,lstm").payload,
            encode_with_options(text, "9,lstm").payload);
  cm_test::expect_same_block_for_one_and_two_threads(text, "9,lstm");
}

TEST(CmLstmInput, FrequenciesSumToTheTotalAndEveryByteGetsOne) {
  auto lstm = cm::LstmInput::create();
  ASSERT_NE(lstm, nullptr);
  const Bytes text = generate_text(3 * cm::LstmInput::kMaxHorizon + 7, 9);
  for (std::size_t n = 0; n <= text.size(); ++n) {
    std::uint64_t sum = 0;
    std::uint32_t smallest = cm::LstmInput::kTotal;
    for (int b = 0; b < 256; ++b) {
      sum += lstm->frequencies()[b];
      smallest = std::min(smallest, lstm->frequencies()[b]);
    }
    ASSERT_EQ(sum, cm::LstmInput::kTotal) << "after " << n << " bytes";
    ASSERT_GE(smallest, 1u) << "after " << n << " bytes";
    // Every node of the byte's bit tree gives inputs in the stretch range.
    for (std::uint32_t c0 = 1, bit = 0; bit < 8; ++bit) {
      int in[cm::LstmInput::kInputs];
      lstm->predict(c0, static_cast<int>(bit), in);
      for (const int x : in) {
        EXPECT_LE(x, 2047);
        EXPECT_GE(x, -2047);
      }
      c0 = (c0 << 1) | (n < text.size() ? (text[n] >> (7 - bit)) & 1 : 0);
    }
    if (n < text.size()) lstm->end_byte(text[n]);
  }
}

TEST(CmLstmInput, LearnsARepeatedPattern) {
  auto lstm = cm::LstmInput::create();
  ASSERT_NE(lstm, nullptr);
  auto freq = [&lstm](char c) { return lstm->frequencies()[static_cast<std::uint8_t>(c)]; };
  const std::string pattern = "abcabd";
  const std::uint32_t untrained = freq('c') + freq('d');
  for (int i = 0; i < 2000; ++i) lstm->end_byte(static_cast<std::uint8_t>(pattern[i % 6]));
  // After "...ab" (2000 = 333 * 6 + 2) comes 'c' or 'd': most of the mass is on those two.
  EXPECT_GT(freq('c') + freq('d'), cm::LstmInput::kTotal / 10 * 9) << "untrained: " << untrained;
  lstm->end_byte('c');
  EXPECT_GT(freq('a'), cm::LstmInput::kTotal / 10 * 9);
}

TEST(CmLstmCodec, MemoryLimitCountsTheLstm) {
  const Bytes text = random_bytes(4000, 2);  // not text: no transform buffer beside the model
  const EncodedBlock with = encode_with_options(text, "1,lstm");
  auto p = cm::parse_params(with.params);
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->lstm);
  cm::Params plain = *p;
  plain.lstm = false;
  EXPECT_GE(cm::model_memory_bytes(*p),
            cm::model_memory_bytes(plain) + cm::LstmInput::memory_bytes());
  DecodeLimits limits;
  limits.memory_bytes = cm::model_memory_bytes(*p) - 1;  // enough without the LSTM, not with it
  Bytes out(text.size());
  EXPECT_EQ(decode(with, out, limits).code(), StatusCode::kLimitExceeded);
  limits.memory_bytes = cm::model_memory_bytes(*p);
  ASSERT_TRUE(decode(with, out, limits).ok());
  EXPECT_EQ(out, text);
}

}  // namespace
}  // namespace kolmo
