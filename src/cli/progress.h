// A one-line progress meter on stderr, for long jobs on a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "kolmo/container.h"

namespace kolmo::cli {

class ProgressMeter {
 public:
  // Shows nothing unless `enabled` (stderr is a terminal and not --quiet).
  ProgressMeter(std::string label, bool enabled);
  ~ProgressMeter() { finish(); }
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;

  // done/total in bytes; total 0 = unknown (a pipe), then bytes done are shown instead of a
  // percentage. Quiet during the first second, so that short jobs never flicker a line.
  void update(std::uint64_t done, std::uint64_t total);

  // Clears the line if one was drawn, so that the next message starts on a clean line.
  void finish();

  // A container callback that feeds this meter; the meter must outlive the job.
  ProgressFn callback();

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_draw_{};
};

// True when a progress meter belongs on stderr: a terminal, and the user did not ask for quiet.
bool progress_wanted(bool quiet);

}  // namespace kolmo::cli
