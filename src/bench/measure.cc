#include "bench/measure.h"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace kolmo::bench {
namespace {

bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

// VmHWM from /proc/self/status, in bytes; 0 when unavailable.
std::uint64_t read_vm_hwm() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  }
  return 0;
}

std::uint64_t peak_rss_in_process(const std::function<void()>& work) {
  // Freed heap that malloc still holds counts in RSS; give it back first so that one codec's
  // leftovers do not raise the next codec's starting point.
  malloc_trim(0);
  if (!reset_peak_rss()) return 0;
  work();
  return read_vm_hwm();
}

std::uint64_t peak_rss_in_child(const std::function<void()>& work) {
  const pid_t pid = fork();
  if (pid < 0) return 0;
  if (pid == 0) {
    work();
    _exit(0);  // no atexit handlers, no stdio flush of the parent's buffers
  }
  int wstatus = 0;
  rusage usage{};
  if (wait4(pid, &wstatus, 0, &usage) != pid) return 0;
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double per_second(std::uint64_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0.0;
}

// Runs `work` once, timed; its peak RSS goes to *peak (max with what is there).
template <typename Work>
double timed_run(RssMethod method, std::uint64_t* peak, Work&& work) {
  double seconds = 0;
  if (method == RssMethod::kClearRefs) {
    const std::uint64_t p = peak_rss_in_process([&] {
      const auto start = std::chrono::steady_clock::now();
      work();
      seconds = seconds_since(start);
    });
    *peak = std::max(*peak, p);
    return seconds;
  }
  const auto start = std::chrono::steady_clock::now();
  work();
  seconds = seconds_since(start);
  *peak = std::max(*peak, peak_rss_in_child([&] { work(); }));
  return seconds;
}

}  // namespace

std::string_view rss_method_name(RssMethod method) {
  return method == RssMethod::kClearRefs ? "clear_refs" : "forked_child";
}

RssMethod detect_rss_method() {
  if (const char* forced = std::getenv("KOLMO_BENCH_RSS"); forced && std::strcmp(forced, "fork") == 0) {
    return RssMethod::kForkedChild;
  }
  return reset_peak_rss() && read_vm_hwm() > 0 ? RssMethod::kClearRefs : RssMethod::kForkedChild;
}

std::uint64_t peak_rss_during(RssMethod method, const std::function<void()>& work) {
  return method == RssMethod::kClearRefs ? peak_rss_in_process(work) : peak_rss_in_child(work);
}

double Measurement::ratio() const {
  return output_bytes > 0 && input_bytes > 0
             ? static_cast<double>(input_bytes) / static_cast<double>(output_bytes)
             : 0.0;
}
double Measurement::bpb() const {
  return input_bytes > 0 ? static_cast<double>(output_bytes) * 8 / static_cast<double>(input_bytes)
                         : 0.0;
}
double Measurement::compress_mb_s() const { return per_second(input_bytes, compress_s); }
double Measurement::decompress_mb_s() const { return per_second(input_bytes, decompress_s); }

Expected<Measurement> measure_codec(const BenchCodec& codec, std::string file, ByteSpan input,
                                    int repeat, RssMethod rss_method) {
  Measurement m;
  m.file = std::move(file);
  m.codec = codec.label();
  m.threads = codec.threads();
  m.input_bytes = input.size();
  m.rss_method = rss_method;
  m.roundtrip_ok = true;
  for (int run = 0; run < std::max(repeat, 1); ++run) {
    Expected<Bytes> packed = invalid_argument("not run");
    const double c = timed_run(rss_method, &m.compress_peak_rss_bytes,
                               [&] { packed = codec.compress(input); });
    if (!packed.ok()) return packed.status().with_context(m.codec + " compress");
    m.compress_s = run == 0 ? c : std::min(m.compress_s, c);
    m.output_bytes = packed->size();

    Expected<Bytes> unpacked = invalid_argument("not run");
    const double d = timed_run(rss_method, &m.decompress_peak_rss_bytes,
                               [&] { unpacked = codec.decompress(*packed, input.size()); });
    m.decompress_s = run == 0 ? d : std::min(m.decompress_s, d);
    if (!unpacked.ok()) {
      m.roundtrip_ok = false;
      m.error = "decompress failed: " + unpacked.status().to_string();
      break;
    }
    if (unpacked->size() != input.size() ||
        !std::equal(unpacked->begin(), unpacked->end(), input.begin())) {
      m.roundtrip_ok = false;
      m.error = "decompressed bytes differ from the input";
      break;
    }
  }
  return m;
}

}  // namespace kolmo::bench
