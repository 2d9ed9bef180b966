// `kolmo bench` on a model checkpoint: a directory of safetensors shards (with its config,
// tokenizer, index files) or one .safetensors file.
//
// What is measured on a checkpoint:
//   - kolmo `tensor[:mode=o0|df11|max]` specs go through the checkpoint archive, as
//     `kolmo --codec tensor DIR` writes it: write_checkpoint_archive into memory (mode, -T), then
//     extract_stream into memory, every file compared byte for byte (roundtrip_ok). Compression
//     time includes reading the files (pread, from the page cache after loading them here);
//     decompression writes into memory, not to disk, so no filesystem time is measured.
//   - every other codec (baselines, other kmo: specs) compresses the concatenation of all the
//     checkpoint's files in sorted path order as one stream: the fairest single-stream figure.
// input_bytes is the total size of all files for both, so the ratios compare directly.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_codec.h"
#include "bench/codec_spec.h"
#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::bench {

struct CheckpointFile {
  std::string path;  // entry path: relative to the checkpoint root, '/'-separated
  std::uint64_t offset = 0;  // where it starts in CheckpointInput::bytes
  std::uint64_t size = 0;
};

struct CheckpointInput {
  std::filesystem::path path;         // as given on the command line
  std::vector<CheckpointFile> files;  // sorted by path, as open_checkpoint lists them
  Bytes bytes;                        // every file, concatenated in that order
  // The order-0 exponent bound of the whole checkpoint as a fraction of bytes.size(): float
  // tensors (BF16/F16/F32) at their per-dtype order-0 bound, everything else (headers, other
  // dtypes, gaps, non-safetensors files) at its size. 0 for an empty checkpoint.
  double order0_bound_fraction = 0;
};

// True when `path` is benchmarked as a checkpoint: a directory, or a file named *.safetensors.
bool is_checkpoint_path(const std::filesystem::path& path);

// Opens the checkpoint (open_checkpoint's checks), reads every file and computes the bound.
Expected<CheckpointInput> load_checkpoint_input(const std::filesystem::path& path);

// The option text of a kolmo `tensor` spec ("" for plain `tensor`); nullopt for other codecs.
std::optional<std::string> tensor_spec_options(const CodecSpec& spec);

// A codec that measures `input` through the checkpoint archive with the given tensor options
// (only mode= is allowed: parse_checkpoint_tensor_options). `input` must outlive the codec, and
// the codec must be given input.bytes to compress.
Expected<std::unique_ptr<BenchCodec>> make_checkpoint_codec(const CheckpointInput& input,
                                                            std::string_view tensor_options,
                                                            const KolmoSettings& kolmo);

}  // namespace kolmo::bench
