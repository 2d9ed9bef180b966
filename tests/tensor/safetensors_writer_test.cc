// The streaming writer: range-by-range and chunked reconstruction, and refusal of misuse that
// would otherwise produce a silently different file.
#include <gtest/gtest.h>

#include "tensor/safetensors.h"
#include "tensor/safetensors_writer.h"
#include "tensor_test_util.h"

namespace kolmo::tensor {
namespace {

using testing::has_error;
using testing::make_file;
using testing::pattern_bytes;

// Gap [0,3), a [3,7), zero-size z at 7, gap [7,8), b [8,10), trailing gap [10,12).
Bytes file_with_gaps() {
  return make_file(
      R"({"b":{"dtype":"F16","shape":[1],"data_offsets":[8,10]},)"
      R"("z":{"dtype":"U8","shape":[0],"data_offsets":[7,7]},)"
      R"("a":{"dtype":"I32","shape":[],"data_offsets":[3,7]}}  )",
      pattern_bytes(12, 9));
}

SafetensorsHeader parse(const Bytes& file) {
  Expected<SafetensorsHeader> h = parse_safetensors_header(file, file.size());
  EXPECT_TRUE(h.ok()) << h.status().to_string();
  return h.ok() ? std::move(h).value() : SafetensorsHeader{};
}

TEST(SafetensorsWriter, RangeByRangeReproducesTheFile) {
  const Bytes file = file_with_gaps();
  const SafetensorsHeader h = parse(file);
  ASSERT_EQ(h.layout.size(), 6u);
  const ByteSpan data = ByteSpan(file).subspan(h.data_offset());
  MemorySink sink;
  SafetensorsWriter writer(h, sink);
  for (const DataRange& r : h.layout) {
    if (r.size == 0) continue;  // zero-size tensors have nothing to write
    ASSERT_TRUE(writer.write_range(data.subspan(r.offset, r.size)).ok());
  }
  EXPECT_EQ(writer.next_range(), h.layout.size());
  ASSERT_TRUE(writer.finish().ok());
  EXPECT_EQ(sink.bytes(), file);
}

TEST(SafetensorsWriter, AnyChunkingReproducesTheFile) {
  const Bytes file = file_with_gaps();
  const SafetensorsHeader h = parse(file);
  const ByteSpan data = ByteSpan(file).subspan(h.data_offset());
  for (std::size_t chunk = 1; chunk <= data.size(); ++chunk) {
    MemorySink sink;
    SafetensorsWriter writer(h, sink);
    for (std::size_t pos = 0; pos < data.size(); pos += chunk) {
      ASSERT_TRUE(writer.write_data(data.subspan(pos, std::min(chunk, data.size() - pos))).ok());
    }
    ASSERT_TRUE(writer.finish().ok());
    EXPECT_EQ(sink.bytes(), file) << "chunk " << chunk;
  }
}

// What an archive needs to store: the prefix and the file size give back the same layout.
TEST(SafetensorsWriter, PrefixAndFileSizeRebuildTheLayout) {
  const Bytes file = file_with_gaps();
  const SafetensorsHeader h = parse(file);
  const Bytes prefix = safetensors_prefix(h);
  EXPECT_TRUE(std::equal(prefix.begin(), prefix.end(), file.begin()));
  Expected<SafetensorsHeader> again = parse_safetensors_header(prefix, file.size());
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  ASSERT_EQ(again->layout.size(), h.layout.size());
  for (std::size_t i = 0; i < h.layout.size(); ++i) {
    EXPECT_EQ(again->layout[i].offset, h.layout[i].offset);
    EXPECT_EQ(again->layout[i].size, h.layout[i].size);
    EXPECT_EQ(again->layout[i].kind, h.layout[i].kind);
  }
}

TEST(SafetensorsWriter, WrongRangeSizeIsRefused) {
  const Bytes file = file_with_gaps();
  const SafetensorsHeader h = parse(file);
  MemorySink sink;
  SafetensorsWriter writer(h, sink);
  EXPECT_TRUE(has_error(writer.write_range(pattern_bytes(2)), StatusCode::kInvalidArgument,
                        "range 0 needs 3 bytes"));
}

TEST(SafetensorsWriter, ShortAndLongDataAreRefused) {
  const Bytes file = file_with_gaps();
  const SafetensorsHeader h = parse(file);
  MemorySink short_sink;
  SafetensorsWriter short_writer(h, short_sink);
  ASSERT_TRUE(short_writer.write_data(pattern_bytes(11)).ok());
  EXPECT_TRUE(has_error(short_writer.finish(), StatusCode::kInvalidArgument, "11 of 12"));

  MemorySink long_sink;
  SafetensorsWriter long_writer(h, long_sink);
  EXPECT_TRUE(has_error(long_writer.write_data(pattern_bytes(13)), StatusCode::kInvalidArgument,
                        "past the data section"));
  EXPECT_FALSE(assemble_safetensors(h, pattern_bytes(11)).ok());
}

TEST(SafetensorsWriter, NoRangeAfterTheLast) {
  const Bytes file = make_file(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})",
                               pattern_bytes(1));
  const SafetensorsHeader h = parse(file);
  MemorySink sink;
  SafetensorsWriter writer(h, sink);
  ASSERT_TRUE(writer.write_range(pattern_bytes(1)).ok());
  EXPECT_TRUE(has_error(writer.write_range(pattern_bytes(1)), StatusCode::kInvalidArgument,
                        "already written"));
}

TEST(SafetensorsBuilder, RefusesInconsistentTensors) {
  const auto build = [](std::vector<TensorSpec> t) { return build_safetensors(t).status(); };
  EXPECT_TRUE(has_error(build({{"a", DType::kF32, {2}, pattern_bytes(7)}}),
                        StatusCode::kInvalidArgument, "need 8"));
  EXPECT_TRUE(has_error(build({{"a", DType::kU8, {}, pattern_bytes(1)},
                               {"a", DType::kU8, {}, pattern_bytes(1)}}),
                        StatusCode::kInvalidArgument, "duplicate name"));
  EXPECT_TRUE(has_error(build({{"__metadata__", DType::kU8, {}, pattern_bytes(1)}}),
                        StatusCode::kInvalidArgument, "reserved"));
  EXPECT_TRUE(has_error(build({{"\xFF", DType::kU8, {}, pattern_bytes(1)}}),
                        StatusCode::kInvalidArgument, "UTF-8"));
  EXPECT_TRUE(has_error(build_safetensors({}, {{{"k", "1"}, {"k", "2"}}}).status(),
                        StatusCode::kInvalidArgument, "duplicate __metadata__ key"));
}

TEST(SafetensorsBuilder, ControlCharactersInNamesSurviveTheRoundTrip) {
  std::string name = "x";
  for (char c = 1; c < 0x20; ++c) name += c;
  name += "\"\\\x7F\xC3\xA9";
  Expected<Bytes> file = build_safetensors(
      std::vector<TensorSpec>{{name, DType::kU8, {1}, pattern_bytes(1)}}, {{{name, name}}});
  ASSERT_TRUE(file.ok());
  const SafetensorsHeader h = parse(*file);
  ASSERT_EQ(h.tensors.size(), 1u);
  EXPECT_EQ(h.tensors[0].name, name);
  EXPECT_EQ(h.metadata[0].second, name);
}

}  // namespace
}  // namespace kolmo::tensor
