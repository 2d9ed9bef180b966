// What `kolmo` does once the command line is parsed. Each returns the process exit status.
#pragma once

#include "cli/options.h"

namespace kolmo::cli {

// Compresses, decompresses, tests or lists every input in turn. A failing file is reported and
// the others are still processed (like gzip); the status is 1 if any file failed.
int run_files(const Options& options);

// `kolmo --list-codecs` / `kolmo codecs`: id, name and summary of every codec in this build.
int print_codecs();

// `kolmo -V`: "kolmo 0.1.0 (.kmo format 1.0)" and the codec names.
int print_version();

}  // namespace kolmo::cli
