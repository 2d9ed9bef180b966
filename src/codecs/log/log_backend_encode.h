#pragma once

#include <cstdint>
#include <cstddef>

#include "codecs/log/log_format.h"
#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::logc {

// Which backends an encoder tries on each stream; the smallest result is kept.
struct BackendChoice {
  bool zstd = true;
  int zstd_level = 19;
  bool lzma = true;
  bool lzma_extreme = false;
  bool o2 = true;
  int o2_level = 9;
  // Streams smaller than this skip o2 and lzma (their fixed costs dominate).
  std::size_t min_size_for_models = 0;
  // Streams larger than this pick their backend on their first sample_bytes, then run only the
  // winner on the whole stream (speed: each candidate costs a full pass otherwise).
  std::size_t sample_above = SIZE_MAX;
  std::size_t sample_bytes = 64 << 10;
};

// Compresses data with every allowed backend, appends the smallest as one stream record.
Status append_stream(Bytes& out, ByteSpan data, const BackendChoice& choice);

}  // namespace kolmo::logc
