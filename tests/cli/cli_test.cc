// The kolmo command line, driven as a user would: round trips, refusals, --rm, metadata, -l/-t.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <regex>
#include <sstream>

#include "cli/cli_harness.h"

namespace kolmo::cli_test {
namespace {


::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << part << "' not found in: " << text;
}

::testing::AssertionResult starts_with(const std::string& text, const std::string& prefix) {
  if (text.rfind(prefix, 0) == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not start with '" << prefix << "'";
}

// Exactly one stderr line, naming the file: the CLI's promise for a failing file.
void expect_one_error_about(const RunResult& r, const std::string& name, const std::string& what) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const std::vector<std::string> lines = r.err_lines();
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_TRUE(starts_with(lines[0], "kolmo: " + name + ": "));
  EXPECT_TRUE(contains(lines[0], what));
}

TEST_F(CliTest, FileRoundTripGivesIdenticalArchivesForAnyThreadCount) {
  const std::string data = sample_data(300000);
  write("a.bin", data);
  ASSERT_TRUE(kolmo({"-T", "1", "--block-size", "16K", "a.bin"}).ok());
  const std::string one_thread = read("a.bin.kmo");
  ASSERT_FALSE(one_thread.empty());
  const RunResult two = kolmo({"-T", "2", "--block-size", "16K", "-f", "a.bin"});
  ASSERT_TRUE(two.ok()) << two.err;
  EXPECT_EQ(read("a.bin.kmo"), one_thread);
  EXPECT_EQ(read("a.bin"), data) << "the input is kept by default";

  fs::remove(path("a.bin"));
  const RunResult back = kolmo({"-d", "-T", "2", "a.bin.kmo"});
  ASSERT_TRUE(back.ok()) << back.err;
  EXPECT_EQ(read("a.bin"), data);
  EXPECT_TRUE(exists("a.bin.kmo"));
  EXPECT_EQ(entries(dir_), (std::vector<std::string>{"a.bin", "a.bin.kmo"}));
}

TEST_F(CliTest, StdinStdoutRoundTrip) {
  const std::string data = sample_data(200000, 7);
  std::string first;
  for (const char* threads : {"1", "2"}) {
    const RunResult packed = kolmo({"-T", threads, "--block-size", "32K"}, stdin_bytes(data));
    ASSERT_TRUE(packed.ok()) << packed.err;
    EXPECT_TRUE(packed.err.empty()) << packed.err;
    if (first.empty()) first = packed.out;
    EXPECT_EQ(packed.out, first) << "output must not depend on the thread count";
    const RunResult unpacked = kolmo({"-d", "-T", threads, "-"}, stdin_bytes(packed.out));
    ASSERT_TRUE(unpacked.ok()) << unpacked.err;
    EXPECT_EQ(hash_of(unpacked.out), hash_of(data));
  }
  // -c with a file, and "-o -", also write to stdout.
  write("a.bin", data);
  const RunResult to_stdout = kolmo({"-c", "a.bin"});
  ASSERT_TRUE(to_stdout.ok()) << to_stdout.err;
  const RunResult dash_o = kolmo({"-d", "-o", "-"}, stdin_bytes(to_stdout.out));
  ASSERT_TRUE(dash_o.ok()) << dash_o.err;
  EXPECT_EQ(dash_o.out, data);
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"a.bin"});
}

TEST_F(CliTest, EveryListedCodecRoundTrips) {
  const std::vector<std::string> codecs = listed_codecs();
  for (const char* required : {"store", "zstd", "o2"}) {
    EXPECT_NE(std::find(codecs.begin(), codecs.end(), required), codecs.end()) << required;
  }
  const std::string data = sample_data(100000, 3);
  write("a.bin", data);
  for (const std::string& codec : codecs) {
    SCOPED_TRACE(codec);
    const RunResult one = kolmo({"--codec", codec, "-T", "1", "--block-size", "20K", "-o",
                                 codec + "1.kmo", "a.bin"});
    if (!one.ok() && one.err.find("not built yet") != std::string::npos) {
      std::printf("[ note ] codec %s is not built yet; skipped\n", codec.c_str());
      continue;
    }
    ASSERT_TRUE(one.ok()) << one.err;
    const RunResult two = kolmo({"--codec", codec, "-T", "2", "--block-size", "20K", "-o",
                                 codec + "2.kmo", "a.bin"});
    ASSERT_TRUE(two.ok()) << two.err;
    EXPECT_EQ(read(codec + "1.kmo"), read(codec + "2.kmo"));
    const RunResult listed = kolmo({"-l", codec + "1.kmo"});
    ASSERT_TRUE(listed.ok()) << listed.err;
    EXPECT_TRUE(contains(listed.out, codec));
    const RunResult back = kolmo({"-d", "-c", codec + "2.kmo"});
    ASSERT_TRUE(back.ok()) << back.err;
    EXPECT_EQ(hash_of(back.out), hash_of(data));
  }
}

