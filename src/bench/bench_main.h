#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace kolmo::bench {
// Entry point of `kolmo bench ...`; argv[0] is "bench". Returns the process exit status.
int bench_main(int argc, char** argv);

// The same, with the arguments after "bench" and the streams given: lets tests run the whole
// command in-process and read its output.
int run_bench(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
}  // namespace kolmo::bench
