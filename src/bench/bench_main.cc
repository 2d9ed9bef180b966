// `kolmo bench [OPTIONS] PATH...`: kolmo's codecs against the standard compressors, measured the
// same way on the same bytes. See codec_spec.h for the --codec grammar, measure.h for how
// time and memory are measured and checkpoint_bench.h for model checkpoints (a directory or a
// .safetensors file).
#include "bench/bench_main.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>

#include "bench/bench_codec.h"
#include "bench/checkpoint_bench.h"
#include "bench/codec_spec.h"
#include "bench/measure.h"
#include "bench/plot.h"
#include "bench/report.h"

namespace kolmo::bench {
namespace {

constexpr const char* kPrefix = "kolmo bench: ";

struct BenchOptions {
  std::vector<std::string> files;
  std::optional<std::string> codec_list;  // absent = default_codec_list()
  KolmoSettings kolmo;
  int repeat = 1;
  bool json = false;
  bool csv = false;
  std::string plot_path;
};

void add_options(CLI::App& app, BenchOptions& o) {
  app.add_option("PATH", o.files,
                 "files to compress, or model checkpoints (a directory or a .safetensors file)")
      ->required()
      ->check(CLI::ExistingPath);
  app.add_option("--codec", o.codec_list,
                 "comma-separated codecs: kmo:SPEC (kolmo, e.g. kmo:zstd:19, kmo:o2, kmo:cm:9,ssm; a bare kolmo-only "
                 "name such as o2 too) and the baselines xz:N[e], zstd:N, brotli:N, bzip2:N, gzip:N "
                 "(default: kmo:zstd,kmo:o2,xz:9e,zstd:19,brotli:11,bzip2:9,gzip:9)");
  app.add_option("-L,--level", o.kolmo.level, "kolmo level 1..9 for kmo: codecs without a level")
      ->check(CLI::Range(1, 9));
  app.add_option("-T,--threads", o.kolmo.threads, "worker threads for kmo: codecs")
      ->check(CLI::Range(1u, 1024u));
  app.add_option("--block-size", o.kolmo.block_size, "block size for kmo: codecs (e.g. 4M)")
      ->transform(CLI::AsSizeValue(false));
  app.add_option("--repeat", o.repeat, "runs per measurement; times are the best run")
      ->check(CLI::Range(1, 1000));
  auto* json = app.add_flag("--json", o.json, "one JSON object per (file, codec) per line");
  auto* csv = app.add_flag("--csv", o.csv, "CSV with a header row");
  json->excludes(csv);
  app.add_option("--plot", o.plot_path, "also write an SVG plot of ratio against speed");
  app.footer(
      "Codec names: xz, zstd, brotli, bzip2 and gzip always mean that library, run as its tool\n"
      "runs it (same stream format; sizes match `xz -9e -c` etc.); kolmo's own codecs are\n"
      "kmo:SPEC (kmo:zstd:19 is kolmo's zstd inside a .kmo container), and a kolmo-only name\n"
      "(o2, store) needs no prefix. Every run decompresses and compares (roundtrip_ok).\n"
      "Times: steady clock, best of --repeat. Peak memory: the process's RSS high-water mark\n"
      "(VmHWM after resetting it through /proc/self/clear_refs; where that is refused, ru_maxrss\n"
      "of a forked child that repeats the step). Exit status 1 if any codec or round trip failed.\n"
      "A checkpoint PATH (directory or .safetensors): tensor[:o0|df11|max] specs measure the\n"
      "checkpoint archive (written in memory with -T threads, restored in memory, every file\n"
      "compared); other codecs compress all its files concatenated in sorted order as one\n"
      "stream. JSON rows add order0_bound_fraction, the table a bound line.");
}

// Builds every requested codec. Bad specs are errors (reported, exit 1 at the end); a codec from
// the default list that is not built yet (kUnsupported) is skipped with a note.
struct BuiltCodec {
  CodecSpec spec;  // kept: on a checkpoint, tensor specs are measured differently
  std::unique_ptr<BenchCodec> codec;
};

std::vector<BuiltCodec> build_codecs(const BenchOptions& o, std::ostream& err, bool& failed) {
  const bool defaults = !o.codec_list.has_value();
  const std::vector<std::string> specs =
      defaults ? default_codec_list() : split_codec_list(*o.codec_list);
  if (specs.empty()) {
    err << kPrefix << "--codec names no codec\n";
    failed = true;
  }
  std::vector<BuiltCodec> codecs;
  for (const std::string& text : specs) {
    Expected<CodecSpec> spec = parse_codec_spec(text);
    Expected<std::unique_ptr<BenchCodec>> codec =
        spec.ok() ? make_bench_codec(*spec, o.kolmo) : spec.status();
    if (codec.ok()) {
      codecs.push_back({*spec, std::move(*codec)});
    } else if (defaults && codec.status().code() == StatusCode::kUnsupported) {
      err << kPrefix << "note: skipping " << text << ": " << codec.status().message() << "\n";
    } else {
      err << kPrefix << "codec '" << text << "': " << codec.status().to_string() << "\n";
      failed = true;
    }
  }
  return codecs;
}

Expected<Bytes> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot open '" + path + "'");
  Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return io_error("cannot read '" + path + "'");
  return data;
}

// Streams JSON/CSV rows as they are measured (long runs show progress); the table needs every
// row for its column widths and is printed at the end.
class Reporter {
 public:
  Reporter(const BenchOptions& o, std::ostream& out) : o_(o), out_(out) {
    if (o_.csv) out_ << csv_header() << "\n";
  }
  void add(const Measurement& m) {
    rows_.push_back(m);
    if (o_.json) out_ << json_line(m) << "\n" << std::flush;
    if (o_.csv) out_ << csv_row(m) << "\n" << std::flush;
  }
  bool finish(std::ostream& err) {
    if (!o_.json && !o_.csv) out_ << format_table(rows_);
    if (o_.plot_path.empty()) return true;
    std::ofstream svg(o_.plot_path, std::ios::binary);
    svg << render_svg(rows_);
    if (!svg.flush()) {
      err << kPrefix << "cannot write plot '" << o_.plot_path << "'\n";
      return false;
    }
    return true;
  }

