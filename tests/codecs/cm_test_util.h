// Helpers shared by the cm codec tests: the codec entry and one-block encode/decode at a level
// (generated inputs come from codec_test_support.h).
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "codec_test_support.h"
#include "codecs/cm/cm_codec.h"
#include "kolmo/codec.h"

namespace kolmo::cm_test {

inline const CodecInfo& cm() {
  static const CodecInfo info = cm_codec_info();
  return info;
}

inline EncodedBlock encode(ByteSpan input, int level) {
  return codec_test::encode_with(cm(), input, level);
}

inline Status decode(const EncodedBlock& block, Bytes& out, DecodeLimits limits = {}) {
  return codec_test::decode_with(cm(), block, out, limits);
}

// One block with an option string ("9,ssm", "5,lstm", ...) and a thread budget for the encoder.
inline EncodedBlock encode_with_options(ByteSpan input, std::string_view options,
                                        unsigned threads = 1) {
  auto enc = cm().make_encoder(options, 0);
  EXPECT_TRUE(enc.ok()) << enc.status().to_string();
  EncodedBlock block;
  if (!enc.ok()) return block;
  const Status s = (*enc)->encode_block_threaded(input, block, threads);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return block;
}

// The encoder writes the same block with one and two threads, and decoders with either budget
// give the input back.
inline void expect_same_block_for_one_and_two_threads(const Bytes& input,
                                                      std::string_view options) {
  const EncodedBlock one = encode_with_options(input, options, 1);
  const EncodedBlock two = encode_with_options(input, options, 2);
  EXPECT_EQ(one.params, two.params) << options;
  EXPECT_EQ(one.payload, two.payload) << options;
  for (const unsigned threads : {1u, 2u}) {
    DecodeLimits limits;
    limits.threads = threads;
    Bytes out(input.size());
    ASSERT_TRUE(decode(one, out, limits).ok()) << options << ", " << threads;
    EXPECT_EQ(out, input) << options << ", " << threads;
  }
}

using codec_test::generate_text;
using codec_test::random_bytes;

}  // namespace kolmo::cm_test
