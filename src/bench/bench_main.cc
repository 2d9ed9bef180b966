// `kolmo bench [OPTIONS] FILE...`: kolmo's codecs against the standard compressors, measured the
// same way on the same bytes. See codec_spec.h for the --codec grammar and measure.h for how
// time and memory are measured.
#include "bench/bench_main.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>

#include "bench/bench_codec.h"
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
  app.add_option("FILE", o.files, "files to compress")->required()->check(CLI::ExistingFile);
  app.add_option("--codec", o.codec_list,
                 "comma-separated codecs: kmo:SPEC (kolmo, e.g. kmo:zstd:19, kmo:o2; a bare kolmo-only "
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
      "of a forked child that repeats the step). Exit status 1 if any codec or round trip failed.");
}

// Builds every requested codec. Bad specs are errors (reported, exit 1 at the end); a codec from
// the default list that is not built yet (kUnsupported) is skipped with a note.
std::vector<std::unique_ptr<BenchCodec>> build_codecs(const BenchOptions& o, std::ostream& err,
                                                      bool& failed) {
  const bool defaults = !o.codec_list.has_value();
  const std::vector<std::string> specs =
      defaults ? default_codec_list() : split_codec_list(*o.codec_list);
  if (specs.empty()) {
    err << kPrefix << "--codec names no codec\n";
    failed = true;
  }
  std::vector<std::unique_ptr<BenchCodec>> codecs;
  for (const std::string& text : specs) {
    Expected<CodecSpec> spec = parse_codec_spec(text);
    Expected<std::unique_ptr<BenchCodec>> codec =
        spec.ok() ? make_bench_codec(*spec, o.kolmo) : spec.status();
    if (codec.ok()) {
      codecs.push_back(std::move(*codec));
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

int run(const BenchOptions& o, std::ostream& out, std::ostream& err) {
  bool failed = false;
  const auto codecs = build_codecs(o, err, failed);
  if (codecs.empty()) return 1;
  const RssMethod rss = detect_rss_method();
  Reporter reporter(o, out);
  for (const std::string& path : o.files) {
    Expected<Bytes> input = read_whole_file(path);
    if (!input.ok()) {
      err << kPrefix << input.status().message() << "\n";
      failed = true;
      continue;
    }
    for (const auto& codec : codecs) {
      Expected<Measurement> m = measure_codec(*codec, path, *input, o.repeat, rss);
      if (!m.ok()) {
        err << kPrefix << path << ": " << m.status().to_string() << "\n";
        failed = true;
        continue;
      }
      if (!m->roundtrip_ok) {
        err << kPrefix << path << ": " << m->codec << ": round trip FAILED: " << m->error << "\n";
        failed = true;
      }
      reporter.add(*m);
    }
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
