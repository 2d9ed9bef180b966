// Tests of `kolmo bench`: baseline adapters, spec parsing, measurement, the three output formats,
// the SVG plot, agreement with the standalone tools, and the CLI end to end.
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bench/baselines.h"
#include "bench/bench_codec.h"
#include "bench/bench_main.h"
#include "bench/codec_spec.h"
#include "bench/measure.h"
#include "bench/plot.h"
#include "bench/report.h"
#include "test_data.h"

namespace kolmo::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Deterministic English-like text: compressible like real text, different for each seed.
std::string generated_text(std::size_t size, std::uint32_t seed = 1) {
  static const char* const kWords[] = {
      "the",   "of",    "and",    "a",       "to",     "in",     "is",    "you",  "that",
      "it",    "he",    "was",    "for",     "on",     "are",    "as",    "with", "his",
      "they",  "alice", "rabbit", "queen",   "garden", "little", "began", "said", "very",
      "thought", "down", "would", "curious", "time",   "again",  "door",  "key",  "hatter"};
  std::string text;
  std::uint32_t state = seed;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  while (text.size() < size) {
    text += kWords[next() % std::size(kWords)];
    const std::uint32_t r = next() % 20;
    text += r == 0 ? ".\n" : r == 1 ? ", " : " ";
  }
  text.resize(size);
  return text;
}

Bytes to_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

