// The cm text transform: forward + inverse round trips on adversarial inputs, what the
// capitalisation escapes and the dictionary do, corrupt transformed blocks, and the transform
// inside the cm codec (params flag, damaged sizes, memory limit).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "cm_test_util.h"
#include "codecs/cm/cm_model.h"
#include "codecs/cm/cm_params.h"
#include "codecs/cm/cm_text_transform.h"
#include "codecs/cm/cm_text_transform_encode.h"

namespace kolmo {
namespace {

using cm::forward_text_transform;
using cm::inverse_text_transform;
using cm::TextTransformOptions;
using cm_test::generate_text;
using cm_test::random_bytes;

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

TextTransformOptions with_dictionary(bool on, std::uint32_t min_count = 2) {
  TextTransformOptions o;
  o.dictionary = on;
  o.min_word_count = min_count;
  return o;
}

// Forward and inverse, with and without the dictionary; returns the transform with it.
Bytes expect_round_trip(const Bytes& input, const std::string& what) {
  Bytes with;
  for (const bool dictionary : {false, true}) {
    const Bytes t = forward_text_transform(input, with_dictionary(dictionary));
    Bytes out(input.size(), 0xAA);
    const Status s = inverse_text_transform(t, out);
    EXPECT_TRUE(s.ok()) << what << " (dictionary " << dictionary << "): " << s.to_string();
    EXPECT_EQ(out, input) << what << " (dictionary " << dictionary << ")";
    if (dictionary) with = t;
  }
  return with;
}

// Mixed-case English-like text with every word shape the escapes distinguish.
Bytes mixed_case_text(std::size_t size, std::uint32_t seed) {
  Bytes text = generate_text(size, seed);
  std::mt19937 rng(seed);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto r = rng() % 40;
    if (r == 0 && text[i] >= 'a' && text[i] <= 'z') text[i] = static_cast<std::uint8_t>(text[i] - 32);
    if (r == 1) text[i] = static_cast<std::uint8_t>(rng());  // any byte, escapes included
  }
  const Bytes shapes = bytes_of(" A I a THE The the McDonald iPhone ABCdef HELLO, X. Hello!\n");
  text.insert(text.begin(), shapes.begin(), shapes.end());
  return text;
}

TEST(CmTextTransform, RoundTripsEmptyAndSingleBytes) {
  expect_round_trip({}, "empty");
  for (int b = 0; b < 256; ++b) expect_round_trip({static_cast<std::uint8_t>(b)}, "byte " + std::to_string(b));
}

TEST(CmTextTransform, RoundTripsEveryByteValueWhenNoneIsFree) {
  // Every byte value is used, so the escapes and codes must be escaped where they occur.
  Bytes all;
  for (int rep = 0; rep < 3; ++rep) {
    for (int b = 0; b < 256; ++b) all.push_back(static_cast<std::uint8_t>(b));
  }
  expect_round_trip(all, "all byte values");
  Bytes text = generate_text(20000, 5);
  for (int b = 0; b < 256; ++b) text.insert(text.begin() + b * 50, static_cast<std::uint8_t>(b));
  expect_round_trip(text, "text with every byte value");
}

TEST(CmTextTransform, RoundTripsEscapeBytesInTheInput) {
  // Control bytes are the encoder's first choice of escapes; put them everywhere, in runs too.
  Bytes text = generate_text(5000, 6);
  for (std::size_t i = 0; i < text.size(); i += 7) text[i] = static_cast<std::uint8_t>(i % 5);
  const Bytes runs(300, 0);
  text.insert(text.end(), runs.begin(), runs.end());
  expect_round_trip(text, "control bytes in text");
}

TEST(CmTextTransform, RoundTripsMixedCaseLongWordsAndNonAscii) {
  expect_round_trip(mixed_case_text(30000, 7), "mixed case");
  std::string long_words;
  for (const std::size_t n : {cm::kMaxWordLength - 1, cm::kMaxWordLength, cm::kMaxWordLength + 1,
                              std::size_t{5000}}) {
    for (int rep = 0; rep < 4; ++rep) {
      long_words += std::string(n, 'q') + " " + "W" + std::string(n, 'w') + " " +
                    std::string(n, 'Z') + "\n";
    }
  }
  expect_round_trip(bytes_of(long_words), "long words");
  expect_round_trip(bytes_of("Ünïcödé wörds, ÀÉÎ and ελληνικά Text TEXT text text text\n"),
                    "UTF-8");
  expect_round_trip(bytes_of("a"), "one letter");
  expect_round_trip(bytes_of("A"), "one capital");
  expect_round_trip(bytes_of("AB"), "two capitals");
}

TEST(CmTextTransform, RoundTripsRandomInputs) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    expect_round_trip(random_bytes(1 + seed * 97, seed), "random " + std::to_string(seed));
    // Random letters and separators: many short words of every case shape.
    std::mt19937 rng(seed);
    Bytes letters(3000);
    for (auto& b : letters) {
      const auto r = rng() % 10;
      b = static_cast<std::uint8_t>(r < 5 ? 'a' + rng() % 3 : r < 8 ? 'A' + rng() % 3 : rng());
    }
    expect_round_trip(letters, "random letters " + std::to_string(seed));
  }
}

