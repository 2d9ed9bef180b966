#include "cli/commands.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/archive_commands.h"
#include "cli/file_ops.h"
#include "cli/listing.h"
#include "cli/metered_io.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/targets.h"
#include "kolmo/codec.h"
#include "kolmo/container.h"
#include "kolmo/io.h"
#include "kolmo/version.h"

namespace kolmo::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Our own messages (I/O, arguments) read best alone; library failures keep their kind
// ("corrupt data: ...", "checksum mismatch: ...") so that the reader knows what went wrong.
std::string describe(const Status& s) {
  std::string text = s.code() == StatusCode::kIoError || s.code() == StatusCode::kInvalidArgument
                         ? s.message()
                         : s.to_string();
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';  // one error, one line
  }
  return text;
}

void report(const Failure& f) {
  std::fprintf(stderr, "kolmo: %s: %s\n", f.name.c_str(), describe(f.status).c_str());
}

void say(const Options& o, const std::string& line) {
  if (o.verbose) std::fprintf(stderr, "%s\n", line.c_str());
}

CompressOptions compress_options(const Options& o, ProgressFn progress) {
  CompressOptions c;
  c.codec_spec = o.codec_spec;
  c.level = o.level;
  c.threads = o.threads;
  c.block_size = o.block_size;
  c.progress = std::move(progress);
  return c;
}

DecompressOptions decompress_options(const Options& o, ProgressFn progress) {
  DecompressOptions d;
  d.threads = o.threads;
  d.memory_limit = o.memory_limit;
  d.progress = std::move(progress);
  return d;
}

// Reads the archive just written back from its first byte and checks that it decodes to
// exactly the content that was read: the condition for deleting the input with --rm.
Status verify_written_archive(int fd, const std::string& name, const MeteredSource& original,
                              const Options& o) {
  if (::lseek(fd, 0, SEEK_SET) != 0) {
    return io_error("cannot reread for verification: " + errno_text(errno));
  }
  FdSource archive(fd, name);
  MeteredSink decoded;
  auto result = decompress_stream(archive, decoded, decompress_options(o, {}));
  if (!result.ok()) return result.status().with_context("verification failed");
  if (decoded.bytes() != original.bytes() || decoded.xxh64() != original.xxh64()) {
    return internal_error("verification failed: the archive does not decode to the input");
  }
  return ok_status();
}

// The output keeps the input's permissions and times; from stdin it gets a new file's mode.
Status give_output_metadata(const Input& in, int fd) {
  return in.is_stdin() ? apply_default_mode(fd) : copy_file_metadata(in.stat(), fd);
}

// The sink for a target: stdout, or a fresh temporary file held by `output`.
MaybeFailure open_sink(const Target& target, AtomicOutput& output,
                       std::unique_ptr<FdSink>& sink) {
  if (target.to_stdout) {
    sink = std::make_unique<FdSink>(STDOUT_FILENO, "stdout");
    return std::nullopt;
  }
  if (Status s = output.open(target.path); !s.ok()) return Failure{target.path, s};
  sink = std::make_unique<FdSink>(output.fd(), target.path);
  return std::nullopt;
}

// After a successful job into a file: verify (when compressing for --rm), copy metadata, rename
// into place, and only then remove the input. `written_from` is the compression input, or null
// when decompressing (the container's own checks passed already).
MaybeFailure finish_file_output(const Input& in, const Target& target, AtomicOutput& output,
                                const Options& o, const MeteredSource* written_from) {
  const bool remove_input = o.remove_input && !in.is_stdin();
  if (remove_input && written_from != nullptr) {
    if (Status s = verify_written_archive(output.fd(), target.path, *written_from, o); !s.ok()) {
      return Failure{target.path, s};
    }
  }
  if (Status s = give_output_metadata(in, output.fd()); !s.ok()) return Failure{target.path, s};
  if (Status s = output.commit(); !s.ok()) return Failure{target.path, s};
  if (remove_input) {
    if (Status s = remove_file(in.path()); !s.ok()) return Failure{in.name(), s};
  }
  return std::nullopt;
}

enum class Direction { kCompress, kDecompress };

