// Malformed safetensors files: each must fail with the right code and a message that names the
// problem (and the tensor, where there is one).
#include <gtest/gtest.h>

#include "tensor/safetensors.h"
#include "tensor/safetensors_writer.h"
#include "tensor_test_util.h"

namespace kolmo::tensor {
namespace {

using testing::has_error;
using testing::make_file;
using testing::pattern_bytes;

Status parse_status(const Bytes& file) {
  return parse_safetensors_header(file, file.size()).status();
}

// A header with one tensor entry: {"<name>":{<fields>}}.
Bytes one_tensor(std::string_view fields, std::size_t data_size) {
  return make_file("{\"t\":{" + std::string(fields) + "}}", pattern_bytes(data_size));
}

TEST(SafetensorsMalformed, FileShorterThanTheLength) {
  EXPECT_TRUE(has_error(parse_status(Bytes{1, 2, 3}), StatusCode::kTruncated, "8-byte"));
  EXPECT_TRUE(has_error(parse_status(Bytes{}), StatusCode::kTruncated, "8-byte"));
}

TEST(SafetensorsMalformed, HeaderLengthLargerThanTheFile) {
  Bytes file = make_file("{}      ");
  store_le64(file.data(), 9);
  EXPECT_TRUE(has_error(parse_status(file), StatusCode::kTruncated, "header length 9"));
  store_le64(file.data(), UINT64_MAX);
  EXPECT_TRUE(has_error(parse_status(file), StatusCode::kCorruptData, "maximum"));
}

TEST(SafetensorsMalformed, HeaderLengthAboveTheMaximumIsRefusedBeforeReading) {
  Bytes length(8);
  store_le64(length.data(), kMaxSafetensorsHeaderBytes + 1);
  // A claimed huge file: only the length check may decide, nothing is allocated or read.
  EXPECT_TRUE(has_error(parse_safetensors_header(length, std::uint64_t{1} << 40).status(),
                        StatusCode::kCorruptData, "maximum"));
}

TEST(SafetensorsMalformed, PrefixShorterThanTheHeader) {
  const Bytes file = make_file("{}      ", pattern_bytes(16));
  EXPECT_TRUE(has_error(parse_safetensors_header(ByteSpan(file).first(12), file.size()).status(),
                        StatusCode::kTruncated, "available"));
}

TEST(SafetensorsMalformed, OffsetsOutOfRange) {
  const Bytes file = one_tensor(R"("dtype":"U8","shape":[4],"data_offsets":[8,12])", 10);
  EXPECT_TRUE(has_error(parse_status(file), StatusCode::kTruncated,
                        "tensor 't': data_offsets [8, 12) reach past the end of the data "
                        "section (10 bytes)"));
}

TEST(SafetensorsMalformed, TruncatedData) {
  Expected<Bytes> file = build_safetensors(
      std::vector<TensorSpec>{{"a", DType::kF32, {2}, pattern_bytes(8)},
                              {"last", DType::kF32, {4}, pattern_bytes(16)}});
  ASSERT_TRUE(file.ok());
  file->resize(file->size() - 1);
  EXPECT_TRUE(has_error(parse_status(*file), StatusCode::kTruncated, "tensor 'last'"));
}

TEST(SafetensorsMalformed, ReversedOffsets) {
  const Bytes file = one_tensor(R"("dtype":"U8","shape":[0],"data_offsets":[4,0])", 4);
  EXPECT_TRUE(has_error(parse_status(file), StatusCode::kCorruptData, "end before they begin"));
}

TEST(SafetensorsMalformed, OverlappingTensors) {
  const Bytes file = make_file(
      R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
      R"("b":{"dtype":"U8","shape":[4],"data_offsets":[3,7]}})",
      pattern_bytes(8));
  EXPECT_TRUE(has_error(parse_status(file), StatusCode::kCorruptData,
                        "tensors 'a' [0, 4) and 'b' [3, 7) overlap"));
}

TEST(SafetensorsMalformed, SameRangeTwice) {
  const Bytes file = make_file(
      R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
      R"("b":{"dtype":"I8","shape":[4],"data_offsets":[0,4]}})",
      pattern_bytes(4));
  EXPECT_TRUE(has_error(parse_status(file), StatusCode::kCorruptData, "overlap"));
}

TEST(SafetensorsMalformed, ZeroSizeTensorInsideAnother) {
  const Bytes file = make_file(
      R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
      R"("z":{"dtype":"U8","shape":[0],"data_offsets":[2,2]}})",
      pattern_bytes(4));
  EXPECT_TRUE(has_error(parse_status(file), StatusCode::kCorruptData, "overlap"));
}

TEST(SafetensorsMalformed, UnknownDtype) {
  const Bytes file = one_tensor(R"("dtype":"F128","shape":[1],"data_offsets":[0,16])", 16);
  EXPECT_TRUE(has_error(parse_status(file), StatusCode::kCorruptData,
                        "tensor 't': unknown dtype 'F128'"));
}

TEST(SafetensorsMalformed, SubByteDtypeIsUnsupported) {
  const Bytes file = one_tensor(R"("dtype":"F4","shape":[2],"data_offsets":[0,1])", 1);
  EXPECT_TRUE(has_error(parse_status(file), StatusCode::kUnsupported, "F4"));
}

TEST(SafetensorsMalformed, SizeMismatch) {
  const Bytes file = make_file(R"({"x":{"dtype":"BF16","shape":[3,2],"data_offsets":[0,10]}})",
                               pattern_bytes(12));
  EXPECT_TRUE(has_error(parse_status(file), StatusCode::kCorruptData,
                        "tensor 'x': data_offsets [0, 10) do not match dtype BF16 x shape "
                        "[3, 2] (12 bytes)"));
}

TEST(SafetensorsMalformed, ShapeOverflow) {
  // 2^32 * 2^32 elements overflow before the zero dimension could bring the product back.
  const Bytes file = one_tensor(
      R"("dtype":"BF16","shape":[4294967296,4294967296,0],"data_offsets":[0,0])", 0);
  EXPECT_TRUE(has_error(parse_status(file), StatusCode::kCorruptData, "overflows 64 bits"));
  // The element count fits, the byte count does not.
  const Bytes bytes_overflow =
      one_tensor(R"("dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,0])", 0);
  EXPECT_TRUE(has_error(parse_status(bytes_overflow), StatusCode::kCorruptData, "overflows"));
}

TEST(SafetensorsMalformed, DuplicateKeys) {
  const std::string entry = R"({"dtype":"U8","shape":[1],"data_offsets":[0,1]})";
  EXPECT_TRUE(has_error(parse_status(make_file("{\"a\":" + entry + ",\"a\":" + entry + "}",
                                               pattern_bytes(1))),
                        StatusCode::kCorruptData, "duplicate key 'a'"));
  EXPECT_TRUE(has_error(
      parse_status(make_file(R"({"__metadata__":{},"__metadata__":{}})")),
      StatusCode::kCorruptData, "duplicate key '__metadata__'"));
  EXPECT_TRUE(has_error(parse_status(make_file(R"({"__metadata__":{"k":"1","k":"2"}})")),
                        StatusCode::kCorruptData, "duplicate __metadata__ key 'k'"));
  EXPECT_TRUE(has_error(
      parse_status(one_tensor(R"("dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1])",
                              1)),
      StatusCode::kCorruptData, "tensor 't': duplicate field 'dtype'"));
}

