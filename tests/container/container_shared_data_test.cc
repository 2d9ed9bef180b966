// Round trips of the real files in ../shared/data (skipped when absent).
#include <gtest/gtest.h>

#include "kmo_test_util.h"
#include "kolmo/container.h"
#include "test_data.h"

namespace kolmo {
namespace {

TEST(ContainerSharedData, TextAndLogsRoundTripWithZstd) {
  KOLMO_REQUIRE_DATA(data);
  int files = 0;
  for (const char* dir : {"text", "logs"}) {
    for (const auto& path : testing::files_below(data / dir)) {
      const Bytes input = testing::read_file(path);
      Bytes first;
      for (unsigned threads : {1u, 2u}) {
        CompressOptions opts = testing::options("zstd", 1 << 20, threads);
        Expected<Bytes> file = compress_buffer(input, opts);
        ASSERT_TRUE(file.ok()) << path << ": " << file.status().to_string();
        if (threads == 1) first = *file;
        EXPECT_EQ(*file, first) << path << ": output depends on the thread count";
        DecompressOptions d;
        d.threads = threads;
        Expected<Bytes> back = decompress_buffer(*file, d);
        ASSERT_TRUE(back.ok()) << path << ": " << back.status().to_string();
        EXPECT_TRUE(*back == input) << path << ": round trip changed the content";
      }
      ++files;
    }
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace kolmo