TEST_F(CliTest, VersionAndCodecList) {
  const RunResult v = kolmo({"-V"});
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(starts_with(v.out, "kolmo 0.1.0 (.kmo format 1.0)\n"));
  EXPECT_TRUE(contains(v.out, "zstd"));
  const RunResult listed = kolmo({"--list-codecs"});
  const RunResult word = kolmo({"codecs"});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed.out, word.out);
  EXPECT_TRUE(contains(listed.out, "store"));
  const RunResult help = kolmo({"--help"});
  EXPECT_TRUE(help.ok());
  EXPECT_TRUE(contains(help.out, "--decompress"));
}

TEST_F(CliTest, LevelsAreAcceptedAndBadLevelsRefused) {
  const std::string data = sample_data(50000);
  write("a.bin", data);
  for (const char* level : {"-1", "-9"}) {
    const RunResult r = kolmo({level, "-f", "a.bin"});
    ASSERT_TRUE(r.ok()) << level << ": " << r.err;
    EXPECT_EQ(kolmo({"-d", "-c", "a.bin.kmo"}).out, data);
  }
  fs::remove(path("a.bin.kmo"));
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"-12", "a.bin"}, {"--level", "10", "a.bin"}}) {
    const RunResult r = kolmo(args);
    EXPECT_EQ(r.exit_code, 1) << args[0];
    EXPECT_TRUE(contains(r.err, "level"));
    EXPECT_FALSE(exists("a.bin.kmo"));
  }
}

TEST_F(CliTest, ExistingOutputNeedsForce) {
  write("a.bin", sample_data(10000));
  write("a.bin.kmo", "precious");
  expect_one_error_about(kolmo({"a.bin"}), "a.bin.kmo", "already exists; use -f to overwrite");
  EXPECT_EQ(read("a.bin.kmo"), "precious");

  const RunResult forced = kolmo({"-f", "a.bin"});
  ASSERT_TRUE(forced.ok()) << forced.err;
  EXPECT_EQ(kolmo({"-d", "-c", "a.bin.kmo"}).out, read("a.bin"));

  // Decompression refuses to overwrite too.
  expect_one_error_about(kolmo({"-d", "a.bin.kmo"}), "a.bin", "already exists");
}

TEST_F(CliTest, UnknownCodecIsRefused) {
  write("a.bin", "hello");
  const RunResult r = kolmo({"--codec", "nosuch", "a.bin"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "unknown codec 'nosuch'"));
  EXPECT_FALSE(exists("a.bin.kmo"));
  const RunResult bad_options = kolmo({"--codec", "zstd:99", "a.bin"});
  EXPECT_EQ(bad_options.exit_code, 1);
  EXPECT_TRUE(contains(bad_options.err, "zstd"));
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"a.bin"});
}

TEST_F(CliTest, MissingInputIsReportedAndOtherFilesStillProcessed) {
  write("a.bin", "hello hello hello");
  const RunResult r = kolmo({"nothere", "a.bin"});
  expect_one_error_about(r, "nothere", "No such file or directory");
  EXPECT_TRUE(exists("a.bin.kmo"));
}

TEST_F(CliTest, DirectoryInputIsRefused) {
  fs::create_directory(path("sub"));
  expect_one_error_about(kolmo({"sub"}), "sub", "is a directory");
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"sub"});
}

TEST_F(CliTest, DecompressNeedsKmoSuffixOrExplicitOutput) {
  write("a.bin", "hello");
  ASSERT_TRUE(kolmo({"-c", "a.bin"}).ok());
  expect_one_error_about(kolmo({"-d", "a.bin"}), "a.bin", "unknown suffix");
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"a.bin"});
  // With -o the name does not matter.
  write("packed", kolmo({"-c", "a.bin"}).out);
  const RunResult r = kolmo({"-d", "-o", "plain", "packed"});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(read("plain"), "hello");
}

