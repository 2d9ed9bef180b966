#pragma once

namespace kolmo::bench {
// Entry point of `kolmo bench ...`; argv[0] is "bench". Returns the process exit status.
int bench_main(int argc, char** argv);
}  // namespace kolmo::bench
