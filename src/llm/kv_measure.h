// Measurement of a KV method inside attention: a MeasuringStore wraps the method's store and an
// exact store fed the same keys and values. Attention asks it for scores (supplies_scores), so for
// every query row it sees q and both caches: it computes the method's scores and attention output
// (timed: the "attend" time) and the exact ones (not timed), and accumulates the squared errors.
// Accumulators are fixed-point integers added atomically, so the totals do not depend on the
// order in which threads finish (same numbers for any -T).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "llm/kv_cache.h"

namespace kolmo::llm {

struct KvStats {
  // Sums over layers, query heads and query rows, in units of 2^-20.
  std::atomic<std::uint64_t> score_error2{0}, score_exact2{0}, output_error2{0}, output_exact2{0};
  std::atomic<std::uint64_t> encode_ns{0}, attend_ns{0};  // summed over threads
  std::atomic<std::uint64_t> rows{0};                     // query rows measured (x heads x layers)

  static double to_double(const std::atomic<std::uint64_t>& v) {
    return static_cast<double>(v.load()) / 1048576.0;
  }
};

std::unique_ptr<KvStore> make_measuring_store(std::unique_ptr<KvStore> method, const KvShape& shape,
                                              std::shared_ptr<KvStats> stats);

}  // namespace kolmo::llm
