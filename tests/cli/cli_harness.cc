#include "cli/cli_harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

#include "kolmo/hash.h"

namespace kolmo::cli_test {
namespace {

[[noreturn]] void exec_kolmo(const fs::path& cwd, const std::vector<std::string>& args) {
  if (::chdir(cwd.c_str()) != 0) ::_exit(126);
  // An ignored signal stays ignored across exec; kolmo must run as it would from a shell.
  ::signal(SIGPIPE, SIG_DFL);
  const std::string bin = kolmo_binary();
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(bin.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(bin.c_str(), argv.data());
  ::_exit(127);
}

void redirect(int fd, int target) {
  if (fd != target) ::dup2(fd, target);
}

RunResult result_from(int status) {
  RunResult r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

// Feeds stdin and drains stdout/stderr together, so that no pipe fills up and blocks both sides.
void pump(int in_fd, const std::string& in_data, int out_fd, int err_fd, RunResult& r) {
  std::size_t written = 0;
  if (in_fd >= 0 && in_data.empty()) {
    ::close(in_fd);
    in_fd = -1;
  }
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0) {
    pollfd fds[3] = {{in_fd, POLLOUT, 0}, {out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (in_fd >= 0 && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      const ssize_t n = ::write(in_fd, in_data.data() + written,
                                std::min<std::size_t>(in_data.size() - written, sizeof buf));
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) written = in_data.size();  // EPIPE: gone
      if (written == in_data.size()) {
        ::close(in_fd);
        in_fd = -1;
      }
    }
    int* fds_out[2] = {&out_fd, &err_fd};
    std::string* sinks[2] = {&r.out, &r.err};
    for (int i = 0; i < 2; ++i) {
      if (*fds_out[i] < 0 || (fds[i + 1].revents & (POLLIN | POLLERR | POLLHUP)) == 0) continue;
      const ssize_t n = ::read(*fds_out[i], buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(*fds_out[i]);
        *fds_out[i] = -1;
      }
    }
  }
  if (in_fd >= 0) ::close(in_fd);
}

}  // namespace

std::vector<std::string> RunResult::err_lines() const {
  std::vector<std::string> lines;
  std::istringstream s(err);
  for (std::string line; std::getline(s, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string kolmo_binary() {
  const char* bin = std::getenv("KOLMO_BIN");
  return bin != nullptr ? bin : "";
}

RunResult run_kolmo(const fs::path& cwd, const std::vector<std::string>& args, const Stdin& in) {
  // A child that exits before reading all its stdin must not kill the test with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  int in_pipe[2] = {-1, -1}, out_pipe[2], err_pipe[2];
  if (in.data && ::pipe2(in_pipe, O_CLOEXEC) != 0) return {};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    int stdin_fd = in_pipe[0];
    if (in.file) stdin_fd = ::open(in.file->c_str(), O_RDONLY);
    if (!in.data && !in.file) stdin_fd = ::open("/dev/null", O_RDONLY);
    redirect(stdin_fd, STDIN_FILENO);
    redirect(out_pipe[1], STDOUT_FILENO);
    redirect(err_pipe[1], STDERR_FILENO);
    exec_kolmo(cwd, args);
  }
  if (in.data) ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (in.data) ::fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  RunResult captured;
  pump(in.data ? in_pipe[1] : -1, in.data ? *in.data : std::string(), out_pipe[0], err_pipe[0],
       captured);
  RunResult r = wait_for(pid);
  r.out = std::move(captured.out);
  r.err = std::move(captured.err);
  return r;
}

pid_t start_kolmo(const fs::path& cwd, const std::vector<std::string>& args, int stdin_fd) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_RDWR);
    redirect(stdin_fd >= 0 ? stdin_fd : null_fd, STDIN_FILENO);
    redirect(null_fd, STDOUT_FILENO);
    redirect(null_fd, STDERR_FILENO);
    exec_kolmo(cwd, args);
  }
  return pid;
}

RunResult wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return {};
  }
  return result_from(status);
}

std::optional<RunResult> poll_child(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) != pid) return std::nullopt;
  return result_from(status);
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::uint64_t hash_of(const std::string& data) { return xxh64(as_bytes(data)); }

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

std::string sample_data(std::size_t size, std::uint64_t seed) {
  static const char* const kWords[] = {"the ", "kolmo ", "block ", "archive ", "of ", "and ",
                                       "entropy ", "model ", "\n", "data ", "42 ", "a "};
  std::mt19937_64 rng(seed);
  std::string out;
  out.reserve(size + 16);
  while (out.size() < size) {
    const std::uint64_t r = rng();
    if (r % 16 == 0) {
      out.push_back(static_cast<char>(r >> 8));  // some noise, so that no codec finds it trivial
    } else {
      out += kWords[(r >> 8) % std::size(kWords)];
    }
  }
  out.resize(size);
  return out;
}

std::vector<std::string> listed_codecs() {
  const RunResult r = run_kolmo(fs::current_path(), {"--list-codecs"});
  std::vector<std::string> names;
  std::istringstream s(r.out);
  for (std::string line; std::getline(s, line);) {
    std::istringstream fields(line);
    std::string id, name;
    // Rows start with the numeric id; the header row does not.
    if (fields >> id >> name && std::all_of(id.begin(), id.end(), ::isdigit)) {
      names.push_back(name);
    }
  }
  return names;
}

void CliTest::SetUp() {
  ASSERT_FALSE(kolmo_binary().empty()) << "KOLMO_BIN is not set (ctest sets it)";
  ASSERT_TRUE(fs::exists(kolmo_binary())) << kolmo_binary();
  std::string templ = (fs::temp_directory_path() / "kolmo-cli-XXXXXX").string();
  ASSERT_NE(::mkdtemp(templ.data()), nullptr);
  dir_ = templ;
}

void CliTest::TearDown() {
  std::error_code ignored;
  if (!dir_.empty()) fs::remove_all(dir_, ignored);
}

}  // namespace kolmo::cli_test
