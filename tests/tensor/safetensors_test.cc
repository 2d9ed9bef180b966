// Parsing valid safetensors files and restoring them byte for byte: canonical files from the
// builder, and hand-made ones with gaps, JSON order different from file order, zero-size and
// scalar tensors, whitespace, escapes and padding.
#include <gtest/gtest.h>

#include "tensor/safetensors.h"
#include "tensor/safetensors_writer.h"
#include "tensor_test_util.h"

namespace kolmo::tensor {
namespace {

using testing::make_file;
using testing::pattern_bytes;

// Parses file, rewrites it from the header and its data section, and checks identity.
SafetensorsHeader parse_and_check_round_trip(const Bytes& file) {
  Expected<SafetensorsHeader> header = parse_safetensors_header(file, file.size());
  EXPECT_TRUE(header.ok()) << header.status().to_string();
  if (!header.ok()) return {};
  EXPECT_EQ(header->file_size(), file.size());
  const ByteSpan data = ByteSpan(file).subspan(header->data_offset());
  Expected<Bytes> back = assemble_safetensors(*header, data);
  EXPECT_TRUE(back.ok()) << back.status().to_string();
  if (back.ok()) {
    EXPECT_EQ(*back, file);
  }
  return std::move(header).value();
}

std::vector<TensorSpec> sample_tensors() {
  std::vector<TensorSpec> t;
  t.push_back({"embed.weight", DType::kBF16, {4, 3}, pattern_bytes(24, 1)});
  t.push_back({"scale", DType::kF32, {}, pattern_bytes(4, 2)});           // scalar
  t.push_back({"empty", DType::kF16, {0, 5}, {}});                        // zero-size
  t.push_back({"ids", DType::kI64, {3}, pattern_bytes(24, 3)});
  t.push_back({"mask", DType::kBool, {5}, pattern_bytes(5, 4)});
  t.push_back({"fp8", DType::kF8_E4M3, {2, 2}, pattern_bytes(4, 5)});
  return t;
}

TEST(Safetensors, BuiltFileParsesWithEveryField) {
  const std::vector<TensorSpec> specs = sample_tensors();
  const std::vector<std::pair<std::string, std::string>> metadata = {{"format", "pt"},
                                                                     {"note", "a \"quoted\"\n"}};
  Expected<Bytes> file = build_safetensors(specs, metadata);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  const SafetensorsHeader h = parse_and_check_round_trip(*file);

  EXPECT_TRUE(h.has_metadata);
  EXPECT_EQ(h.metadata, metadata);
  EXPECT_EQ(h.header_bytes.size() % 8, 0u);  // padded to alignment
  EXPECT_LE(h.json_size, h.header_bytes.size());
  EXPECT_EQ(h.header_bytes[h.json_size - 1], '}');
  EXPECT_TRUE(h.fully_covered());
  ASSERT_EQ(h.tensors.size(), specs.size());
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const TensorInfo& t = h.tensors[h.json_order[i]];
    EXPECT_EQ(t.name, specs[i].name);
    EXPECT_EQ(t.dtype, specs[i].dtype);
    EXPECT_EQ(t.shape, specs[i].shape);
    EXPECT_EQ(t.size, specs[i].data.size());
    EXPECT_EQ(t.offset, offset);
    const ByteSpan bytes = ByteSpan(*file).subspan(h.data_offset() + t.offset, t.size);
    EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), specs[i].data.begin()));
    offset += t.size;
  }
  EXPECT_EQ(h.data_size, offset);
  EXPECT_EQ(h.tensor_bytes(), offset);
  EXPECT_EQ(h.tensors[h.find("scale")].element_count(), 1u);
  EXPECT_EQ(h.find("missing"), -1);
}

TEST(Safetensors, BuilderWritesTheReferenceJson) {
  const std::vector<TensorSpec> specs = {{"a", DType::kF32, {2}, pattern_bytes(8)},
                                         {"b\t", DType::kU8, {}, pattern_bytes(1)}};
  Expected<Bytes> file = build_safetensors(specs, {{{"format", "pt"}}});
  ASSERT_TRUE(file.ok());
  const std::string json =
      "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
      "\"data_offsets\":[0,8]},\"b\\t\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[8,9]}}";
  const std::size_t padded = (json.size() + 7) / 8 * 8;
  ASSERT_EQ(file->size(), 8 + padded + 9);
  EXPECT_EQ(load_le64(file->data()), padded);
  EXPECT_EQ(std::string(file->begin() + 8, file->begin() + 8 + json.size()), json);
  EXPECT_EQ(std::string(file->begin() + 8 + json.size(), file->begin() + 8 + padded),
            std::string(padded - json.size(), ' '));
}

TEST(Safetensors, NoMetadataAndEmptyMetadataDiffer) {
  const std::vector<TensorSpec> specs = {{"x", DType::kU8, {1}, pattern_bytes(1)}};
  Expected<Bytes> without = build_safetensors(specs);
  Expected<Bytes> empty = build_safetensors(specs, std::vector<std::pair<std::string, std::string>>{});
  ASSERT_TRUE(without.ok() && empty.ok());
  EXPECT_FALSE(parse_and_check_round_trip(*without).has_metadata);
  const SafetensorsHeader h = parse_and_check_round_trip(*empty);
  EXPECT_TRUE(h.has_metadata);
  EXPECT_TRUE(h.metadata.empty());
}