TEST_F(CliTest, OutputOptionTakesOneInput) {
  write("a.bin", "a");
  write("b.bin", "b");
  const RunResult r = kolmo({"-o", "x.kmo", "a.bin", "b.bin"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "-o"));
  EXPECT_EQ(entries(dir_), (std::vector<std::string>{"a.bin", "b.bin"}));
}

TEST_F(CliTest, GarbageInputFailsCleanly) {
  write("junk.kmo", sample_data(3000, 99));
  write("empty.kmo", "");
  for (const char* name : {"junk.kmo", "empty.kmo"}) {
    expect_one_error_about(kolmo({"-d", name}), name, "");
    expect_one_error_about(kolmo({"-t", name}), name, "");
    expect_one_error_about(kolmo({"-l", name}), name, "");
  }
  EXPECT_EQ(entries(dir_), (std::vector<std::string>{"empty.kmo", "junk.kmo"}));
  expect_one_error_about(kolmo({"-d"}, stdin_bytes("not an archive")), "(stdin)", "");
  expect_one_error_about(kolmo({"-d", "-o", "out", "-"}, stdin_bytes("not an archive")), "(stdin)",
                         "");
  EXPECT_FALSE(exists("out"));
}

TEST_F(CliTest, RmRemovesInputOnlyAfterSuccess) {
  const std::string data = sample_data(40000);
  write("a.bin", data);
  ASSERT_TRUE(kolmo({"--rm", "a.bin"}).ok());
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"a.bin.kmo"});
  const RunResult back = kolmo({"-d", "--rm", "a.bin.kmo"});
  ASSERT_TRUE(back.ok()) << back.err;
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"a.bin"});
  EXPECT_EQ(read("a.bin"), data);
}

TEST_F(CliTest, RmKeepsInputWhenOutputCannotBeWritten) {
  // Tests run as root, so permissions cannot block writing: use impossible paths instead.
  const std::string data = sample_data(40000);
  write("a.bin", data);
  write("blocker", "a file where a directory is expected");
  for (const char* target : {"missing/a.kmo", "blocker/a.kmo"}) {
    const RunResult r = kolmo({"--rm", "-o", target, "a.bin"});
    expect_one_error_about(r, target, "");
    EXPECT_EQ(read("a.bin"), data) << target;
  }
  ASSERT_TRUE(kolmo({"a.bin"}).ok());
  for (const char* target : {"missing/a.bin", "blocker/a.bin"}) {
    const RunResult r = kolmo({"-d", "--rm", "-o", target, "a.bin.kmo"});
    expect_one_error_about(r, target, "");
    EXPECT_TRUE(exists("a.bin.kmo")) << target;
  }
  write("junk.kmo", "garbage");
  EXPECT_EQ(kolmo({"-d", "--rm", "junk.kmo"}).exit_code, 1);
  EXPECT_EQ(read("junk.kmo"), "garbage");
  EXPECT_EQ(entries(dir_), (std::vector<std::string>{"a.bin", "a.bin.kmo", "blocker", "junk.kmo"}));
}

TEST_F(CliTest, OutputKeepsModeAndModificationTime) {
  write("a.bin", sample_data(5000));
  ASSERT_EQ(::chmod(path("a.bin").c_str(), 0640), 0);
  const struct timespec times[2] = {{1000000000, 0}, {1000000123, 456000000}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path("a.bin").c_str(), times, 0), 0);
  ASSERT_TRUE(kolmo({"a.bin"}).ok());
  fs::remove(path("a.bin"));
  ASSERT_TRUE(kolmo({"-d", "a.bin.kmo"}).ok());
  for (const char* name : {"a.bin.kmo", "a.bin"}) {
    struct stat st {};
    ASSERT_EQ(::stat(path(name).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u) << name;
    EXPECT_EQ(st.st_mtim.tv_sec, 1000000123) << name;
    EXPECT_EQ(st.st_mtim.tv_nsec, 456000000) << name;
  }
}

