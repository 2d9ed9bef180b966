#include <gtest/gtest.h>

#include "codecs/log/log_codec.h"
#include "kolmo/codec.h"
#include "kolmo/hash.h"
#include "test_data.h"

namespace kolmo {
namespace {

// Every file under logs/ (the 16 Loghub samples and their template tables) round-trips byte for
// byte, checked by hash, in each mode.
TEST(LogCodecSharedData, EveryLogFileRoundTripsByHash) {
  KOLMO_REQUIRE_DATA(data);
  const auto files = testing::files_below(data / "logs");
  if (files.empty()) GTEST_SKIP() << "no files under " << (data / "logs");
  const CodecInfo info = log_codec_info();
  for (const auto& path : files) {
    const Bytes input = testing::read_file(path);
    for (const char* mode : {"", "fast", "logzip=1", "logzip=2", "logzip=3"}) {
      auto enc = info.make_encoder(mode, 0);
      ASSERT_TRUE(enc.ok());
      EncodedBlock block;
      ASSERT_TRUE((*enc)->encode_block(input, block).ok()) << path;
      Bytes out(input.size());
      const Status s = info.decode(block.params, block.payload, out, {});
      ASSERT_TRUE(s.ok()) << path << " [" << mode << "]: " << s.to_string();
      EXPECT_EQ(xxh64(out), xxh64(input)) << path << " [" << mode << "]";
      if (std::string(mode).empty()) {
        EXPECT_LT(block.payload.size(), input.size()) << path;
      }
    }
  }
}

}  // namespace
}  // namespace kolmo
