#pragma once

#include <cstdint>
#include <cstddef>
#include <memory>

#include "codecs/log/log_format.h"
#include "kolmo/bytes.h"
#include "kolmo/status.h"

struct ZSTD_CCtx_s;

namespace kolmo::o2 {
class Model;
}

namespace kolmo::logc {

// Which backends an encoder tries on each stream; the smallest result is kept.
struct BackendChoice {
  bool zstd = true;
  int zstd_level = 19;
  bool lzma = true;
  bool lzma_extreme = false;
  bool o2 = true;
  int o2_level = 9;
  // The cm context-mixing codec (through its public encoder): strongest and slowest.
  bool cm = false;
  int cm_level = 5;
  // Streams smaller than this skip o2 and lzma (their fixed costs dominate).
  std::size_t min_size_for_models = 0;
  // Streams larger than this pick their backend on their first sample_bytes, then run only the
  // winner on the whole stream (speed: each candidate costs a full pass otherwise).
  std::size_t sample_above = SIZE_MAX;
  std::size_t sample_bytes = 64 << 10;
  // Streams larger than this skip o2, the slowest trial (about 1-2 MB/s): on the Loghub
  // concatenation lzma or cm won every such stream, on other logs o2 can win some (docs/log.md,
  // "Speed").
  std::size_t o2_max_size = SIZE_MAX;
};

// State reused across the streams of one block (one per encode_block call, so encoders stay
// thread-safe): the o2 model is mapped once and reset between streams, which spares the page
// faults of fresh tables for every stream and every trial.
class BackendScratch {
 public:
  BackendScratch();
  ~BackendScratch();
  BackendScratch(const BackendScratch&) = delete;
  BackendScratch& operator=(const BackendScratch&) = delete;
  // A model of this level in its initial state, or nullptr when it cannot be allocated.
  o2::Model* o2_model(int level, std::uint64_t block_size);
  // One zstd compression context for every zstd trial of the block, reset to default parameters
  // before each use (a fresh context per stream costs its table allocation and page faults;
  // zstd's output does not depend on the context's history). nullptr when it cannot be allocated.
  ZSTD_CCtx_s* zstd_context();
  // A buffer of at least size bytes, kept for the block (its pages are faulted in once).
  Bytes& output_buffer(std::size_t size);

 private:
  struct ZstdFree {
    void operator()(ZSTD_CCtx_s* cctx) const;
  };
  std::unique_ptr<ZSTD_CCtx_s, ZstdFree> zstd_;
  Bytes buffer_;
  std::unique_ptr<o2::Model> o2_;
  int o2_level_ = 0;
  bool o2_used_ = false;
};

// Compresses data with every allowed backend, appends the smallest as one stream record.
// prime: the dictionary's bytes for this stream in a version-2 block (empty: none); zstd, lzma
// and o2 start from it (read_stream in log_backend.h does the same), cm does not.
Status append_stream(Bytes& out, ByteSpan data, const BackendChoice& choice,
                     BackendScratch& scratch, ByteSpan prime = {});

}  // namespace kolmo::logc
