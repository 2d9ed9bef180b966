#include "llm/parallel.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <vector>

namespace kolmo::llm {

void parallel_for(ThreadPool* pool, std::size_t n, const std::function<void(std::size_t)>& item) {
  if (pool == nullptr || pool->size() == 0 || n <= 1) {
    for (std::size_t i = 0; i < n; ++i) item(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  const std::size_t workers = std::min(pool->size(), n);
  std::vector<std::future<void>> done;
  done.reserve(workers);
  for (std::size_t w = 0; w < workers; ++w) {
    done.push_back(pool->submit([&] {
      for (std::size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) item(i);
    }));
  }
  for (auto& d : done) d.get();
}

}  // namespace kolmo::llm