TEST(CmTextTransform, CapitalisedWordsBecomeLowerCase) {
  const Bytes input = bytes_of("The THE the Hello WORLD hello world\n");
  const Bytes t = forward_text_transform(input, with_dictionary(false));
  EXPECT_TRUE(std::none_of(t.begin(), t.end(), [](std::uint8_t b) { return b >= 'A' && b <= 'Z'; }));
  // Mixed-case words are kept letter by letter.
  const Bytes mixed = forward_text_transform(bytes_of("McDonald iPhone\n"), with_dictionary(false));
  const Bytes mc = bytes_of("McDonald");
  EXPECT_NE(std::search(mixed.begin(), mixed.end(), mc.begin(), mc.end()), mixed.end());
}

TEST(CmTextTransform, DictionaryShortensFrequentWords) {
  const Bytes text = generate_text(50000, 8);
  const Bytes round_tripped = expect_round_trip(text, "text");
  const Bytes without = forward_text_transform(text, with_dictionary(false));
  const Bytes with = forward_text_transform(text, with_dictionary(true));
  EXPECT_LT(with.size(), without.size() * 3 / 4);
  EXPECT_EQ(with, round_tripped);
  // A block with no free byte values gets no codes, and still round trips.
  Bytes full = text;
  for (int b = 0; b < 256; ++b) full.push_back(static_cast<std::uint8_t>(b));
  const Bytes t = expect_round_trip(full, "text using every byte value");
  EXPECT_GE(t.size(), full.size());
}

TEST(CmTextTransform, RoundTripsTwoByteCodes) {
  // Few free byte values (all but 10 non-letters are used) and hundreds of frequent words, so
  // that the dictionary needs two-byte codes.
  Bytes input;
  for (int b = 0; b < 256; ++b) {
    if (b < 0xA0 || b >= 0xAA) input.push_back(static_cast<std::uint8_t>(b));
  }
  std::mt19937 rng(15);
  for (int i = 0; i < 20000; ++i) {
    const unsigned w = rng() % 500;
    std::string word = {'w', static_cast<char>('a' + w % 26), static_cast<char>('a' + w / 26 % 26), 'x'};
    if (rng() % 10 == 0) word[0] = 'W';
    input.insert(input.end(), word.begin(), word.end());
    input.push_back(' ');
  }
  const Bytes t = expect_round_trip(input, "two-byte codes");
  ASSERT_GT(t.size(), 4u);
  const std::size_t k1 = t[3];
  ASSERT_GT(t.size(), 4 + k1);
  EXPECT_GT(t[4 + k1], 0) << "no two-byte prefixes";
  EXPECT_LT(t.size(), forward_text_transform(input, with_dictionary(false)).size());
}

TEST(CmTextTransform, ForwardIsDeterministic) {
  const Bytes text = mixed_case_text(20000, 9);
  EXPECT_EQ(forward_text_transform(text, with_dictionary(true)),
            forward_text_transform(text, with_dictionary(true)));
}

TEST(CmTextTransform, LooksLikeTextSeparatesTextFromBinary) {
  EXPECT_TRUE(cm::looks_like_text(generate_text(5000, 10)));
  EXPECT_FALSE(cm::looks_like_text(random_bytes(5000, 10)));
  EXPECT_FALSE(cm::looks_like_text(Bytes(5000, 0)));
  EXPECT_FALSE(cm::looks_like_text(bytes_of("Short")));
  // Log lines: letters, but many digits.
  std::string log;
  for (int i = 0; i < 200; ++i) log += "[Sun Dec 04 04:47:" + std::to_string(10 + i % 50) + " 2005] [notice] Ok 6725 10\n";
  EXPECT_FALSE(cm::looks_like_text(bytes_of(log)));
}

