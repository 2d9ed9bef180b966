// PLACEHOLDER until the harness lands.
#include "bench/bench_main.h"

#include <cstdio>

namespace kolmo::bench {
int bench_main(int, char**) {
  std::fputs("kolmo bench: not built yet\n", stderr);
  return 1;
}
}  // namespace kolmo::bench