TEST(SafetensorsMalformed, MissingAndUnknownFields) {
  EXPECT_TRUE(has_error(parse_status(one_tensor(R"("shape":[1],"data_offsets":[0,1])", 1)),
                        StatusCode::kCorruptData, "tensor 't': missing dtype"));
  EXPECT_TRUE(has_error(parse_status(one_tensor(R"("dtype":"U8","data_offsets":[0,1])", 1)),
                        StatusCode::kCorruptData, "tensor 't': missing shape"));
  EXPECT_TRUE(has_error(parse_status(one_tensor(R"("dtype":"U8","shape":[1])", 1)),
                        StatusCode::kCorruptData, "tensor 't': missing data_offsets"));
  EXPECT_TRUE(has_error(
      parse_status(one_tensor(R"("dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1)", 1)),
      StatusCode::kCorruptData, "tensor 't': unknown field 'x'"));
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

struct BadHeader {
  const char* what;
  std::string header;
  const char* fragment;
};

TEST(SafetensorsMalformed, BadJson) {
  const std::string ok_fields = R"("dtype":"U8","shape":[1],"data_offsets":[0,1])";
  const std::vector<BadHeader> cases = {
      {"empty header", "", "does not start with '{'"},
      {"leading space", " {}", "does not start with '{'"},
      {"array", "[]", "does not start with '{'"},
      {"unterminated object", "{", "expected a tensor name"},
      {"unterminated string", "{\"a", "unterminated string"},
      {"missing colon", "{\"a\" {}}", "expected ':'"},
      {"trailing comma", "{\"a\":{" + ok_fields + "},}", "expected a tensor name"},
      {"garbage after the object", "{}x", "unexpected bytes after the header JSON"},
      {"newline padding", "{}\n", "unexpected bytes after the header JSON"},
      {"NUL padding", std::string("{}\0", 3), "unexpected bytes after the header JSON"},
      {"second object", "{}{}", "unexpected bytes after the header JSON"},
      {"entry not an object", "{\"a\":1}", "tensor 'a': entry is not an object"},
      {"negative dim", R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})",
       "negative"},
      {"fractional dim", R"({"a":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}})",
       "integers"},
      {"exponent", R"({"a":{"dtype":"U8","shape":[1e0],"data_offsets":[0,1]}})", "integers"},
      {"leading zero", R"({"a":{"dtype":"U8","shape":[01],"data_offsets":[0,1]}})",
       "leading zero"},
      {"number too big", R"({"a":{"dtype":"U8","shape":[18446744073709551616],)"
                         R"("data_offsets":[0,1]}})",
       "does not fit in 64 bits"},
      {"string dim", R"({"a":{"dtype":"U8","shape":["1"],"data_offsets":[0,1]}})", "integers"},
      {"shape not array", R"({"a":{"dtype":"U8","shape":1,"data_offsets":[0,1]}})",
       "shape is not an array"},
      {"dtype not string", R"({"a":{"dtype":8,"shape":[1],"data_offsets":[0,1]}})",
       "dtype is not a string"},
      {"one offset", R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[1]}})",
       "[begin, end]"},
      {"three offsets", R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,1]}})",
       "more than 2"},
      {"rank above 64", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1" + repeat(",1", 64) +
                            "],\"data_offsets\":[0,1]}}",
       "more than 64"},
      {"metadata not an object", R"({"__metadata__":[]})", "__metadata__ must be an object"},
      {"metadata number value", R"({"__metadata__":{"k":1}})", "is not a string"},
      {"metadata null value", R"({"__metadata__":{"k":null}})", "is not a string"},
      {"invalid UTF-8", "{\"\xC3\x28\":{" + ok_fields + "}}", "invalid UTF-8"},
      {"overlong UTF-8", "{\"\xC0\xAF\":{" + ok_fields + "}}", "invalid UTF-8"},
      {"UTF-8 surrogate", "{\"\xED\xA0\x80\":{" + ok_fields + "}}", "invalid UTF-8"},
      {"lone high surrogate", "{\"\\ud800\":{" + ok_fields + "}}", "unpaired surrogate"},
      {"lone low surrogate", "{\"\\udc00\":{" + ok_fields + "}}", "unpaired surrogate"},
      {"bad escape", "{\"\\x\":{" + ok_fields + "}}", "invalid escape"},
      {"bad hex escape", "{\"\\u12g4\":{" + ok_fields + "}}", "invalid \\u escape"},
      {"control character", "{\"a\tb\":{" + ok_fields + "}}", "control character"},
  };
  for (const BadHeader& c : cases) {
    EXPECT_TRUE(has_error(parse_status(make_file(c.header, pattern_bytes(1))),
                          StatusCode::kCorruptData, c.fragment))
        << c.what;
  }
}

TEST(SafetensorsMalformed, RankLimitCountsDimensionsNotBytes) {
  // Exactly 64 dimensions of 1 is a valid (if odd) tensor.
  const std::string shape = "[1" + repeat(",1", 63) + "]";
  const Bytes file = one_tensor("\"dtype\":\"U8\",\"shape\":" + shape + ",\"data_offsets\":[0,1]", 1);
  EXPECT_TRUE(parse_safetensors_header(file, file.size()).ok());
}

TEST(SafetensorsMalformed, LongNamesAreShortenedInMessages) {
  const std::string name(10000, 'n');
  const Bytes file = make_file("{\"" + name + "\":{\"dtype\":\"Q\",\"shape\":[],\"data_offsets\":[0,1]}}",
                               pattern_bytes(1));
  const Status s = parse_status(file);
  EXPECT_TRUE(has_error(s, StatusCode::kCorruptData, "unknown dtype"));
  EXPECT_LT(s.message().size(), 300u);
}

}  // namespace
}  // namespace kolmo::tensor
