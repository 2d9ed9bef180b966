// kolmo: the command-line front end (zstd/xz conventions; see `kolmo --help`).
#include <cstdio>
#include <cstring>
#include <exception>

#include "bench/bench_main.h"
#include "cli/commands.h"
#include "cli/grep_command.h"
#include "cli/interrupt.h"
#include "cli/llm_command.h"
#include "cli/options.h"

namespace {

int run(int argc, char** argv) {
  // Subcommands come before CLI11, whose options they do not share.
  if (argc >= 2 && std::strcmp(argv[1], "bench") == 0) {
    return kolmo::bench::bench_main(argc - 1, argv + 1);
  }
  if (argc >= 2 && std::strcmp(argv[1], "grep") == 0) return kolmo::cli::grep_main(argc - 1, argv + 1);
  if (argc >= 2 && std::strcmp(argv[1], "llm") == 0) return kolmo::cli::llm_main(argc - 1, argv + 1);
  if (argc == 2 && std::strcmp(argv[1], "codecs") == 0) return kolmo::cli::print_codecs();

  const kolmo::cli::ParsedCommandLine parsed = kolmo::cli::parse_command_line(argc, argv);
  if (!parsed.options) return parsed.exit_status;
  const kolmo::cli::Options& options = *parsed.options;
  if (options.show_version) return kolmo::cli::print_version();
  if (options.list_codecs) return kolmo::cli::print_codecs();

  // Before any output file exists, so that none can be left behind half-written.
  kolmo::cli::install_interrupt_handlers();
  return kolmo::cli::run_files(options);
}

}  // namespace

int main(int argc, char** argv) {
  // The library reports errors as Status, but allocation can still throw (std::bad_alloc).
  // Catching here unwinds the stack, so the open temporary output is removed on the way out.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kolmo: internal error: %s\n", e.what());
    return 1;
  }
}
