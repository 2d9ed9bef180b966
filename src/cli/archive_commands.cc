#include "cli/archive_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

#include "cli/file_ops.h"
#include "cli/metered_io.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/tree_ops.h"
#include "kolmo/archive.h"
#include "kolmo/io.h"
#include "tensor/checkpoint_archive.h"

namespace kolmo::cli {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void say(const Options& o, const std::string& line) {
  if (o.verbose) std::fprintf(stderr, "%s\n", line.c_str());
}

Failure fail(const std::string& name, std::string message) {
  return {name, io_error(std::move(message))};
}

DecompressOptions decompress_options(const Options& o, ProgressFn progress) {
  DecompressOptions d;
  d.threads = o.threads;
  d.memory_limit = o.memory_limit;
  d.progress = std::move(progress);
  return d;
}

// "tensor" or "tensor:OPTIONS" -> OPTIONS; nullopt for another codec.
std::optional<std::string> tensor_options(const std::string& spec) {
  if (spec == "tensor") return std::string();
  if (spec.rfind("tensor:", 0) == 0) return spec.substr(7);
  return std::nullopt;
}

bool holds_safetensors(const std::string& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (tensor::is_safetensors_name(it->path().filename().string())) return true;
  }
  return false;
}

std::string without_trailing_slashes(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

// True when `file` would be created somewhere below the directory `dir`.
bool inside_directory(const std::string& file, const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  const fs::path root = fs::canonical(dir, ec);
  if (ec) return false;
  const fs::path parent = fs::weakly_canonical(fs::absolute(file, ec).parent_path(), ec);
  if (ec) return false;
  const auto [r, p] = std::mismatch(root.begin(), root.end(), parent.begin(), parent.end());
  return r == root.end();
}

// Checks the archive just written against the digests of the files as they were read.
class VerifyOutput final : public EntryOutput {
 public:
  explicit VerifyOutput(const std::vector<tensor::FileDigest>& digests) : digests_(digests) {}
  Expected<ByteSink*> open(const EntryInfo& e) override {
    if (e.kind == EntryKind::kDirectory) return static_cast<ByteSink*>(nullptr);
    sink_ = std::make_unique<MeteredSink>();
    return static_cast<ByteSink*>(sink_.get());
  }
  Status close(const EntryInfo& e) override {
    if (e.kind == EntryKind::kDirectory) return ok_status();
    if (next_ >= digests_.size() || digests_[next_].path != e.path ||
        digests_[next_].size != sink_->bytes() || digests_[next_].xxh64 != sink_->xxh64()) {
      return internal_error("verification failed: " + e.path + " does not decode to the input");
    }
    ++next_;
    return ok_status();
  }
  bool complete() const { return next_ == digests_.size(); }

 private:
  const std::vector<tensor::FileDigest>& digests_;
  std::unique_ptr<MeteredSink> sink_;
  std::size_t next_ = 0;
};

Status verify_archive(int fd, const std::string& name,
                      const std::vector<tensor::FileDigest>& digests, const Options& o) {
  if (::lseek(fd, 0, SEEK_SET) != 0) {
    return io_error("cannot reread for verification: " + errno_text(errno));
  }
  FdSource archive(fd, name);
  VerifyOutput check(digests);
  auto stats = extract_stream(archive, check, decompress_options(o, {}));
  if (!stats.ok()) return stats.status().with_context("verification failed");
  if (!check.complete()) return internal_error("verification failed: files are missing");
  return ok_status();
}

// Where a checkpoint archive goes: "" for stdout, else the path (refusals in `failure`).
std::optional<std::string> compress_target(const std::string& path, const Options& o,
                                           MaybeFailure& failure) {
  if (o.to_stdout) return std::string();
  const std::string target =
      o.output.empty() ? without_trailing_slashes(path) + std::string(kSuffix) : o.output;
  if (inside_directory(target, path)) {
    // The archive would list its own temporary file among the files it is archiving.
    failure = fail(target, "is inside the directory being archived");
    return std::nullopt;
  }
  struct stat existing {}, input {};
  if (path_exists(target, &existing)) {
    if (S_ISDIR(existing.st_mode)) {
      failure = fail(target, "is a directory; cannot write the output there");
    } else if (::stat(path.c_str(), &input) == 0 && same_file(existing, input)) {
      failure = fail(target, "is the input file itself");
    } else if (!o.force) {
      failure = fail(target, "already exists; use -f to overwrite");
    }
    if (failure) return std::nullopt;
  }
  return target;
}

// Output metadata: a single file's archive keeps its mode and times, a directory's gets those
// of a new file.
Status give_archive_metadata(const std::string& input, int fd) {
  struct stat st {};
  if (::stat(input.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return copy_file_metadata(st, fd);
  return apply_default_mode(fd);
}

std::uint64_t total_size(const std::vector<tensor::FileDigest>& digests) {
  std::uint64_t n = 0;
  for (const auto& d : digests) n += d.size;
  return n;
}

// ---- restoring ----

Status set_file_metadata(int fd, const EntryInfo& e) {
  if (::fchmod(fd, e.mode & 07777) != 0) return io_error("cannot set permissions: " + errno_text(errno));
  if (e.mtime_ns != 0) {
    timespec t{};
    t.tv_sec = static_cast<time_t>(e.mtime_ns / 1000000000);
    t.tv_nsec = static_cast<long>(e.mtime_ns % 1000000000);
    const timespec times[2] = {t, t};
    if (::futimens(fd, times) != 0) return io_error("cannot set modification time: " + errno_text(errno));
  }
  return ok_status();
}

MaybeFailure restore_single_file(const Input& in, const std::string& dest, const Options& o,
                                 ProgressMeter& meter) {
  FdSource source(in.fd(), in.name());
  if (dest.empty()) {  // stdout
    FdSink out(STDOUT_FILENO, "stdout");
    auto entry = tensor::extract_single_file(source, out, decompress_options(o, meter.callback()));
    if (!entry.ok()) return Failure{in.name(), entry.status()};
    return std::nullopt;
  }
  AtomicOutput output;
  if (Status s = output.open(dest); !s.ok()) return Failure{dest, s};
  FdSink out(output.fd(), dest);
  auto entry = tensor::extract_single_file(source, out, decompress_options(o, meter.callback()));
  if (!entry.ok()) return Failure{in.name(), entry.status()};
  if (Status s = set_file_metadata(output.fd(), *entry); !s.ok()) return Failure{dest, s};
  if (Status s = output.commit(); !s.ok()) return Failure{dest, s};
  return std::nullopt;
}

MaybeFailure restore_directory(const Input& in, const std::string& dest, const Options& o,
                               ProgressMeter& meter) {
  TemporaryDirectory temp;
  if (Status s = temp.create(dest); !s.ok()) return Failure{dest, s};
  FdSource source(in.fd(), in.name());
  Status s = tensor::extract_checkpoint_archive(source, temp.path(),
                                                decompress_options(o, meter.callback()));
  // On failure `temp` removes the partial tree as it goes out of scope.
  if (!s.ok()) return Failure{in.name(), s};
  if (Status c = temp.commit(o.force); !c.ok()) return Failure{dest, c};
  return std::nullopt;
}

// The destination of -d, or nullopt with `failure` set; "" = stdout.
std::optional<std::string> restore_target(const Input& in, bool single_file, const Options& o,
                                          MaybeFailure& failure) {
  if (o.to_stdout || (in.is_stdin() && o.output.empty())) {
    if (single_file) return std::string();
    failure = fail(in.name(), "holds a directory, which cannot go to stdout; use -o DIR");
    return std::nullopt;
  }
  std::string dest = o.output;
  if (dest.empty()) {
    if (!has_kmo_suffix(in.path())) {
      failure = fail(in.name(), "unknown suffix (expected .kmo); use -o or -c to name the output");
      return std::nullopt;
    }
    dest = in.path().substr(0, in.path().size() - kSuffix.size());
  }
  dest = without_trailing_slashes(dest);
  struct stat existing {};
  if (path_exists(dest, &existing)) {
    if (same_file(existing, in.stat())) {
      failure = fail(dest, "is the input file itself");
    } else if (single_file && S_ISDIR(existing.st_mode)) {
      failure = fail(dest, "is a directory; cannot write the output there");
    } else if (!o.force) {
      failure = fail(dest, "already exists; use -f to overwrite");
    }
    if (failure) return std::nullopt;
  }
  return dest;
}

MaybeFailure restore(const Input& in, const std::vector<EntryInfo>& entries, const Options& o) {
  const Clock::time_point start = Clock::now();
  const bool single = tensor::is_single_file_archive(entries);
  MaybeFailure failure;
  const std::optional<std::string> dest = restore_target(in, single, o, failure);
  if (!dest) return failure;
  ProgressMeter meter(in.name(), progress_wanted(o.quiet));
  MaybeFailure f = single ? restore_single_file(in, *dest, o, meter)
                          : restore_directory(in, *dest, o, meter);
  meter.finish();
  if (f) return f;
  if (o.remove_input) {
    if (Status s = remove_file(in.path()); !s.ok()) return Failure{in.name(), s};
  }
  std::uint64_t bytes = 0;
  for (const EntryInfo& e : entries) bytes += e.size;
  say(o, summary_line(in.name(), static_cast<std::uint64_t>(in.stat().st_size), bytes, bytes,
                      static_cast<std::uint64_t>(in.stat().st_size), seconds_since(start)));
  return std::nullopt;
}

// -t: decodes every entry into a hashing sink; the container verifies all checksums.
class DiscardOutput final : public EntryOutput {
 public:
  Expected<ByteSink*> open(const EntryInfo& e) override {
    if (e.kind == EntryKind::kDirectory) return static_cast<ByteSink*>(nullptr);
    return static_cast<ByteSink*>(&sink_);
  }
  Status close(const EntryInfo&) override { return ok_status(); }

 private:
  DiscardSink sink_;
};

MaybeFailure test_archive(const Input& in, const std::vector<EntryInfo>& entries,
                          const Options& o) {
  const Clock::time_point start = Clock::now();
  ProgressMeter meter(in.name(), progress_wanted(o.quiet));
  FdSource source(in.fd(), in.name());
  DiscardOutput out;
  auto stats = extract_stream(source, out, decompress_options(o, meter.callback()));
  meter.finish();
  if (!stats.ok()) return Failure{in.name(), stats.status()};
  std::uint64_t bytes = 0;
  for (const EntryInfo& e : entries) bytes += e.size;
  say(o, summary_line(in.name() + ": OK (" + std::to_string(entries.size()) + " entries)",
                      static_cast<std::uint64_t>(in.stat().st_size), bytes, bytes,
                      static_cast<std::uint64_t>(in.stat().st_size), seconds_since(start)));
  return std::nullopt;
}

}  // namespace

bool wants_checkpoint_archive(const std::string& path, const Options& o) {
  if (o.mode != Mode::kCompress || path == kStdioName) return false;
  const bool tensor_codec = tensor_options(o.codec_spec).has_value();
  if (!tensor_codec && !o.codec_spec.empty()) return false;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;  // Input::open reports it
  if (S_ISDIR(st.st_mode)) return tensor_codec || holds_safetensors(path);
  return S_ISREG(st.st_mode) && tensor::is_safetensors_name(path);
}

MaybeFailure compress_checkpoint(const std::string& path, const Options& o) {
  const Clock::time_point start = Clock::now();
  tensor::CheckpointArchiveOptions copts;
  Expected<tensor::TensorMode> mode =
      tensor::parse_checkpoint_tensor_options(tensor_options(o.codec_spec).value_or(""));
  if (!mode.ok()) return Failure{path, mode.status()};
  if (o.remove_input) return fail(path, "--rm is not supported for checkpoint archives");
  MaybeFailure failure;
  const std::optional<std::string> target = compress_target(path, o, failure);
  if (!target) return failure;

  ProgressMeter meter(path, progress_wanted(o.quiet));
  std::vector<tensor::FileDigest> digests;
  copts.mode = *mode;
  copts.threads = o.threads;
  copts.progress = meter.callback();
  copts.digests = &digests;
  AtomicOutput output;
  std::unique_ptr<FdSink> raw;
  if (target->empty()) {
    raw = std::make_unique<FdSink>(STDOUT_FILENO, "stdout");
  } else {
    if (Status s = output.open(*target); !s.ok()) return Failure{*target, s};
    raw = std::make_unique<FdSink>(output.fd(), *target);
  }
  MeteredSink sink(raw.get());
  Status s = tensor::write_checkpoint_archive(path, sink, copts);
  meter.finish();
  // On any failure `output` removes the partial file as it goes out of scope.
  if (!s.ok()) return Failure{path, s};
  if (!target->empty()) {
    if (Status v = verify_archive(output.fd(), *target, digests, o); !v.ok()) {
      return Failure{*target, v};
    }
    if (Status m = give_archive_metadata(path, output.fd()); !m.ok()) return Failure{*target, m};
    if (Status c = output.commit(); !c.ok()) return Failure{*target, c};
  }
  const std::uint64_t in_bytes = total_size(digests);
  say(o, summary_line(path, in_bytes, sink.bytes(), in_bytes, sink.bytes(), seconds_since(start)));
  return std::nullopt;
}

std::optional<MaybeFailure> process_multi_file(const Input& in, const Options& o) {
  if (!in.is_regular()) return std::nullopt;
  FdSource file(in.fd(), in.name());
  Expected<ArchiveInfo> info = read_archive_info(file, decompress_options(o, {}));
  if (!info.ok()) return std::nullopt;
  Expected<std::vector<EntryInfo>> entries = read_entries(file, *info, decompress_options(o, {}));
  if (!entries.ok()) return MaybeFailure(Failure{in.name(), entries.status()});
  if (entries->empty()) return std::nullopt;
  if (o.mode == Mode::kTest) return test_archive(in, *entries, o);
  return restore(in, *entries, o);
}

}  // namespace kolmo::cli