// One file through the container in either direction: stream from the input into a temporary
// output, then verify (for --rm), keep metadata and rename into place. On any failure `output`
// removes the partial file as it goes out of scope.
MaybeFailure transcode_one(const Input& in, const Target& target, const Options& o,
                           Direction direction) {
  const Clock::time_point start = Clock::now();
  ProgressMeter meter(in.name(), progress_wanted(o.quiet));
  FdSource raw(in.fd(), in.name());
  MeteredSource source(raw);
  AtomicOutput output;
  std::unique_ptr<FdSink> out;
  if (MaybeFailure f = open_sink(target, output, out)) return f;
  MeteredSink sink(out.get());
  const bool compressing = direction == Direction::kCompress;
  // Decompression is verified by the container's checksums; a new archive is read back.
  auto stats = compressing
                   ? compress_stream(source, sink, compress_options(o, meter.callback()))
                   : decompress_stream(source, sink, decompress_options(o, meter.callback()));
  meter.finish();
  if (!stats.ok()) return Failure{in.name(), stats.status()};
  if (!target.to_stdout) {
    const MeteredSource* verify_against = compressing ? &source : nullptr;
    if (MaybeFailure f = finish_file_output(in, target, output, o, verify_against)) return f;
  }
  const std::uint64_t original = compressing ? source.bytes() : sink.bytes();
  const std::uint64_t compressed = compressing ? sink.bytes() : source.bytes();
  say(o, summary_line(in.name(), source.bytes(), sink.bytes(), original, compressed,
                      seconds_since(start)));
  return std::nullopt;
}

MaybeFailure compress_one(const Input& in, const Target& target, const Options& o) {
  return transcode_one(in, target, o, Direction::kCompress);
}

MaybeFailure decompress_one(const Input& in, const Target& target, const Options& o) {
  return transcode_one(in, target, o, Direction::kDecompress);
}

MaybeFailure test_one(const Input& in, const Options& o) {
  const Clock::time_point start = Clock::now();
  ProgressMeter meter(in.name(), progress_wanted(o.quiet));
  FdSource raw(in.fd(), in.name());
  MeteredSource source(raw);
  MeteredSink sink;
  auto stats = decompress_stream(source, sink, decompress_options(o, meter.callback()));
  meter.finish();
  if (!stats.ok()) return Failure{in.name(), stats.status()};
  say(o, summary_line(in.name() + ": OK", source.bytes(), sink.bytes(), sink.bytes(),
                      source.bytes(), seconds_since(start)));
  return std::nullopt;
}

MaybeFailure process_one(const std::string& path, const Options& o, ListPrinter& lister) {
  // Checkpoints (a directory or a .safetensors file) become multi-file archives.
  if (wants_checkpoint_archive(path, o)) return compress_checkpoint(path, o);
  Input in;
  if (MaybeFailure f = in.open(path, o)) return f;
  if (o.mode == Mode::kDecompress || o.mode == Mode::kTest) {
    if (std::optional<MaybeFailure> done = process_multi_file(in, o)) return *done;
  }
  switch (o.mode) {
    case Mode::kTest: return test_one(in, o);
    case Mode::kList: return lister.list(in);
    case Mode::kCompress:
    case Mode::kDecompress: break;
  }
  MaybeFailure failure;
  const std::optional<Target> target = resolve_target(in, o, failure);
  if (!target) return failure;
  return o.mode == Mode::kCompress ? compress_one(in, *target, o) : decompress_one(in, *target, o);
}

// Refusals that concern the whole run rather than one file; "" when all is well.
std::string check_run(const Options& o) {
  if (o.mode != Mode::kCompress) return "";
  if (auto encoder = make_encoder(o.codec_spec, o.level); !encoder.ok()) {
    return describe(encoder.status());
  }
  bool to_stdout = o.to_stdout;
  for (const std::string& path : o.inputs) to_stdout |= path == kStdioName && o.output.empty();
  if (to_stdout && !o.force && ::isatty(STDOUT_FILENO) == 1) {
    return "refusing to write compressed data to a terminal; use -f to force";
  }
  // A .kmo stream holds one archive; several concatenated would not decode as one.
  if (to_stdout && o.inputs.size() > 1) return "cannot compress several inputs to stdout";
  return "";
}

}  // namespace

int run_files(const Options& o) {
  if (const std::string error = check_run(o); !error.empty()) {
    std::fprintf(stderr, "kolmo: %s\n", error.c_str());
    return 1;
  }
  ListPrinter lister(o.verbose);
  int status = 0;
  for (const std::string& path : o.inputs) {
    if (MaybeFailure f = process_one(path, o, lister)) {
      report(*f);
      status = 1;
    }
  }
  if (std::fflush(stdout) != 0 && status == 0) {
    std::fprintf(stderr, "kolmo: stdout: write failed\n");
    status = 1;
  }
  return status;
}

int print_codecs() {
  std::printf("%-4s %-8s %s\n", "ID", "NAME", "SUMMARY");
  for (const CodecInfo& c : all_codecs()) {
    std::printf("%-4u %-8.*s %.*s\n", static_cast<unsigned>(c.id),
                static_cast<int>(c.name.size()), c.name.data(), static_cast<int>(c.summary.size()),
                c.summary.data());
  }
  return 0;
}

int print_version() {
  std::printf("kolmo %s (.kmo format %d.%d)\ncodecs:", kVersionString, kFormatMajor, kFormatMinor);
  for (const CodecInfo& c : all_codecs()) {
    std::printf(" %.*s", static_cast<int>(c.name.size()), c.name.data());
  }
  std::printf("\n");
  return 0;
}

}  // namespace kolmo::cli