TEST(CmTextTransform, SmallBlocksGetNoDictionary) {
  for (int level = 1; level <= 9; ++level) {
    EXPECT_FALSE(cm::text_transform_options(level, 20000).dictionary) << level;
    EXPECT_TRUE(cm::text_transform_options(level, 1 << 20).dictionary) << level;
  }
}

TEST(CmTextTransform, EveryTruncationIsCorrupt) {
  const Bytes input = mixed_case_text(3000, 11);
  const Bytes t = forward_text_transform(input, with_dictionary(true));
  Bytes out(input.size());
  for (std::size_t n = 0; n < t.size(); ++n) {
    EXPECT_EQ(inverse_text_transform(ByteSpan(t.data(), n), out).code(), StatusCode::kCorruptData)
        << "prefix of " << n << " bytes";
  }
  // A wrong output size is refused too.
  Bytes longer(input.size() + 1), shorter(input.size() - 1);
  EXPECT_EQ(inverse_text_transform(t, longer).code(), StatusCode::kCorruptData);
  EXPECT_EQ(inverse_text_transform(t, shorter).code(), StatusCode::kCorruptData);
}

TEST(CmTextTransform, DamagedBlocksFailCleanlyOrDecodeToTheRightSize) {
  const Bytes input = mixed_case_text(2000, 12);
  const Bytes t = forward_text_transform(input, with_dictionary(true));
  std::mt19937 rng(12);
  for (int trial = 0; trial < 3000; ++trial) {
    Bytes damaged = t;
    for (int k = 0; k < 1 + trial % 3; ++k) damaged[rng() % damaged.size()] ^= 1u << (rng() % 8);
    Bytes out(input.size());
    const Status s = inverse_text_transform(damaged, out);
    if (!s.ok()) {
      EXPECT_EQ(s.code(), StatusCode::kCorruptData) << s.to_string();
    }
  }
}

