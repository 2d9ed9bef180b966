// Real data through the real binary: every file under shared/data/text and shared/data/logs
// round-trips byte-identically through each codec: compressed with -T 1 and -T 2 (identical
// archives) and from stdin, decompressed with -T 1 and from stdin to stdout with -T 2. One test
// per codec, so that ctest can run them side by side.
#include "cli/cli_harness.h"
#include "kolmo/codec.h"
#include "test_data.h"

namespace kolmo::cli_test {
namespace {

class CliSharedDataTest : public CliTest, public ::testing::WithParamInterface<std::string> {
 protected:
  struct Sample {
    std::string name;  // flat name inside the test directory
    fs::path source;
    std::uint64_t size = 0;
    std::uint64_t hash = 0;
  };

  // statesmix trains a neural model on every token (about 2 KB/s here): over all ~40 MB of
  // samples this test would run for days, so it takes the small files only. Its whole-corpus
  // round trip is a long run of its own (docs/statesmix.md).
  static std::uint64_t max_sample_bytes(const std::string& codec) {
    return codec == "statesmix" ? 8 * 1024 : ~std::uint64_t{0};
  }
  // The log codec takes every log, and of the (non-log) text only files up to 256 KiB: enough to
  // show that prose and binaries survive its line model without coding 28 MB of books.
  static std::uint64_t max_text_bytes(const std::string& codec) {
    return codec == "log" ? 256 * 1024 : ~std::uint64_t{0};
  }
  // The spec each codec runs with: cm's fastest level (~1 MB/s), since its default level
  // (~240 KB/s) would take ten minutes over the 33 MB here five times over; cm's own tests
  // (CmSharedData) cover the other levels.
  static std::string spec_for(const std::string& codec) {
    return codec == "cm" ? "cm:1" : codec;
  }

  // Copies the data in: outputs go beside their inputs, and shared/data is read-only.
  std::vector<Sample> copy_samples(const fs::path& data, std::uint64_t max_bytes,
                                   std::uint64_t max_text) {
    std::vector<Sample> samples;
    for (const char* sub : {"text", "logs"}) {
      for (const fs::path& p : ::kolmo::testing::files_below(data / sub)) {
        const std::uint64_t size = fs::file_size(p);
        if (size > max_bytes || (std::string(sub) == "text" && size > max_text)) continue;
        Sample s;
        s.name = std::string("f").append(std::to_string(samples.size()));
        s.source = p;
        const std::string content = read_file(p);
        s.size = content.size();
        s.hash = hash_of(content);
        write(s.name, content);
        samples.push_back(std::move(s));
      }
    }
    return samples;
  }
};

TEST_P(CliSharedDataTest, EveryFileRoundTrips) {
  KOLMO_REQUIRE_DATA(data);
  const std::string codec = spec_for(GetParam());
  const std::vector<Sample> samples =
      copy_samples(data, max_sample_bytes(codec), max_text_bytes(codec));
  ASSERT_FALSE(samples.empty());

  std::vector<std::string> inputs, archives;
  for (const Sample& s : samples) {
    inputs.push_back(s.name);
    archives.push_back(s.name + ".kmo");
  }
  // Compression with -T 1 and -T 2 must give identical archives.
  std::vector<std::uint64_t> archive_hashes;
  for (const char* threads : {"1", "2"}) {
    SCOPED_TRACE(std::string("-T ") + threads);
    std::vector<std::string> args = {"-q", "-f", "-T", threads, "--codec", codec};
    args.insert(args.end(), inputs.begin(), inputs.end());
    const RunResult packed = kolmo(args);
    if (!packed.ok() && packed.err.find("not built yet") != std::string::npos) {
      GTEST_SKIP() << codec << " is not built yet";
    }
    ASSERT_TRUE(packed.ok()) << packed.err;
    std::vector<std::uint64_t> hashes;
    for (const std::string& a : archives) hashes.push_back(hash_of(read(a)));
    if (archive_hashes.empty()) archive_hashes = hashes;
    EXPECT_EQ(hashes, archive_hashes) << "archives differ between -T 1 and -T 2";
  }

  // Decompression with -T 1: all archives to stdout in one run, the originals back to back.
  std::vector<std::string> unpack = {"-q", "-d", "-c", "-T", "1"};
  unpack.insert(unpack.end(), archives.begin(), archives.end());
  const RunResult unpacked = kolmo(unpack);
  ASSERT_TRUE(unpacked.ok()) << unpacked.err;
  std::uint64_t offset = 0;
  for (const Sample& s : samples) {
    ASSERT_LE(offset + s.size, unpacked.out.size()) << s.source;
    EXPECT_EQ(hash_of(unpacked.out.substr(offset, s.size)), s.hash) << s.source;
    offset += s.size;
  }
  EXPECT_EQ(offset, unpacked.out.size());

  // stdin to stdout both ways, with -T 2. Each pass over the data costs real time with slow
  // codecs, so a stdin archive identical to the file's is not decoded a second time.
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const Sample& s = samples[i];
    const RunResult packed = kolmo({"-q", "-T", "2", "--codec", codec}, stdin_file(path(s.name)));
    ASSERT_TRUE(packed.ok()) << s.source << ": " << packed.err;
    if (hash_of(packed.out) != archive_hashes[i]) {
      const RunResult back = kolmo({"-q", "-d", "-T", "2"}, stdin_bytes(packed.out));
      ASSERT_TRUE(back.ok()) << s.source << ": " << back.err;
      EXPECT_EQ(hash_of(back.out), s.hash) << s.source << " (archive made from stdin)";
    }
    const RunResult back = kolmo({"-q", "-d", "-T", "2"}, stdin_file(path(archives[i])));
    ASSERT_TRUE(back.ok()) << s.source << ": " << back.err;
    EXPECT_EQ(back.out.size(), s.size) << s.source;
    EXPECT_EQ(hash_of(back.out), s.hash) << s.source;
  }
}

// Every codec in the registry, so that a new codec is covered the day it is registered.
std::vector<std::string> registered_codecs() {
  std::vector<std::string> names;
  for (const CodecInfo& c : all_codecs()) names.emplace_back(c.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Codecs, CliSharedDataTest, ::testing::ValuesIn(registered_codecs()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace kolmo::cli_test
