// Runs n independent work items on a thread pool (or inline). Which thread runs an item never
// changes what the item computes, so results do not depend on the thread count as long as each
// output is written by exactly one item.
#pragma once

#include <cstddef>
#include <functional>

#include "kolmo/thread_pool.h"

namespace kolmo::llm {

// pool may be null or have no workers: the items then run inline, in order.
void parallel_for(ThreadPool* pool, std::size_t n, const std::function<void(std::size_t)>& item);

}  // namespace kolmo::llm
