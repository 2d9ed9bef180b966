#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include "cli/report.h"

namespace kolmo::cli {
namespace {
constexpr auto kQuietStart = std::chrono::seconds(1);
// Redrawing more often only costs terminal bandwidth; a human cannot read faster.
constexpr auto kRedrawInterval = std::chrono::milliseconds(200);
}  // namespace

ProgressMeter::ProgressMeter(std::string label, bool enabled)
    : label_(std::move(label)), enabled_(enabled) {}

void ProgressMeter::update(std::uint64_t done, std::uint64_t total) {
  if (!enabled_) return;
  const Clock::time_point now = Clock::now();
  if (now - start_ < kQuietStart || now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double mb_per_s = static_cast<double>(done) / 1e6 / seconds;
  std::string amount;
  if (total > 0) {
    amount = format_fixed(100.0 * static_cast<double>(done) / static_cast<double>(total), 1) + "%";
  } else {
    amount = format_bytes_human(done);
  }
  // "\r\033[K": back to the line start and erase it, so a shorter line leaves no debris.
  std::fprintf(stderr, "\r\033[Kkolmo: %s: %s  %s MB/s", label_.c_str(), amount.c_str(),
               format_fixed(mb_per_s, 1).c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressMeter::finish() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

ProgressFn ProgressMeter::callback() {
  if (!enabled_) return {};
  return [this](std::uint64_t done, std::uint64_t total) { update(done, total); };
}

bool progress_wanted(bool quiet) { return !quiet && ::isatty(STDERR_FILENO) == 1; }

}  // namespace kolmo::cli