TEST(Safetensors, GapsAreRecordedAndRestored) {
  // 2 bytes of gap, a [2,4), 3 bytes of gap, b [7,9), 4 trailing bytes.
  const std::string json =
      R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]},)"
      R"("b":{"dtype":"I16","shape":[1],"data_offsets":[7,9]}})";
  const Bytes file = make_file(json + "   ", pattern_bytes(13));
  const SafetensorsHeader h = parse_and_check_round_trip(file);
  EXPECT_FALSE(h.fully_covered());
  ASSERT_EQ(h.layout.size(), 5u);
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> expected = {
      {0, 2}, {2, 2}, {4, 3}, {7, 2}, {9, 4}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(h.layout[i].offset, expected[i].first) << i;
    EXPECT_EQ(h.layout[i].size, expected[i].second) << i;
    EXPECT_EQ(h.layout[i].is_tensor(), i % 2 == 1) << i;
  }
  EXPECT_EQ(h.tensors[h.layout[3].tensor].name, "b");
  EXPECT_EQ(h.json_size, json.size());
  EXPECT_EQ(h.header_bytes.size(), json.size() + 3);
}

TEST(Safetensors, FileOrderAndJsonOrderAreBothKept) {
  const std::string json =
      R"({"late":{"dtype":"U8","shape":[4],"data_offsets":[4,8]},)"
      R"("__metadata__":{},)"
      R"("early":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})";
  const SafetensorsHeader h = parse_and_check_round_trip(make_file(json, pattern_bytes(8)));
  ASSERT_EQ(h.tensors.size(), 2u);
  EXPECT_EQ(h.tensors[0].name, "early");
  EXPECT_EQ(h.tensors[1].name, "late");
  EXPECT_EQ(h.json_order, (std::vector<std::size_t>{1, 0}));
}

TEST(Safetensors, ZeroSizeTensorsSitBetweenOthers) {
  const std::string json =
      R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
      R"("z_end":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
      R"("z_start":{"dtype":"BF16","shape":[3,0],"data_offsets":[0,0]},)"
      R"("c":{"dtype":"U16","shape":[1],"data_offsets":[4,6]}})";
  const SafetensorsHeader h = parse_and_check_round_trip(make_file(json, pattern_bytes(6)));
  std::vector<std::string> names;
  for (const DataRange& r : h.layout) {
    ASSERT_TRUE(r.is_tensor());
    names.push_back(h.tensors[r.tensor].name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"z_start", "b", "z_end", "c"}));
  EXPECT_TRUE(h.fully_covered());
}

TEST(Safetensors, WhitespaceAndEscapesAreAccepted) {
  const std::string json =
      "{\n  \"caf\\u00e9\\n\\ud83d\\ude00/\" : {\"shape\" : [ 1 , 2 ] ,\r\n"
      "\t\"data_offsets\":[0,2], \"dtype\":\"I8\"},\n"
      "  \"__metadata__\": {\"k\\\"\": \"v\\\\\"}\n}";
  const SafetensorsHeader h = parse_and_check_round_trip(make_file(json + "  ", pattern_bytes(2)));
  ASSERT_EQ(h.tensors.size(), 1u);
  EXPECT_EQ(h.tensors[0].name, "caf\xC3\xA9\n\xF0\x9F\x98\x80/");
  EXPECT_EQ(h.tensors[0].shape, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(h.metadata[0], (std::pair<std::string, std::string>{"k\"", "v\\"}));
}

TEST(Safetensors, EmptyHeaderCoversDataWithOneGap) {
  const SafetensorsHeader none = parse_and_check_round_trip(make_file("{}      "));
  EXPECT_TRUE(none.layout.empty());
  EXPECT_TRUE(none.fully_covered());
  const SafetensorsHeader gap = parse_and_check_round_trip(make_file("{}", pattern_bytes(5)));
  ASSERT_EQ(gap.layout.size(), 1u);
  EXPECT_FALSE(gap.layout[0].is_tensor());
  EXPECT_EQ(gap.layout[0].size, 5u);
}

TEST(Safetensors, ReadingFromASourceMatchesParsingBytes) {
  Expected<Bytes> file = build_safetensors(sample_tensors(), {{{"a", "b"}}});
  ASSERT_TRUE(file.ok());
  MemorySource source(*file);
  Expected<SafetensorsHeader> from_source = read_safetensors_header(source);
  ASSERT_TRUE(from_source.ok()) << from_source.status().to_string();
  const SafetensorsHeader from_bytes = parse_and_check_round_trip(*file);
  EXPECT_EQ(from_source->header_bytes, from_bytes.header_bytes);
  EXPECT_EQ(from_source->data_size, from_bytes.data_size);
  EXPECT_EQ(from_source->tensors.size(), from_bytes.tensors.size());
}

TEST(Safetensors, HeaderPrefixOfTheFileIsEnough) {
  Expected<Bytes> file = build_safetensors(sample_tensors());
  ASSERT_TRUE(file.ok());
  const std::uint64_t n = load_le64(file->data());
  Expected<SafetensorsHeader> h =
      parse_safetensors_header(ByteSpan(*file).first(8 + n), file->size());
  ASSERT_TRUE(h.ok()) << h.status().to_string();
  EXPECT_EQ(h->file_size(), file->size());
}

TEST(DType, NamesAndSizesRoundTrip) {
  for (const DTypeInfo& info : kDTypes) {
    EXPECT_EQ(parse_dtype(info.name), info.dtype);
    EXPECT_EQ(dtype_name(info.dtype), info.name);
  }
  EXPECT_EQ(dtype_size(DType::kBF16), 2u);
  EXPECT_EQ(dtype_size(DType::kF64), 8u);
  EXPECT_EQ(dtype_size(DType::kF8_E5M2), 1u);
  EXPECT_EQ(parse_dtype("bf16"), std::nullopt);  // names are case-sensitive
  EXPECT_EQ(parse_dtype("F4"), std::nullopt);
}

}  // namespace
}  // namespace kolmo::tensor
