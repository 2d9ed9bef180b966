// A fixed team of threads that one statesmix block uses to split its large loops (the head
// projection, its backward pass, the dense Adam update) into parts. Each part writes its own
// outputs and computes each of them with the same operations in the same order as any other
// split would, so the team size never changes a bit of the result: it only changes who computes.
//
// run() is called per token and per training step, so it is built for low latency: helpers spin
// briefly on an epoch counter before sleeping on it (C++20 atomic wait).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <vector>

namespace kolmo::statesmix {

// More threads than this only add hand-off cost for vocabularies of tens of thousands.
constexpr unsigned kMaxTeamThreads = 8;

class WorkerTeam {
 public:
  // threads: team size including the calling thread, clamped to 1..kMaxTeamThreads.
  explicit WorkerTeam(unsigned threads);
  ~WorkerTeam();
  WorkerTeam(const WorkerTeam&) = delete;
  WorkerTeam& operator=(const WorkerTeam&) = delete;

  unsigned size() const { return size_; }

  // Calls fn(part) for part = 0..size()-1, part 0 on the calling thread, and returns when every
  // part has finished. fn must not throw.
  template <typename F>
  void run(F&& fn) {
    if (size_ == 1) {
      fn(0u);
      return;
    }
    run_parts(
        [](void* ctx, unsigned part) { (*static_cast<std::remove_reference_t<F>*>(ctx))(part); },
        &fn);
  }

 private:
  using Thunk = void (*)(void*, unsigned);
  void run_parts(Thunk thunk, void* ctx);
  void helper_loop(unsigned part);

  unsigned size_;
  std::vector<std::thread> helpers_;
  std::atomic<std::uint32_t> epoch_{0};
  std::atomic<std::uint32_t> unfinished_{0};
  std::atomic<bool> stopping_{false};
  Thunk thunk_ = nullptr;
  void* ctx_ = nullptr;
};

// The part-th of `parts` contiguous pieces of [0, n), piece boundaries on multiples of `align`.
struct PartRange {
  std::size_t begin, end;
};
PartRange part_range(std::size_t n, unsigned part, unsigned parts, std::size_t align);

}  // namespace kolmo::statesmix
