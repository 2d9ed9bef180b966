// Measuring one codec on one input: sizes, best-of-N times, peak memory, round trip.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "bench/bench_codec.h"
#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::bench {

// How peak memory is measured. Both report the whole process's resident set high-water mark
// (input and output buffers included), in bytes.
enum class RssMethod {
  // Preferred: `echo 5 > /proc/self/clear_refs` resets VmHWM to the current RSS, the work runs
  // in this process, and VmHWM is read from /proc/self/status afterwards.
  kClearRefs,
  // Fallback where that reset is refused (old kernels, some sandboxes): the work runs a second
  // time in a forked child and ru_maxrss comes from wait4. Times still come from this process.
  kForkedChild,
};

std::string_view rss_method_name(RssMethod method);  // "clear_refs" / "forked_child"

// Probes once whether clear_refs works here. KOLMO_BENCH_RSS=fork forces the fallback.
RssMethod detect_rss_method();

// Peak RSS in bytes while `work` runs under `method` (work runs in a child for kForkedChild).
// Returns 0 when the figure cannot be read.
std::uint64_t peak_rss_during(RssMethod method, const std::function<void()>& work);

struct Measurement {
  std::string file;
  std::string codec;
  unsigned threads = 1;
  std::uint64_t input_bytes = 0;
  std::uint64_t output_bytes = 0;
  double compress_s = 0;     // best of --repeat runs, steady clock
  double decompress_s = 0;
  std::uint64_t compress_peak_rss_bytes = 0;    // highest over the runs
  std::uint64_t decompress_peak_rss_bytes = 0;
  RssMethod rss_method = RssMethod::kClearRefs;
  bool roundtrip_ok = false;  // every run decoded to exactly the input
  std::string error;          // why the round trip failed, when it did
  // Checkpoint inputs only (checkpoint_bench.h): the order-0 exponent bound as a fraction of
  // input_bytes, the same for every codec on that input. Reported in JSON and the table.
  std::optional<double> order0_bound_fraction;

  // Derived figures. For an empty input ratio and bpb are 0 (undefined), as are speeds for a
  // zero time.
  double ratio() const;          // input / output
  double bpb() const;            // output bits per input byte
  double compress_mb_s() const;  // 1e6 input bytes per second
  double decompress_mb_s() const;
};

// Compresses and decompresses `input` `repeat` times. Fails only when compression itself fails;
// a decompression failure or mismatch is a Measurement with roundtrip_ok == false and `error`.
Expected<Measurement> measure_codec(const BenchCodec& codec, std::string file, ByteSpan input,
                                    int repeat, RssMethod rss_method);

}  // namespace kolmo::bench