 private:
  const BenchOptions& o_;
  std::ostream& out_;
  std::vector<Measurement> rows_;
};

// Reports one measurement (or why there is none); false when it failed.
bool report_measurement(const std::string& path, Expected<Measurement> m, Reporter& reporter,
                        std::ostream& err) {
  if (!m.ok()) {
    err << kPrefix << path << ": " << m.status().to_string() << "\n";
    return false;
  }
  const bool ok = m->roundtrip_ok;
  if (!ok) err << kPrefix << path << ": " << m->codec << ": round trip FAILED: " << m->error << "\n";
  reporter.add(*m);
  return ok;
}

bool bench_file(const BenchOptions& o, const std::string& path,
                const std::vector<BuiltCodec>& codecs, RssMethod rss, Reporter& reporter,
                std::ostream& err) {
  Expected<Bytes> input = read_whole_file(path);
  if (!input.ok()) {
    err << kPrefix << input.status().message() << "\n";
    return false;
  }
  bool ok = true;
  for (const BuiltCodec& c : codecs) {
    ok &= report_measurement(path, measure_codec(*c.codec, path, *input, o.repeat, rss),
                             reporter, err);
  }
  return ok;
}

// Tensor specs go through the checkpoint archive, everything else gets the concatenated files
// (checkpoint_bench.h); every row carries the checkpoint's order-0 bound.
bool bench_checkpoint(const BenchOptions& o, const std::string& path,
                      const std::vector<BuiltCodec>& codecs, RssMethod rss, Reporter& reporter,
                      std::ostream& err) {
  Expected<CheckpointInput> input = load_checkpoint_input(path);
  if (!input.ok()) {
    err << kPrefix << path << ": not a usable checkpoint: " << input.status().to_string() << "\n";
    return false;
  }
  bool ok = true;
  for (const BuiltCodec& c : codecs) {
    std::unique_ptr<BenchCodec> archive_codec;
    if (const std::optional<std::string> options = tensor_spec_options(c.spec)) {
      auto made = make_checkpoint_codec(*input, *options, o.kolmo);
      if (!made.ok()) {
        err << kPrefix << path << ": codec '" << c.spec.kolmo_spec
            << "': " << made.status().to_string() << "\n";
        ok = false;
        continue;
      }
      archive_codec = std::move(*made);
    }
    const BenchCodec& codec = archive_codec ? *archive_codec : *c.codec;
    Expected<Measurement> m = measure_codec(codec, path, input->bytes, o.repeat, rss);
    if (m.ok()) m->order0_bound_fraction = input->order0_bound_fraction;
    ok &= report_measurement(path, std::move(m), reporter, err);
  }
  return ok;
}

int run(const BenchOptions& o, std::ostream& out, std::ostream& err) {
  bool failed = false;
  const auto codecs = build_codecs(o, err, failed);
  if (codecs.empty()) return 1;
  const RssMethod rss = detect_rss_method();
  Reporter reporter(o, out);
  for (const std::string& path : o.files) {
    const bool ok = is_checkpoint_path(path)
                        ? bench_checkpoint(o, path, codecs, rss, reporter, err)
                        : bench_file(o, path, codecs, rss, reporter, err);
    if (!ok) failed = true;
  }
  if (!reporter.finish(err)) failed = true;
  return failed ? 1 : 0;
}

}  // namespace

int run_bench(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app("Compare kolmo's codecs with xz, zstd, brotli, bzip2 and gzip on FILEs.",
               "kolmo bench");
  BenchOptions options;
  add_options(app, options);
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    err << kPrefix << e.what() << " (see kolmo bench --help)\n";
    return 1;
  }
  try {
    return run(options, out, err);
  } catch (const std::exception& e) {  // e.g. std::bad_alloc on a file too large for memory
    err << kPrefix << "error: " << e.what() << "\n";
    return 1;
  }
}

int bench_main(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return run_bench(args, std::cout, std::cerr);
}

}  // namespace kolmo::bench
