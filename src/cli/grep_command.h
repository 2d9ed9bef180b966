// `kolmo grep [-F] [--stats] PATTERN FILE.kmo`: prints the lines of the decompressed content that
// contain PATTERN (a fixed string), exactly as `kolmo -dc FILE.kmo | grep -a -F PATTERN` would.
// Log-coded blocks are searched through their templates and columns (only lines that can match
// are rebuilt); other blocks are decompressed and searched.
#pragma once

namespace kolmo::cli {
// argv[0] is "grep". Returns grep's exit status: 0 a line matched, 1 none, 2 an error.
int grep_main(int argc, char** argv);
}  // namespace kolmo::cli
