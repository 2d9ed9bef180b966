// Multi-file archives in the CLI: model checkpoints (a directory or one .safetensors file) are
// compressed into one .kmo with the tensor codec, and such archives are restored, tested and
// listed. Single-stream files keep the paths in commands.cc, unchanged.
#pragma once

#include <optional>
#include <string>

#include "cli/options.h"
#include "cli/targets.h"

namespace kolmo::cli {

// True when compressing `path` means building a checkpoint archive: `--codec tensor[:...]` (or
// no --codec) on a directory or a .safetensors file. Without --codec a directory qualifies
// only when it holds a *.safetensors file, so other directories are refused as before.
bool wants_checkpoint_archive(const std::string& path, const Options& o);

MaybeFailure compress_checkpoint(const std::string& path, const Options& o);

// -d / -t on a regular file that holds a multi-file archive: the outcome. nullopt when the file
// is not one (or cannot even be read as one), so that the single-stream path handles it and
// reports any error exactly as before.
std::optional<MaybeFailure> process_multi_file(const Input& in, const Options& o);

}  // namespace kolmo::cli
