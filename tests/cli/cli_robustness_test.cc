// Damaged archives and interrupted runs: kolmo must fail cleanly, write nothing under the final
// name, leave no temporary file, and never touch the input.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "cli/cli_harness.h"

namespace kolmo::cli_test {
namespace {

using namespace std::chrono_literals;

class CliCorruptionTest : public CliTest {
 protected:
  // A small multi-block archive: 5 blocks of 1 KiB, so that damage hits headers, payloads,
  // checksums, the index and the footer alike.
  void SetUp() override {
    CliTest::SetUp();
    write("a.bin", sample_data(5000, 11));
    ASSERT_TRUE(kolmo({"--block-size", "1K", "a.bin"}).ok());
    archive_ = read("a.bin.kmo");
    ASSERT_GT(archive_.size(), 200u);
  }

  // Both decompression and test must refuse `damaged` with one line naming it, creating nothing.
  void expect_refused(const std::string& damaged, const std::string& what) {
    write("c.kmo", damaged);
    for (const char* mode : {"-d", "-t"}) {
      const RunResult r = kolmo({mode, "c.kmo"});
      EXPECT_EQ(r.exit_code, 1) << mode << " accepted " << what;
      const std::vector<std::string> lines = r.err_lines();
      EXPECT_EQ(lines.size(), 1u) << mode << " " << what << ": " << r.err;
      if (!lines.empty()) {
        EXPECT_EQ(lines[0].rfind("kolmo: c.kmo: ", 0), 0u) << lines[0];
      }
    }
    EXPECT_EQ(entries(dir_), (std::vector<std::string>{"a.bin", "a.bin.kmo", "c.kmo"})) << what;
  }

  std::string archive_;
};

TEST_F(CliCorruptionTest, EveryFlippedBitIsDetected) {
  constexpr int kPositions = 200;
  for (int i = 0; i < kPositions; ++i) {
    const std::size_t pos = static_cast<std::size_t>(i) * archive_.size() / kPositions;
    std::string damaged = archive_;
    damaged[pos] = static_cast<char>(damaged[pos] ^ (1 << (i % 8)));
    expect_refused(damaged, "bit " + std::to_string(i % 8) + " of byte " + std::to_string(pos));
    if (HasFailure()) return;  // one clear report beats 200 similar ones
  }
}

TEST_F(CliCorruptionTest, EveryTruncationIsDetected) {
  constexpr int kLengths = 100;
  for (int i = 0; i < kLengths; ++i) {
    const std::size_t length = static_cast<std::size_t>(i) * archive_.size() / kLengths;
    expect_refused(archive_.substr(0, length), "truncated to " + std::to_string(length));
    if (HasFailure()) return;
  }
  // Trailing garbage is damage too.
  expect_refused(archive_ + "x", "one extra byte");
}

// ---- interrupted runs ----

// Waits until something besides `keep` appears in dir (kolmo's temporary file) or the child
// ends. Returns false when the child ended first.
bool wait_for_temporary_file(const fs::path& dir, const std::vector<std::string>& keep, pid_t pid,
                             std::optional<RunResult>& ended) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    if ((ended = poll_child(pid))) return false;
    if (entries(dir).size() > keep.size()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

bool killed_by(const RunResult& r, int sig) {
  // Killed by the re-raised signal, as the CLI does; an exit status of 128+N is accepted too.
  return r.signal == sig || r.exit_code == 128 + sig;
}

class CliInterruptTest : public CliTest, public ::testing::WithParamInterface<int> {};

TEST_P(CliInterruptTest, InterruptedCompressionLeavesInputAndNoOutput) {
  const int sig = GetParam();
  // zstd:19 on one thread compresses a few MB/s; the input grows until the run is caught
  // mid-way, and the test fails rather than passing without ever interrupting anything.
  std::size_t size = std::size_t{24} << 20;
  for (int attempt = 0; attempt < 3; ++attempt, size *= 2) {
    const std::string data = sample_data(size, 5);
    write("big.bin", data);
    const pid_t pid = start_kolmo(dir_, {"-q", "-T", "1", "--codec", "zstd:19", "big.bin"});
    std::optional<RunResult> ended;
    if (!wait_for_temporary_file(dir_, {"big.bin"}, pid, ended)) {
      if (!ended) {
        ::kill(pid, SIGKILL);
        wait_for(pid);
        FAIL() << "no temporary file appeared";
      }
      fs::remove(path("big.bin.kmo"));
      continue;
    }
    std::this_thread::sleep_for(100ms);
    if ((ended = poll_child(pid))) {
      fs::remove(path("big.bin.kmo"));
      continue;  // finished within 100 ms: too fast, try a bigger input
    }
    ASSERT_EQ(::kill(pid, sig), 0);
    const RunResult r = wait_for(pid);
    EXPECT_TRUE(killed_by(r, sig)) << "exit " << r.exit_code << ", signal " << r.signal;
    EXPECT_EQ(entries(dir_), std::vector<std::string>{"big.bin"});
    EXPECT_EQ(hash_of(read("big.bin")), hash_of(data));
    return;
  }
  FAIL() << "compression always finished before it could be interrupted";
}

// From a pipe that never ends, the run cannot finish on its own: the interruption is certain.
TEST_P(CliInterruptTest, InterruptedPipeRunsLeaveNoOutput) {
  const int sig = GetParam();
  write("a.bin", sample_data(100000, 2));
  ASSERT_TRUE(kolmo({"a.bin"}).ok());
  const std::string archive = read("a.bin.kmo");
  fs::remove(path("a.bin"));
  fs::remove(path("a.bin.kmo"));
  struct Case {
    std::vector<std::string> args;
    std::string feed;  // written before the signal; the pipe stays open
  };
  const Case cases[] = {{{"-q", "-T", "2", "-o", "out.kmo"}, sample_data(1 << 20, 4)},
                        {{"-q", "-d", "-o", "out"}, archive.substr(0, archive.size() / 2)}};
  for (const Case& c : cases) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = start_kolmo(dir_, c.args, fds[0]);
    ::close(fds[0]);
    ::signal(SIGPIPE, SIG_IGN);
    ASSERT_EQ(::write(fds[1], c.feed.data(), c.feed.size()), static_cast<ssize_t>(c.feed.size()));
    std::optional<RunResult> ended;
    const bool started = wait_for_temporary_file(dir_, {}, pid, ended);
    ASSERT_TRUE(started) << "kolmo " << c.args[1] << " ended early or made no temporary file";
    std::this_thread::sleep_for(50ms);
    ASSERT_EQ(::kill(pid, sig), 0);
    const RunResult r = wait_for(pid);
    ::close(fds[1]);
    EXPECT_TRUE(killed_by(r, sig)) << "exit " << r.exit_code << ", signal " << r.signal;
    EXPECT_TRUE(entries(dir_).empty()) << entries(dir_).front();
  }
}

INSTANTIATE_TEST_SUITE_P(Signals, CliInterruptTest, ::testing::Values(SIGINT, SIGTERM),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(info.param == SIGINT ? "SIGINT" : "SIGTERM");
                         });

}  // namespace
}  // namespace kolmo::cli_test
