// Test support for the kolmo CLI: runs the real binary ($KOLMO_BIN) in a child process with
// redirected stdin/stdout/stderr, in a fresh temporary directory per test.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kolmo::cli_test {

namespace fs = std::filesystem;

struct RunResult {
  int exit_code = -1;  // when the process exited
  int signal = 0;      // when a signal killed it
  std::string out;
  std::string err;

  bool ok() const { return exit_code == 0; }
  // Non-empty lines on stderr (the CLI promises exactly one per failing file).
  std::vector<std::string> err_lines() const;
};

// What the child reads: nothing (/dev/null), the given bytes through a pipe, or a file.
struct Stdin {
  std::optional<std::string> data;
  std::optional<fs::path> file;
};

inline Stdin stdin_bytes(std::string data) {
  Stdin in;
  in.data = std::move(data);
  return in;
}
inline Stdin stdin_file(fs::path file) {
  Stdin in;
  in.file = std::move(file);
  return in;
}

// $KOLMO_BIN; the test fails (not skips) without it, since the CLI is what is under test.
std::string kolmo_binary();

// Runs kolmo in `cwd` to completion, capturing everything.
RunResult run_kolmo(const fs::path& cwd, const std::vector<std::string>& args,
                    const Stdin& in = {});

// Starts kolmo in `cwd` without waiting: stdin from stdin_fd (-1 = /dev/null), stdout and
// stderr discarded. For the interruption tests.
pid_t start_kolmo(const fs::path& cwd, const std::vector<std::string>& args, int stdin_fd = -1);

// waitpid() into a RunResult (exit code or signal).
RunResult wait_for(pid_t pid);
// Non-blocking: the result if the child has ended, else nothing.
std::optional<RunResult> poll_child(pid_t pid);

// ---- files ----
std::string read_file(const fs::path& p);
void write_file(const fs::path& p, const std::string& data);
std::uint64_t hash_of(const std::string& data);
// Names in `dir`, hidden ones included, sorted: the tests check that nothing stray remains.
std::vector<std::string> entries(const fs::path& dir);

// Compressible, text-like bytes with some noise, reproducible from seed.
std::string sample_data(std::size_t size, std::uint64_t seed = 1);

// Codec names as printed by `kolmo --list-codecs`.
std::vector<std::string> listed_codecs();

// A fresh directory per test, removed afterwards.
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  RunResult kolmo(const std::vector<std::string>& args, const Stdin& in = {}) {
    return run_kolmo(dir_, args, in);
  }
  fs::path path(const std::string& name) const { return dir_ / name; }
  void write(const std::string& name, const std::string& data) { write_file(path(name), data); }
  std::string read(const std::string& name) const { return read_file(path(name)); }
  bool exists(const std::string& name) const { return fs::exists(path(name)); }

  fs::path dir_;
};

}  // namespace kolmo::cli_test
