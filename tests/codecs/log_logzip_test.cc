// The Logzip reproduction's parts: ICH template mining, the sub-field and global-dictionary
// columns, and the o2 model reuse the backends rely on.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codecs/log/log_codec.h"
#include "codecs/log/log_format.h"
#include "codecs/log/log_parse.h"
#include "codecs/o2/o2_model.h"
#include "codecs/o2/o2_params.h"
#include "entropy/binary_coder.h"
#include "kolmo/codec.h"
#include "log_test_inputs.h"

namespace kolmo {
namespace {

using testing::cat;

// Three message kinds whose variable parts all hold digits, so each kind is exactly one template.
std::string three_kind_log(std::size_t lines) {
  std::string out;
  for (std::size_t i = 0; i < lines; ++i) {
    const std::string n = std::to_string(i * 7919 % 100003);
    switch (i * 31 % 7 % 3) {
      case 0: out += cat({"10:00 INFO open file f", n, ".txt for user u", n, "\n"}); break;
      case 1: out += cat({"10:01 WARN slow disk sd", n, " took ", n, " ms\n"}); break;
      default: out += cat({"10:02 INFO close file f", n, ".txt\n"}); break;
    }
  }
  return out;
}

TEST(LogLogzip, IchFindsOneTemplatePerMessageKindAndEveryLineMatchesItsTemplate) {
  const std::string text = three_kind_log(3000);
  logc::HeaderFormat header;
  header.literals = {"", " ", " "};
  const logc::ParsedLog log = logc::parse_log(
      ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), header, 12,
      logc::TemplateMethod::kIch);
  EXPECT_EQ(log.templates.size(), 3u);
  for (std::size_t i = 0; i < log.lines.size(); ++i) {
    ASSERT_GE(log.ids[i], logc::kFirstTemplateId) << "line " << i;
    const logc::Template& t = log.templates[log.ids[i] - logc::kFirstTemplateId];
    for (std::size_t k = 0; k < t.tokens.size(); ++k) {
      if (!t.wild[k]) {
        EXPECT_EQ(t.tokens[k], log.tokens[log.token_begin[i] + k]) << "line " << i;
      }
    }
  }
}

EncodedBlock encode(const std::string& text, const std::string& options) {
  auto enc = log_codec_info().make_encoder(options, 0);
  EXPECT_TRUE(enc.ok());
  EncodedBlock block;
  EXPECT_TRUE((*enc)->encode_block(testing::to_bytes(text), block).ok());
  return block;
}

// Parameters with no sub-field, only delimiters, more sub-fields than a column may have, bytes a
// skeleton cannot carry, and empty tokens.
TEST(LogLogzip, SubfieldAndGlobalDictionaryColumnsRestoreEdgeValues) {
  std::string many;
  for (int i = 0; i < 80; ++i) many += cat({"a", std::to_string(i), "."});
  std::string text;
  for (int i = 0; i < 200; ++i) {
    const std::string n = std::to_string(i);
    const std::string odd = i % 5 == 0 ? std::string("x\x01y", 3) : std::string("x-y");
    text += cat({"d", n, " t ", "v=", n, " p:", (i % 2 ? many : n), " q ", odd, n, " r ", (i % 3 ? "-.-" : "z"), n,
                 "  end\n"});
  }
  for (const char* mode : {"logzip=2", "logzip=3"}) {
    const EncodedBlock block = encode(text, mode);
    Bytes out(text.size());
    ASSERT_TRUE(log_codec_info().decode(block.params, block.payload, out, {}).ok()) << mode;
    EXPECT_EQ(out, testing::to_bytes(text)) << mode;
  }
}

// On a log made of a few templates, templates (level 2) and the global dictionary (level 3) must
// beat whole contents (level 1); on real samples level 3 can lose (docs/log.md).
TEST(LogLogzip, TemplatedLogIsSmallerAtLevels2And3ThanAtLevel1) {
  const std::string text = testing::structured_log(20000, 5);
  const std::size_t level1 = encode(text, "logzip=1").payload.size();
  const std::size_t level2 = encode(text, "logzip=2").payload.size();
  const std::size_t level3 = encode(text, "logzip=3").payload.size();
  std::cout << "logzip level 1 " << level1 << " bytes, level 2 " << level2 << ", level 3 " << level3 << "\n";
  EXPECT_LT(level2, level1);
  EXPECT_LT(level3, level1);
}

// o2 coding of data with a model (fresh, or reset after other data): the payload bytes.
Bytes o2_code(o2::Model& m, const Bytes& data) {
  Bytes out;
  BinaryEncoder enc(out);
  o2::with_flags(m.params().flags, [&](auto flags) {
    constexpr std::uint8_t kFlags = decltype(flags)::value;
    for (const std::uint8_t byte : data) {
      for (int i = 7; i >= 0; --i) {
        enc.encode((byte >> i) & 1, m.predict<kFlags>());
        m.update<kFlags>((byte >> i) & 1);
      }
    }
  });
  enc.finish();
  return out;
}

TEST(LogLogzip, ResetO2ModelCodesExactlyLikeAFreshOne) {
  const Bytes first = testing::to_bytes(testing::structured_log(3000, 1));
  const Bytes second = testing::to_bytes(testing::structured_log(2000, 2));
  for (const int level : {5, 9}) {
    const o2::Params p = o2::params_for_level(level);
    auto reused = o2::Model::create(p, UINT64_MAX, first.size());
    auto fresh = o2::Model::create(p, UINT64_MAX, second.size());
    ASSERT_TRUE(reused.ok() && fresh.ok());
    const Bytes a = o2_code(**reused, first);
    (*reused)->reset();
    EXPECT_EQ(o2_code(**reused, second), o2_code(**fresh, second)) << "level " << level;
    (*reused)->reset();
    EXPECT_EQ(o2_code(**reused, first), a) << "level " << level;
  }
}

}  // namespace
}  // namespace kolmo
