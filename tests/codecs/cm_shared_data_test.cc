// cm on the real text files of ../shared/data (skipped when absent): the slower levels on the
// small files, to keep the suite's time modest. Every file at the fast level is covered through the
// CLI by Codecs/CliSharedDataTest.EveryFileRoundTrips/cm (cm:1, -T 1 and -T 2); the full matrix is
// a manual check, see docs/cm.md.
#include <gtest/gtest.h>

#include <filesystem>

#include "cm_test_util.h"
#include "test_data.h"

namespace kolmo {
namespace {

void expect_round_trip(const std::filesystem::path& path, int level) {
  const Bytes input = testing::read_file(path);
  const EncodedBlock block = cm_test::encode(input, level);
  Bytes out(input.size());
  const Status s = cm_test::decode(block, out);
  ASSERT_TRUE(s.ok()) << path << " level " << level << ": " << s.to_string();
  EXPECT_TRUE(out == input) << path << " level " << level;
}

TEST(CmSharedData, SmallTextFilesRoundTripAtLevels5And9) {
  KOLMO_REQUIRE_DATA(data);
  int files = 0;
  for (const auto& path : testing::files_below(data / "text" / "canterbury")) {
    if (std::filesystem::file_size(path) > 160000) continue;
    for (int level : {5, 9}) expect_round_trip(path, level);
    ++files;
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace kolmo
