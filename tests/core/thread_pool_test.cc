#include "kolmo/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>

namespace kolmo {
namespace {

TEST(ThreadPool, ResultsComeBackInSubmissionOrder) {
  for (std::size_t threads : {0u, 1u, 2u, 4u}) {
    ThreadPool pool(threads);
    std::vector<std::future<int>> results;
    for (int i = 0; i < 200; ++i) results.push_back(pool.submit([i] { return i * i; }));
    for (int i = 0; i < 200; ++i) EXPECT_EQ(results[i].get(), i * i);
  }
}

TEST(ThreadPool, RunsEveryTaskBeforeDestruction) {
  std::atomic<int> count{0};
  {
    ThreadPool pool(3);
    for (int i = 0; i < 500; ++i) (void)pool.submit([&count] { count.fetch_add(1); });
  }
  EXPECT_EQ(count.load(), 500);
}

}  // namespace
}  // namespace kolmo
