// The exception boundary of the public container API: nothing throws across it.
#pragma once

#include <exception>
#include <new>
#include <string>

#include "kolmo/status.h"

namespace kolmo::kmo {

// Runs fn, turning std::bad_alloc into kLimitExceeded (an allocation the limits let through
// still failed) and any other exception into kInternal.
template <typename F>
auto guard_api(F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return limit_exceeded("out of memory; lower --memory, the block size or the thread count");
  } catch (const std::exception& e) {
    return internal_error(std::string("unexpected exception: ") + e.what());
  } catch (...) {
    return internal_error("unexpected exception");
  }
}

}  // namespace kolmo::kmo