TEST_F(CliTest, ListShowsEveryBlockAndTestAcceptsGoodFile) {
  write("a.bin", sample_data(5000));
  ASSERT_TRUE(kolmo({"--block-size", "1K", "a.bin"}).ok());
  const RunResult list = kolmo({"-l", "a.bin.kmo"});
  ASSERT_TRUE(list.ok()) << list.err;
  EXPECT_TRUE(std::regex_search(list.out, std::regex(R"(\n\s+5\s+zstd\s+[\d,]+\s+5,000\s+.*a\.bin\.kmo)")))
      << list.out;
  const RunResult blocks = kolmo({"-l", "-v", "a.bin.kmo"});
  ASSERT_TRUE(blocks.ok()) << blocks.err;
  int block_rows = 0;
  std::istringstream lines(blocks.out);
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_match(line, std::regex(R"(\s+\d+\s+zstd\s+[\d,]+\s+[\d,]+\s+[\d,]+)"))) {
      ++block_rows;
    }
  }
  EXPECT_EQ(block_rows, 5) << blocks.out;

  const RunResult test = kolmo({"-t", "a.bin.kmo"});
  EXPECT_TRUE(test.ok()) << test.err;
  EXPECT_TRUE(test.err.empty());
  EXPECT_EQ(entries(dir_), (std::vector<std::string>{"a.bin", "a.bin.kmo"}));
}

TEST_F(CliTest, VerboseSummaryLine) {
  write("a.bin", sample_data(100000));
  const RunResult r = kolmo({"-v", "a.bin"});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_TRUE(std::regex_match(
      r.err, std::regex(R"(a\.bin: 100,000 -> [\d,]+ bytes \(\d+\.\d{3}x, \d+\.\d{2} bpb\) in \d+\.\d{2} s\n)")))
      << r.err;
  const RunResult quiet = kolmo({"-q", "-f", "a.bin"});
  EXPECT_TRUE(quiet.ok());
  EXPECT_TRUE(quiet.err.empty()) << quiet.err;
}

TEST_F(CliTest, MemoryLimitIsEnforced) {
  write("a.bin", sample_data(20000));
  ASSERT_TRUE(kolmo({"--block-size", "4K", "a.bin"}).ok());
  fs::remove(path("a.bin"));
  expect_one_error_about(kolmo({"-t", "--memory", "1K", "a.bin.kmo"}), "a.bin.kmo", "memory");
  expect_one_error_about(kolmo({"-d", "--memory", "1K", "a.bin.kmo"}), "a.bin.kmo", "memory");
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"a.bin.kmo"});
  EXPECT_TRUE(kolmo({"-t", "--memory", "1M", "a.bin.kmo"}).ok());
}

// `kolmo bench` belongs to the benchmark harness: the CLI's own parser must not see it.
TEST_F(CliTest, BenchIsDispatchedBeforeOptionParsing) {
  const RunResult r = kolmo({"bench", "--help"});
  EXPECT_FALSE(contains(r.out, "kolmo: compress and decompress .kmo files")) << r.out;
  EXPECT_FALSE(contains(r.err, "Try 'kolmo --help'")) << r.err;
}

// Compressed bytes must not be sprayed over a terminal unless forced (zstd does the same).
TEST_F(CliTest, CompressedOutputToTerminalNeedsForce) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const std::string terminal = ::ptsname(master);
  write("a.bin", "hello");
  const int tty = ::open(terminal.c_str(), O_RDWR | O_NOCTTY);
  ASSERT_GE(tty, 0);
  // stdout is the terminal; the compressed output of "hello" fits the terminal's buffer.
  auto run_on_terminal = [&](std::vector<std::string> args) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(tty, STDOUT_FILENO);
      const int null_fd = ::open("/dev/null", O_RDWR);
      ::dup2(null_fd, STDERR_FILENO);
      if (::chdir(dir_.c_str()) != 0) ::_exit(126);
      const std::string bin = kolmo_binary();
      std::vector<char*> argv{const_cast<char*>(bin.c_str())};
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
    return wait_for(pid).exit_code;
  };
  EXPECT_EQ(run_on_terminal({"-c", "a.bin"}), 1);
  EXPECT_EQ(run_on_terminal({"-c", "-f", "a.bin"}), 0);
  ::close(tty);
  ::close(master);
}

}  // namespace
}  // namespace kolmo::cli_test
