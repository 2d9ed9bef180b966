#include "kolmo/bytes.h"

#include <gtest/gtest.h>

#include <random>

namespace kolmo {
namespace {

TEST(ByteReader, ReadsLittleEndianFields) {
  const Bytes data = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                      0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
  ByteReader r(data);
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16(), 0x0302);
  EXPECT_EQ(r.u32(), 0x07060504u);
  EXPECT_EQ(r.u64(), 0x0f0e0d0c0b0a0908ull);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.at_end());
}

TEST(ByteReader, FailureIsStickyAndReturnsZeros) {
  const Bytes data = {0xff, 0xff, 0xff};
  ByteReader r(data);
  EXPECT_EQ(r.u32(), 0u);  // needs 4, has 3
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTruncated);
  EXPECT_EQ(r.u8(), 0);  // later reads fail too, even though a byte is there
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(r.bytes(1).empty());
}

TEST(ByteReader, FirstErrorWins) {
  const Bytes data = {1};
  ByteReader r(data);
  r.fail(StatusCode::kCorruptData, "bad magic");
  (void)r.u64();
  EXPECT_EQ(r.status().code(), StatusCode::kCorruptData);
}

TEST(Varint, RoundTripsBoundaryValues) {
  const std::uint64_t values[] = {0, 1, 127, 128, 255, 16383, 16384, (1ull << 32) - 1, 1ull << 32,
                                  (1ull << 63), ~0ull};
  for (std::uint64_t v : values) {
    Bytes out;
    const std::size_t n = append_varint(out, v);
    EXPECT_EQ(n, out.size());
    EXPECT_EQ(n, varint_size(v));
    ByteReader r(out);
    EXPECT_EQ(r.varint(), v);
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.at_end());
  }
}

TEST(Varint, RoundTripsRandomValues) {
  std::mt19937_64 rng(7);
  Bytes out;
  std::vector<std::uint64_t> values;
  for (int i = 0; i < 2000; ++i) {
    const std::uint64_t v = rng() >> (rng() % 64);
    values.push_back(v);
    append_varint(out, v);
  }
  ByteReader r(out);
  for (std::uint64_t v : values) EXPECT_EQ(r.varint(), v);
  EXPECT_TRUE(r.ok());
}

TEST(Varint, RejectsOverlongAndOverflowingEncodings) {
  {
    const Bytes overlong = {0x80, 0x00};  // zero written in two bytes
    ByteReader r(overlong);
    (void)r.varint();
    EXPECT_EQ(r.status().code(), StatusCode::kCorruptData);
  }
  {
    const Bytes overflow = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    ByteReader r(overflow);
    (void)r.varint();
    EXPECT_EQ(r.status().code(), StatusCode::kCorruptData);
  }
  {
    const Bytes endless(12, 0xff);
    ByteReader r(endless);
    (void)r.varint();
    EXPECT_FALSE(r.ok());
  }
  {
    const Bytes cut = {0x80};
    ByteReader r(cut);
    (void)r.varint();
    EXPECT_EQ(r.status().code(), StatusCode::kTruncated);
  }
}

TEST(Varint, AtMostEnforcesTheBound) {
  Bytes out;
  append_varint(out, 1000);
  ByteReader r(out);
  EXPECT_EQ(r.varint_at_most(999, "block count"), 0u);
  EXPECT_EQ(r.status().code(), StatusCode::kCorruptData);
  EXPECT_NE(r.status().message().find("block count"), std::string::npos);
}

TEST(ZigZag, MapsSmallMagnitudesToSmallNumbers) {
  EXPECT_EQ(zigzag_encode(0), 0u);
  EXPECT_EQ(zigzag_encode(-1), 1u);
  EXPECT_EQ(zigzag_encode(1), 2u);
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{-5}, std::int64_t{123456789},
                         INT64_MIN, INT64_MAX}) {
    EXPECT_EQ(zigzag_decode(zigzag_encode(v)), v);
  }
}

TEST(ByteWriter, WritesWhatReaderReads) {
  ByteWriter w;
  w.u8(9);
  w.u16(0xbeef);
  w.u32(0xdeadbeef);
  w.u64(0x0123456789abcdefull);
  w.varint(300);
  ByteReader r(w.data());
  EXPECT_EQ(r.u8(), 9);
  EXPECT_EQ(r.u16(), 0xbeef);
  EXPECT_EQ(r.u32(), 0xdeadbeefu);
  EXPECT_EQ(r.u64(), 0x0123456789abcdefull);
  EXPECT_EQ(r.varint(), 300u);
  EXPECT_TRUE(r.at_end());
}

}  // namespace
}  // namespace kolmo
