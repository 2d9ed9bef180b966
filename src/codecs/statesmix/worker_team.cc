#include "codecs/statesmix/worker_team.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define KOLMO_SSM_PAUSE() _mm_pause()
#else
#define KOLMO_SSM_PAUSE() ((void)0)
#endif

namespace kolmo::statesmix {
namespace {

// Helpers spin this many pause instructions (tens of microseconds on current x86), enough to
// bridge the serial work between the parts of one training step, then sleep until the next run.
constexpr int kSpinRounds = 4000;

}  // namespace

WorkerTeam::WorkerTeam(unsigned threads)
    : size_(threads == 0 ? 1 : (threads > kMaxTeamThreads ? kMaxTeamThreads : threads)) {
  helpers_.reserve(size_ - 1);
  for (unsigned part = 1; part < size_; ++part) {
    helpers_.emplace_back([this, part] { helper_loop(part); });
  }
}

WorkerTeam::~WorkerTeam() {
  stopping_.store(true, std::memory_order_relaxed);
  epoch_.fetch_add(1, std::memory_order_release);
  epoch_.notify_all();
  for (std::thread& t : helpers_) t.join();
}

void WorkerTeam::run_parts(Thunk thunk, void* ctx) {
  thunk_ = thunk;
  ctx_ = ctx;
  unfinished_.store(size_ - 1, std::memory_order_relaxed);
  epoch_.fetch_add(1, std::memory_order_release);  // publishes thunk_, ctx_ and unfinished_
  epoch_.notify_all();
  thunk(ctx, 0);
  for (int spin = 0; unfinished_.load(std::memory_order_acquire) != 0; ++spin) {
    if (spin < kSpinRounds) {
      KOLMO_SSM_PAUSE();
    } else {
      std::this_thread::yield();
    }
  }
}

void WorkerTeam::helper_loop(unsigned part) {
  std::uint32_t seen = 0;
  for (;;) {
    std::uint32_t now = epoch_.load(std::memory_order_acquire);
    for (int spin = 0; now == seen && spin < kSpinRounds; ++spin) {
      KOLMO_SSM_PAUSE();
      now = epoch_.load(std::memory_order_acquire);
    }
    while (now == seen) {
      epoch_.wait(seen, std::memory_order_acquire);
      now = epoch_.load(std::memory_order_acquire);
    }
    seen = now;
    if (stopping_.load(std::memory_order_relaxed)) return;
    thunk_(ctx_, part);
    unfinished_.fetch_sub(1, std::memory_order_release);
  }
}

PartRange part_range(std::size_t n, unsigned part, unsigned parts, std::size_t align) {
  const std::size_t units = (n + align - 1) / align;
  const std::size_t begin = units * part / parts * align;
  const std::size_t end = units * (part + 1) / parts * align;
  return {begin < n ? begin : n, end < n ? end : n};
}

}  // namespace kolmo::statesmix
