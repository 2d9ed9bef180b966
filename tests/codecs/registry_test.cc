#include "kolmo/codec.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace kolmo {
namespace {

TEST(CodecRegistry, IdsAndNamesAreUniqueAndStable) {
  std::set<int> ids;
  std::set<std::string_view> names;
  for (const CodecInfo& c : all_codecs()) {
    EXPECT_TRUE(ids.insert(static_cast<int>(c.id)).second) << c.name;
    EXPECT_TRUE(names.insert(c.name).second) << c.name;
    EXPECT_EQ(find_codec(c.id), &c);
    EXPECT_EQ(find_codec(c.name), &c);
  }
  // On-disk ids: changing these breaks every existing .kmo file.
  EXPECT_EQ(find_codec("store")->id, CodecId::kStore);
  EXPECT_EQ(static_cast<int>(CodecId::kStore), 0);
  EXPECT_EQ(static_cast<int>(CodecId::kZstd), 1);
  EXPECT_EQ(static_cast<int>(CodecId::kO2), 2);
}

TEST(CodecRegistry, UnknownNamesAndBadOptionsAreRefused) {
  EXPECT_EQ(make_encoder("nope", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(make_encoder("zstd:abc", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(make_encoder("zstd:99", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(make_encoder("store:x", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(make_encoder("zstd", 10).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(make_encoder("zstd:19", 0).ok());
  EXPECT_TRUE(make_encoder("", 0).ok());
}

// Every codec's decoder inverts its encoder on a few kinds of input, at several levels.
TEST(CodecRegistry, EveryCodecRoundTrips) {
  std::mt19937 rng(1);
  std::vector<Bytes> inputs;
  inputs.push_back({});
  inputs.push_back({42});
  Bytes random(70000);
  for (auto& b : random) b = static_cast<std::uint8_t>(rng());
  inputs.push_back(random);
  Bytes text;
  const std::string words[] = {"the ", "compression ", "of ", "kolmo ", "logs\n", "text, "};
  while (text.size() < 100000) {
    const std::string& w = words[rng() % 6];
    text.insert(text.end(), w.begin(), w.end());
  }
  inputs.push_back(text);
  inputs.push_back(Bytes(50000, 0));
  for (const CodecInfo& c : all_codecs()) {
    // statesmix trains a neural model per token (~2 KB/s) and has no levels: one level, and
    // inputs cut to 2 KB (its own tests cover more).
    const bool slow = c.id == CodecId::kStateSMix;
    for (int level : {1, 5, 9}) {
      if (slow && level != 1) continue;
      auto enc = c.make_encoder("", level);
      ASSERT_TRUE(enc.ok()) << c.name << ": " << enc.status().to_string();
      for (const Bytes& full : inputs) {
        const Bytes in = slow && full.size() > 2048 ? Bytes(full.begin(), full.begin() + 2048) : full;
        EncodedBlock block;
        ASSERT_TRUE((*enc)->encode_block(in, block).ok()) << c.name;
        Bytes out(in.size());
        const Status s = c.decode(block.params, block.payload, out, DecodeLimits{});
        ASSERT_TRUE(s.ok()) << c.name << " level " << level << ": " << s.to_string();
        EXPECT_EQ(out, in) << c.name << " level " << level << " size " << in.size();
      }
    }
  }
}

}  // namespace
}  // namespace kolmo
