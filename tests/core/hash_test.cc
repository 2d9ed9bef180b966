#include "kolmo/hash.h"

#include <gtest/gtest.h>

namespace kolmo {
namespace {

TEST(Xxh64, MatchesPublishedVectors) {
  // Reference values of XXH64 with seed 0 (xxHash's own test vectors).
  EXPECT_EQ(xxh64(ByteSpan()), 0xEF46DB3751D8E999ull);
  EXPECT_EQ(xxh64(as_bytes("a")), 0xD24EC4F1A98C6E5Bull);
  EXPECT_EQ(xxh64(as_bytes("abc")), 0x44BC2CF5AD770999ull);
}

TEST(Xxh64, StreamingEqualsOneShot) {
  Bytes data(100000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 131 + 7);
  Xxh64Stream s;
  std::size_t pos = 0;
  for (std::size_t step = 1; pos < data.size(); step = step * 3 + 1) {
    const std::size_t n = std::min(step, data.size() - pos);
    s.update(ByteSpan(data).subspan(pos, n));
    pos += n;
  }
  EXPECT_EQ(s.digest(), xxh64(data));
}

}  // namespace
}  // namespace kolmo
