// One codec under test, whatever it is: kolmo through the container, or a baseline library.
// The harness (measure.h) only sees this interface.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bench/codec_spec.h"
#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::bench {

class BenchCodec {
 public:
  virtual ~BenchCodec() = default;
  // Canonical label for reports ("kmo:zstd:3", "xz:9e").
  virtual const std::string& label() const = 0;
  // Worker threads it uses: the -T value for kolmo; 1 for the baselines, which are run
  // single-threaded as their tools are by default.
  virtual unsigned threads() const = 0;
  virtual Expected<Bytes> compress(ByteSpan input) const = 0;
  virtual Expected<Bytes> decompress(ByteSpan compressed, std::size_t original_size) const = 0;
};

// Settings that apply to kolmo codecs only (the baselines have fixed, tool-like settings).
struct KolmoSettings {
  int level = 0;                  // -L N: kolmo level 1..9, 0 = codec default
  unsigned threads = 1;           // -T N
  std::uint64_t block_size = 0;   // --block-size; 0 = the codec's preferred size
};

// Builds the codec. For kolmo specs this also builds the encoder once, so that bad options and
// codecs that are not available (kUnsupported) are reported before any file is read.
Expected<std::unique_ptr<BenchCodec>> make_bench_codec(const CodecSpec& spec,
                                                        const KolmoSettings& kolmo);

}  // namespace kolmo::bench