// A file in the temp dir, removed at the end of the test.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& contents)
      : path_(fs::temp_directory_path() /
              ("kolmo_bench_" + std::to_string(getpid()) + "_" + name)) {
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempFile() { fs::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

struct RunResult {
  int status;
  std::string out;
  std::string err;
};

RunResult run_in_process(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int status = run_bench(args, out, err);
  return {status, out.str(), err.str()};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// ---- baseline adapters -------------------------------------------------------------------------

struct Adapter {
  const char* name;
  std::function<Expected<Bytes>(ByteSpan)> compress;
  std::function<Expected<Bytes>(ByteSpan, std::size_t)> decompress;
};

std::vector<Adapter> adapters() {
  return {
      {"xz", [](ByteSpan in) { return xz_compress(in, 6, false); }, xz_decompress},
      {"xz_extreme", [](ByteSpan in) { return xz_compress(in, 9, true); }, xz_decompress},
      {"zstd", [](ByteSpan in) { return zstd_compress(in, 19); }, zstd_decompress},
      {"brotli", [](ByteSpan in) { return brotli_compress(in, 9); }, brotli_decompress},
      {"bzip2", [](ByteSpan in) { return bzip2_compress(in, 9); }, bzip2_decompress},
      {"gzip", [](ByteSpan in) { return gzip_compress(in, 9); }, gzip_decompress},
  };
}

TEST(Baselines, EachAdapterRoundTripsGeneratedText) {
  const Bytes text = to_bytes(generated_text(200'000));
  for (const Adapter& a : adapters()) {
    SCOPED_TRACE(a.name);
    auto packed = a.compress(text);
    ASSERT_TRUE(packed.ok()) << packed.status().to_string();
    EXPECT_LT(packed->size(), text.size() / 2) << "text should compress well";
    auto unpacked = a.decompress(*packed, text.size());
    ASSERT_TRUE(unpacked.ok()) << unpacked.status().to_string();
    EXPECT_EQ(*unpacked, text);
  }
}

TEST(Baselines, EachAdapterRoundTripsEmptyInput) {
  for (const Adapter& a : adapters()) {
    SCOPED_TRACE(a.name);
    auto packed = a.compress(ByteSpan());
    ASSERT_TRUE(packed.ok()) << packed.status().to_string();
    EXPECT_GT(packed->size(), 0u) << "even an empty stream has a header";
    auto unpacked = a.decompress(*packed, 0);
    ASSERT_TRUE(unpacked.ok()) << unpacked.status().to_string();
    EXPECT_TRUE(unpacked->empty());
  }
}

TEST(Baselines, DamagedStreamsNeverDecodeToTheInput) {
  const Bytes text = to_bytes(generated_text(50'000, 7));
  for (const Adapter& a : adapters()) {
    SCOPED_TRACE(a.name);
    Bytes packed = *a.compress(text);
    Bytes truncated(packed.begin(), packed.begin() + static_cast<long>(packed.size() / 2));
    auto from_truncated = a.decompress(truncated, text.size());
    EXPECT_TRUE(!from_truncated.ok() || *from_truncated != text);
    // Told a smaller original size, a decoder must fail or stop short, never overflow.
    auto too_small = a.decompress(packed, text.size() / 2);
    EXPECT_TRUE(!too_small.ok() || too_small->size() <= text.size() / 2);
  }
}

TEST(Baselines, StreamsUseTheToolsContainers) {
  const Bytes text = to_bytes(generated_text(10'000));
  const Bytes xz = *xz_compress(text, 6, false);
  ASSERT_GE(xz.size(), 12u);
  EXPECT_EQ(Bytes(xz.begin(), xz.begin() + 6), (Bytes{0xFD, '7', 'z', 'X', 'Z', 0x00}));
  EXPECT_EQ(xz[7], 0x04) << "stream flags: check type CRC64, as the xz tool writes";
  EXPECT_EQ(Bytes(xz.end() - 2, xz.end()), (Bytes{'Y', 'Z'}));

  const Bytes zst = *zstd_compress(text, 3);
  EXPECT_EQ(Bytes(zst.begin(), zst.begin() + 4), (Bytes{0x28, 0xB5, 0x2F, 0xFD}));
  EXPECT_TRUE(zst[4] & 0x04) << "frame descriptor: content checksum flag, as the zstd tool writes";

  const Bytes bz = *bzip2_compress(text, 7);
  EXPECT_EQ(Bytes(bz.begin(), bz.begin() + 4), (Bytes{'B', 'Z', 'h', '7'}));

  const Bytes gz = *gzip_compress(text, 9);
  EXPECT_EQ(gz[0], 0x1F);
  EXPECT_EQ(gz[1], 0x8B);
}

TEST(Baselines, BrotliWindowFollowsTheCliRule) {
  EXPECT_EQ(brotli_window_bits(0), 10);
  EXPECT_EQ(brotli_window_bits(1008), 10);  // 2^10 - 16
  EXPECT_EQ(brotli_window_bits(1009), 11);
  EXPECT_EQ(brotli_window_bits(152'089), 18);  // alice29.txt
  EXPECT_EQ(brotli_window_bits(std::size_t{1} << 30), 24);
}

// ---- spec parsing ------------------------------------------------------------------------------

TEST(CodecSpec, ParsesBaselinesWithCanonicalLabels) {
  const std::pair<const char*, const char*> cases[] = {
      {"xz:9e", "xz:9e"},     {"xz:0", "xz:0"},          {"xz", "xz:6"},
      {"zstd:19", "zstd:19"}, {"zstd", "zstd:3"},        {"brotli:11", "brotli:11"},
      {"brotli", "brotli:11"}, {"bzip2:1", "bzip2:1"},   {"gzip", "gzip:6"},
      {"gzip:9", "gzip:9"}};
  for (const auto& [text, label] : cases) {
    auto spec = parse_codec_spec(text);
    ASSERT_TRUE(spec.ok()) << text << ": " << spec.status().to_string();
    EXPECT_NE(spec->family, CodecFamily::kKolmo) << text;
    EXPECT_EQ(spec->label, label);
  }
  EXPECT_TRUE(parse_codec_spec("xz:9e")->extreme);
  EXPECT_FALSE(parse_codec_spec("xz:9")->extreme);
}

TEST(CodecSpec, KolmoSpecsByPrefixOrKolmoOnlyName) {
  auto prefixed = parse_codec_spec("kmo:zstd:19");
  ASSERT_TRUE(prefixed.ok());
  EXPECT_EQ(prefixed->family, CodecFamily::kKolmo);
  EXPECT_EQ(prefixed->kolmo_spec, "zstd:19");
  for (const char* bare : {"o2", "store"}) {
    auto spec = parse_codec_spec(bare);
    ASSERT_TRUE(spec.ok()) << bare;
    EXPECT_EQ(spec->family, CodecFamily::kKolmo) << bare;
    EXPECT_EQ(spec->kolmo_spec, bare);
  }
  // The tool name wins: a bare "zstd" is the libzstd baseline, not kolmo's codec.
  EXPECT_EQ(parse_codec_spec("zstd:19")->family, CodecFamily::kZstd);
}

TEST(CodecSpec, BadSpecsAndLevelsAreErrors) {
  for (const char* bad : {"xz:10", "xz:-1", "xz:e", "xz:9x", "xz:", "zstd:0", "zstd:23",
                          "zstd:fast", "brotli:12", "bzip2:0", "bzip2:10", "gzip:0", "gzip:10",
                          "gzip:9:9", "lz4", "", "KMO:zstd"}) {
    auto spec = parse_codec_spec(bad);
    EXPECT_FALSE(spec.ok()) << "'" << bad << "' should be rejected";
    if (!spec.ok()) {
      EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
}

TEST(CodecSpec, KolmoOptionsAreCheckedWhenTheCodecIsBuilt) {
  auto bad_level = make_bench_codec(*parse_codec_spec("kmo:zstd:99"), KolmoSettings{});
  EXPECT_FALSE(bad_level.ok());
  auto unknown = make_bench_codec(*parse_codec_spec("kmo:nosuch"), KolmoSettings{});
  EXPECT_FALSE(unknown.ok());
  auto good = make_bench_codec(*parse_codec_spec("kmo:zstd"), KolmoSettings{});
  ASSERT_TRUE(good.ok()) << good.status().to_string();
  EXPECT_EQ((*good)->label(), "kmo:zstd:3") << "the label names the effective level";
}

TEST(CodecSpec, SplitsLists) {
  EXPECT_EQ(split_codec_list("a, b,,c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_codec_list(" , ").empty());
  // kolmo specs keep their own options; tool names and codec names start new specs.
  EXPECT_EQ(split_codec_list("kmo:cm:9,ssm,lstm,kmo:cm:9, ssm,xz:9e,log:max,hybrid6,o2"),
            (std::vector<std::string>{"kmo:cm:9,ssm,lstm", "kmo:cm:9,ssm", "xz:9e",
                                      "log:max,hybrid6", "o2"}));
  // An option after a tool is not glued to it (the tool has none): it stays an (unknown) item.
  EXPECT_EQ(split_codec_list("zstd:19,ssm"), (std::vector<std::string>{"zstd:19", "ssm"}));
}

// ---- measurement -------------------------------------------------------------------------------

TEST(Measure, FiguresAreConsistentWithTheAdapter) {
  const Bytes text = to_bytes(generated_text(100'000, 3));
  auto codec = make_bench_codec(*parse_codec_spec("gzip:9"), KolmoSettings{});
  ASSERT_TRUE(codec.ok());
  auto m = measure_codec(**codec, "gen.txt", text, 2, detect_rss_method());
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_TRUE(m->roundtrip_ok) << m->error;
  EXPECT_EQ(m->codec, "gzip:9");
  EXPECT_EQ(m->input_bytes, text.size());
  EXPECT_EQ(m->output_bytes, gzip_compress(text, 9)->size());
  EXPECT_DOUBLE_EQ(m->ratio(), double(m->input_bytes) / double(m->output_bytes));
  EXPECT_DOUBLE_EQ(m->bpb(), double(m->output_bytes) * 8 / double(m->input_bytes));
  EXPECT_GT(m->compress_s, 0);
  EXPECT_GT(m->decompress_s, 0);
  EXPECT_DOUBLE_EQ(m->compress_mb_s(), double(text.size()) / 1e6 / m->compress_s);
  EXPECT_GE(m->compress_peak_rss_bytes, text.size()) << "the input itself is resident";
  EXPECT_GE(m->decompress_peak_rss_bytes, text.size());
}

// A codec whose decoder damages one byte: the harness must notice.
class CorruptingCodec final : public BenchCodec {
 public:
  const std::string& label() const override { return label_; }
  unsigned threads() const override { return 1; }
  Expected<Bytes> compress(ByteSpan input) const override { return Bytes(input.begin(), input.end()); }
  Expected<Bytes> decompress(ByteSpan c, std::size_t) const override {
    Bytes out(c.begin(), c.end());
    out[out.size() / 2] ^= 1;
    return out;
  }

 private:
  std::string label_ = "corrupting";
};

TEST(Measure, DetectsAFailedRoundTrip) {
  const Bytes text = to_bytes(generated_text(1000));
  auto m = measure_codec(CorruptingCodec{}, "x", text, 1, detect_rss_method());
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->roundtrip_ok);
  EXPECT_FALSE(m->error.empty());
}

void expect_peak_sees_allocation(RssMethod method) {
  constexpr std::size_t kBig = std::size_t{64} << 20;
  const std::uint64_t idle = peak_rss_during(method, [] {});
  const std::uint64_t busy = peak_rss_during(method, [] {
    // mmap rather than the heap: munmap returns the pages at once, even under ASan (whose
    // quarantine would keep freed heap resident and hide the reset checked below).
    void* block = mmap(nullptr, kBig, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(block, MAP_FAILED);
    std::memset(block, 1, kBig);  // touched, so resident
    asm volatile("" : : "r"(block) : "memory");
    munmap(block, kBig);
  });
  ASSERT_GT(idle, 0u) << rss_method_name(method);
  EXPECT_GE(busy, idle + kBig * 9 / 10) << rss_method_name(method);
  // After the big block is freed, a reset must bring the peak back down.
  const std::uint64_t idle_again = peak_rss_during(method, [] {});
  EXPECT_LT(idle_again, idle + kBig / 2) << rss_method_name(method) << ": peak not reset";
}

TEST(Measure, PeakRssByClearRefs) {
  if (detect_rss_method() != RssMethod::kClearRefs) GTEST_SKIP() << "clear_refs unsupported here";
  expect_peak_sees_allocation(RssMethod::kClearRefs);
}

TEST(Measure, PeakRssByForkedChild) { expect_peak_sees_allocation(RssMethod::kForkedChild); }

// ---- the command, in process -------------------------------------------------------------------

TEST(BenchCommand, JsonLinesParseBackWithAllFields) {
  const std::string text = generated_text(80'000, 11);
  TempFile file("json.txt", text);
  auto r = run_in_process({"--json", "--codec", "gzip:6,bzip2:9,xz:6", file.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  const char* expected_codecs[] = {"gzip:6", "bzip2:9", "xz:6"};
  const Bytes input = to_bytes(text);
  const std::uint64_t again[] = {gzip_compress(input, 6)->size(), bzip2_compress(input, 9)->size(),
                                 xz_compress(input, 6, false)->size()};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const json j = json::parse(lines[i]);
    for (const std::string& field : report_fields()) EXPECT_TRUE(j.contains(field)) << field;
    for (const char* field : {"file", "codec", "input_bytes", "output_bytes", "compress_s",
                              "decompress_s", "roundtrip_ok", "ratio", "bpb", "compress_mb_s",
                              "decompress_mb_s", "compress_peak_rss_bytes",
                              "decompress_peak_rss_bytes", "threads"}) {
      EXPECT_TRUE(j.contains(field)) << field;
    }
    EXPECT_EQ(j["file"], file.path());
    EXPECT_EQ(j["codec"], expected_codecs[i]);
    EXPECT_EQ(j["input_bytes"], text.size());
    EXPECT_EQ(j["output_bytes"], again[i]) << "compressing again gives the same size";
    EXPECT_EQ(j["roundtrip_ok"], true);
    EXPECT_EQ(j["threads"], 1);
    EXPECT_NEAR(j["bpb"].get<double>(), double(again[i]) * 8 / double(text.size()), 1e-9);
  }
}

TEST(BenchCommand, CsvHasHeaderAndMatchingRows) {
  const std::string text = generated_text(50'000, 12);
  TempFile file("csv.txt", text);
  auto r = run_in_process({"--csv", "--codec", "zstd:3,brotli:5", file.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0], csv_header());
  const auto header = split_codec_list(lines[0]);  // plain comma split is enough for the header
  const auto col = [&](const std::string& name) {
    return std::find(header.begin(), header.end(), name) - header.begin();
  };
  ASSERT_LT(static_cast<std::size_t>(col("output_bytes")), header.size());
  const Bytes input = to_bytes(text);
  const std::uint64_t again[] = {zstd_compress(input, 3)->size(), brotli_compress(input, 5)->size()};
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> cells;
    std::stringstream row(lines[i]);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    ASSERT_EQ(cells.size(), header.size()) << lines[i];
    EXPECT_EQ(std::stoull(cells[col("output_bytes")]), again[i - 1]);
    EXPECT_EQ(cells[col("roundtrip_ok")], "true");
    EXPECT_EQ(std::stoull(cells[col("input_bytes")]), text.size());
  }
}

TEST(BenchCommand, CsvQuotesAwkwardFileNames) {
  Measurement m;
  m.file = "a,\"b\".txt";
  EXPECT_EQ(csv_row(m).rfind("\"a,\"\"b\"\".txt\",", 0), 0u) << csv_row(m);
}

TEST(BenchCommand, TableIsAligned) {
  TempFile file("table.txt", generated_text(20'000, 13));
  auto r = run_in_process({"--codec", "gzip:1,xz:0", file.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_NE(lines[0].find("ratio"), std::string::npos);
  EXPECT_NE(lines[1].find("gzip:1"), std::string::npos);
  EXPECT_NE(lines[2].find("xz:0"), std::string::npos);
  EXPECT_EQ(lines[0].size(), lines[1].size());
  EXPECT_EQ(lines[1].size(), lines[2].size());
}

TEST(BenchCommand, PlotHasOneMarkerPerCodec) {
  TempFile file("plot.txt", generated_text(30'000, 14));
  TempFile svg_file("plot.svg", "");
  auto r = run_in_process(
      {"--json", "--codec", "gzip:9,zstd:3,bzip2:9", "--plot", svg_file.path(), file.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream in(svg_file.path());
  const std::string svg((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  std::size_t markers = 0;
  for (auto at = svg.find("class=\"marker\""); at != std::string::npos;
       at = svg.find("class=\"marker\"", at + 1)) {
    ++markers;
  }
  EXPECT_EQ(markers, 3u);
  for (const char* codec : {"gzip:9", "zstd:3", "bzip2:9"}) {
    EXPECT_NE(svg.find(std::string("data-codec=\"") + codec + "\""), std::string::npos) << codec;
  }
}

TEST(BenchCommand, PlotAggregatesFilesPerCodec) {
  Measurement a, b;
  a.codec = b.codec = "x";
  a.input_bytes = 100, a.output_bytes = 50, a.compress_s = 1;
  b.input_bytes = 300, b.output_bytes = 50, b.compress_s = 1;
  const std::string svg = render_svg({a, b});
  EXPECT_NE(svg.find("ratio 4.0"), std::string::npos) << "400 in / 100 out";
}

TEST(BenchCommand, BadArgumentsGiveOneErrorLineAndExit1) {
  TempFile file("args.txt", "hello hello hello");
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"--no-such-option", file.path()},
      {"--level", "0", file.path()},
      {"--level", "x", file.path()},
      {"--repeat", "0", file.path()},
      {"-T", "0", file.path()},
      {"--json", "--csv", file.path()},
      {"/no/such/file.txt"},
      {"--codec", "", file.path()},
      {"--codec", "lz4", file.path()},
  };
  for (const auto& args : cases) {
    auto r = run_in_process(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.status, 1) << joined;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << joined << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("kolmo bench: ", 0), 0u) << r.err;
  }
}

TEST(BenchCommand, ABadCodecFailsAtTheEndButOthersStillRun) {
  TempFile file("mixed.txt", generated_text(5'000));
  auto r = run_in_process({"--json", "--codec", "gzip:6,gzip:99", file.path()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("gzip:99"), std::string::npos) << r.err;
  ASSERT_EQ(lines_of(r.out).size(), 1u) << r.out;
  EXPECT_EQ(json::parse(r.out)["codec"], "gzip:6");
}

TEST(BenchCommand, HelpExitsZero) {
  auto r = run_in_process({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("--codec"), std::string::npos);
}

// ---- kolmo codecs through the container ------------------------------------------------------

TEST(BenchCommand, KolmoCodecThroughTheContainer) {
  const std::string text = generated_text(300'000, 21);
  TempFile file("kmo.txt", text);
  auto one = run_in_process({"--json", "--codec", "kmo:zstd:3", "--block-size", "64K", file.path()});
  ASSERT_EQ(one.status, 0) << one.err;
  const json j1 = json::parse(one.out);
  EXPECT_EQ(j1["codec"], "kmo:zstd:3");
  EXPECT_EQ(j1["roundtrip_ok"], true);
  EXPECT_LT(j1["output_bytes"].get<std::uint64_t>(), text.size() / 2);
  // The container promises the same bytes for any thread count.
  auto two = run_in_process(
      {"--json", "--codec", "kmo:zstd:3", "--block-size", "64K", "-T", "2", file.path()});
  ASSERT_EQ(two.status, 0) << two.err;
  const json j2 = json::parse(two.out);
  EXPECT_EQ(j2["threads"], 2);
  EXPECT_EQ(j2["output_bytes"], j1["output_bytes"]);
}

// ---- agreement with the standalone tools -----------------------------------------------------

bool tool_installed(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// Size of what `command` writes to stdout, or -1 if it failed.
long long output_size_of(const std::string& command) {
  FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return -1;
  long long total = 0;
  char buf[1 << 16];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) total += n;
  return pclose(pipe) == 0 ? total : -1;
}

struct ToolCase {
  const char* tool;
  const char* args;   // standalone tool arguments
  const char* codec;  // the matching --codec spec
};
constexpr ToolCase kToolCases[] = {
    {"xz", "-9e -c", "xz:9e"},      {"zstd", "-19 -c", "zstd:19"},
    {"brotli", "-q 11 -c", "brotli:11"}, {"bzip2", "-9 -c", "bzip2:9"},
    {"gzip", "-9 -c", "gzip:9"},
};

void expect_tools_agree(const std::string& path) {
  std::string codecs;
  for (const ToolCase& t : kToolCases) codecs += std::string(codecs.empty() ? "" : ",") + t.codec;
  auto r = run_in_process({"--json", "--codec", codecs, path});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), std::size(kToolCases));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const ToolCase& t = kToolCases[i];
    if (!tool_installed(t.tool)) {
      std::cout << "[ SKIPPED  ] " << t.tool << " is not installed; its agreement is not checked\n";
      continue;
    }
    const long long tool_bytes =
        output_size_of(std::string(t.tool) + " " + t.args + " '" + path + "'");
    ASSERT_GT(tool_bytes, 0) << t.tool << " failed";
    const json j = json::parse(lines[i]);
    const double ours = j["output_bytes"].get<double>();
    EXPECT_NEAR(ours, double(tool_bytes), double(tool_bytes) * 0.01)
        << t.codec << " vs `" << t.tool << " " << t.args << "`";
    std::cout << "  " << t.codec << ": library " << ours << " B, tool " << tool_bytes << " B\n";
  }
}

TEST(ToolAgreement, GeneratedTextWithinOnePercent) {
  TempFile file("agree.txt", generated_text(150'000, 5));
  expect_tools_agree(file.path());
}

TEST(SharedData, AliceWithinOnePercentOfTheTools) {
  KOLMO_REQUIRE_DATA(data);
  const fs::path alice = data / "text" / "canterbury" / "alice29.txt";
  if (!fs::exists(alice)) GTEST_SKIP() << alice << " not found";
  expect_tools_agree(alice.string());
}

// ---- end to end through the CLI binary -------------------------------------------------------

// Runs `$KOLMO_BIN bench ARGS`, capturing stdout (stderr to a file); skips when the binary is
// absent or does not dispatch `bench` to the harness yet.
struct CliRun {
  int status;
  std::string out;
  std::string err;
};

std::string kolmo_bin() {
  const char* bin = std::getenv("KOLMO_BIN");
  return bin ? bin : "";
}

bool cli_dispatches_bench() {
  const std::string bin = kolmo_bin();
  if (bin.empty() || !fs::exists(bin)) return false;
  FILE* pipe = popen(("'" + bin + "' bench --help 2>&1").c_str(), "r");
  if (pipe == nullptr) return false;
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) text.append(buf, n);
  pclose(pipe);
  return text.find("--codec") != std::string::npos;
}

CliRun run_cli(const std::string& args) {
  const std::string err_path = (fs::temp_directory_path() /
                                ("kolmo_bench_cli_err_" + std::to_string(getpid()))).string();
  FILE* pipe = popen(("'" + kolmo_bin() + "' bench " + args + " 2>'" + err_path + "'").c_str(), "r");
  std::string out;
  char buf[4096];
  for (std::size_t n; pipe && (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  const int status = pipe ? pclose(pipe) : -1;
  std::ifstream err_in(err_path);
  std::string err((std::istreambuf_iterator<char>(err_in)), {});
  fs::remove(err_path);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, err};
}

TEST(EndToEnd, CliBenchPrintsJson) {
  if (!cli_dispatches_bench()) GTEST_SKIP() << "`kolmo bench` is not dispatched by the CLI yet";
  TempFile file("e2e.txt", generated_text(40'000, 31));
  auto r = run_cli("--json --codec gzip:9,xz:6 '" + file.path() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  const Bytes input = to_bytes(generated_text(40'000, 31));
  EXPECT_EQ(json::parse(lines[0])["output_bytes"], gzip_compress(input, 9)->size());
  EXPECT_EQ(json::parse(lines[1])["roundtrip_ok"], true);
}

TEST(EndToEnd, CliBenchRejectsBadArguments) {
  if (!cli_dispatches_bench()) GTEST_SKIP() << "`kolmo bench` is not dispatched by the CLI yet";
  auto r = run_cli("--codec xz:99 /dev/null");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("xz"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace kolmo::bench