// A hand-made block: cap 0x01, caps 0x02, lit 0x03, one-byte code 0x80, prefix 0x81, words
// (word 0: 0x80; word 1 + d: 0x81 then 0x80 for d = 0 or 0x81 for d = 1).
Bytes block(const std::vector<std::string>& words, const Bytes& body) {
  Bytes b = {0x01, 0x02, 0x03, 1, 0x80, 1, 0x81};
  append_varint(b, words.size());
  for (const std::string& w : words) {
    b.insert(b.end(), w.begin(), w.end());
    b.push_back(cm::kWordEnd);
  }
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

Status inverse(const Bytes& t, std::size_t size) {
  Bytes out(size);
  return inverse_text_transform(t, out);
}

TEST(CmTextTransform, HandMadeBlocksDecodeAsSpecified) {
  // Two-byte codes: prefix 0x81, then the digit 0x80 (0) or 0x81 (1).
  const Bytes t = block({"the", "zero", "one"}, {0x01, 0x80, ' ', 0x02, 0x81, 0x80, ' ', 0x81,
                                                 0x81, ' ', 0x03, 0x01, 'x', 0x02, 'a', 'b', '.'});
  Bytes out(18);
  ASSERT_TRUE(inverse_text_transform(t, out).ok());
  EXPECT_EQ(std::string(out.begin(), out.end()), std::string("The ZERO one \x01xAB."));
}

TEST(CmTextTransform, InvalidCodesAndEscapesAreCorrupt) {
  const std::vector<std::string> words = {"the", "zero"};
  // Unknown words: one-byte code beyond the list, two-byte code beyond the list, prefix at end.
  EXPECT_EQ(inverse(block({}, {0x80}), 3).code(), StatusCode::kCorruptData);
  EXPECT_EQ(inverse(block(words, {0x81, 0x81}), 4).code(), StatusCode::kCorruptData);
  // A second byte that is not a code byte.
  EXPECT_EQ(inverse(block(words, {0x81, 0x05}), 4).code(), StatusCode::kCorruptData);
  EXPECT_EQ(inverse(block(words, {0x81, 0x01, 'a'}), 4).code(), StatusCode::kCorruptData);
  EXPECT_EQ(inverse(block(words, {'a', 0x81}), 5).code(), StatusCode::kCorruptData);
  // Escapes: lit at the end or before a plain byte, cap with nothing or a non-letter after it.
  EXPECT_EQ(inverse(block(words, {'a', 0x03}), 1).code(), StatusCode::kCorruptData);
  EXPECT_EQ(inverse(block(words, {0x03, 'a'}), 1).code(), StatusCode::kCorruptData);
  EXPECT_EQ(inverse(block(words, {'a', 0x01}), 1).code(), StatusCode::kCorruptData);
  EXPECT_EQ(inverse(block(words, {0x01, ' '}), 1).code(), StatusCode::kCorruptData);
  EXPECT_EQ(inverse(block(words, {0x02, 0x01, 'a'}), 1).code(), StatusCode::kCorruptData);
  // Header: letters or duplicates as special bytes, too many words, malformed words.
  EXPECT_EQ(inverse({'A', 0x02, 0x03, 0, 0, 0, ' '}, 1).code(), StatusCode::kCorruptData);
  EXPECT_EQ(inverse({0x01, 0x01, 0x03, 0, 0, 0, ' '}, 1).code(), StatusCode::kCorruptData);
  EXPECT_EQ(inverse({0x01, 0x02, 0x03, 1, 0x03, 0, 0, ' '}, 1).code(), StatusCode::kCorruptData);
  EXPECT_EQ(inverse({0x01, 0x02, 0x03, 1, 0x80, 0, 2, 'a', '\n', 'b', '\n'}, 1).code(),
            StatusCode::kCorruptData);
  EXPECT_EQ(inverse(block({"Upper"}, {' '}), 1).code(), StatusCode::kCorruptData);
  EXPECT_EQ(inverse(block({""}, {' '}), 1).code(), StatusCode::kCorruptData);
  EXPECT_EQ(inverse(block({std::string(cm::kMaxWordLength + 1, 'a')}, {' '}), 1).code(),
            StatusCode::kCorruptData);
  EXPECT_TRUE(inverse(block({std::string(cm::kMaxWordLength, 'a')}, {0x80}), cm::kMaxWordLength).ok());
}

// ---- the transform inside the cm codec ----

TEST(CmTextTransformCodec, TextBlocksAreTransformedAndBinaryBlocksAreNot) {
  const Bytes text = mixed_case_text(20000, 13);
  const Bytes random = random_bytes(20000, 13);
  for (int level : {1, 5, 9}) {
    for (const Bytes* in : {&text, &random}) {
      const EncodedBlock block = cm_test::encode(*in, level);
      Expected<cm::Params> p = cm::parse_params(block.params);
      ASSERT_TRUE(p.ok());
      EXPECT_EQ(p->text_transform, in == &text) << "level " << level;
      Bytes out(in->size());
      ASSERT_TRUE(cm_test::decode(block, out).ok()) << "level " << level;
      EXPECT_EQ(out, *in) << "level " << level;
    }
  }
}

TEST(CmTextTransformCodec, DamagedTransformedSizeIsCorruptOrOverLimit) {
  const Bytes text = generate_text(5000, 14);
  const EncodedBlock block = cm_test::encode(text, 1);
  ASSERT_TRUE(cm::parse_params(block.params)->text_transform);
  ByteReader r(block.payload);
  const std::uint64_t size = r.varint();
  const ByteSpan coded = ByteSpan(block.payload).subspan(r.position());
  Bytes out(text.size());
  auto with_size = [&](std::uint64_t n) {
    EncodedBlock b = block;
    b.payload.clear();
    append_varint(b.payload, n);
    b.payload.insert(b.payload.end(), coded.begin(), coded.end());
    return b;
  };
  // Above the bound for this block size, zero, and a truncated varint: corrupt.
  EXPECT_EQ(cm_test::decode(with_size(cm::max_transformed_size(text.size()) + 1), out).code(),
            StatusCode::kCorruptData);
  EXPECT_EQ(cm_test::decode(with_size(0), out).code(), StatusCode::kCorruptData);
  EncodedBlock truncated = block;
  truncated.payload = {0x80};
  EXPECT_EQ(cm_test::decode(truncated, out).code(), StatusCode::kCorruptData);
  // A wrong but allowed size decodes garbage that the model or the inverse refuses.
  for (const std::uint64_t n : {size - 1, size + 1}) {
    const Status s = cm_test::decode(with_size(n), out);
    EXPECT_FALSE(s.ok() && out == text) << n;
  }
  // The transformed buffer counts against the memory limit.
  const std::uint64_t model = cm::model_memory_bytes(*cm::parse_params(block.params));
  DecodeLimits just_model;
  just_model.memory_bytes = model;
  EXPECT_EQ(cm_test::decode(block, out, just_model).code(), StatusCode::kLimitExceeded);
  DecodeLimits enough;
  enough.memory_bytes = model + size;
  ASSERT_TRUE(cm_test::decode(block, out, enough).ok());
  EXPECT_EQ(out, text);
}

}  // namespace
}  // namespace kolmo
