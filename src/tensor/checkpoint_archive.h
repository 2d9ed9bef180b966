// Model checkpoints as multi-file .kmo archives (docs/tensor.md, "Checkpoint archives").
//
// Writing: every file of a checkpoint directory (or one .safetensors file) becomes an entry. A
// safetensors file is cut so that each block holds one kind of data: its 8-byte length and JSON
// header (zstd), runs of float tensors of one dtype and one transformer block (`tensor`), and
// everything else (gaps, integer tensors) with zstd. Other files go through zstd. Block
// boundaries depend only on the files, never on the thread count, so archives are reproducible.
//
// Restoring: extract_checkpoint_archive recreates the files (mode and mtime) under a destination
// the caller has made sure is fresh; the CLI adds the temporary-directory-and-rename protocol.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kolmo/archive.h"
#include "kolmo/container.h"
#include "kolmo/io.h"
#include "kolmo/status.h"

namespace kolmo::tensor {

enum class TensorMode : std::uint8_t { kO0, kDf11, kMax };

// "o0" / "df11" / "max".
std::string_view tensor_mode_name(TensorMode mode);
// Parses the options of a "tensor[:OPTIONS]" spec for a checkpoint: only `mode` may be given,
// since the dtype comes from each tensor. kInvalidArgument otherwise.
Expected<TensorMode> parse_checkpoint_tensor_options(std::string_view options);

// Largest block of one tensor group (df11: one code book per transformer block, as DFloat11),
// and of anything coded by zstd.
inline constexpr std::uint64_t kTensorGroupBlockBytes = std::uint64_t{64} << 20;
inline constexpr std::uint64_t kOtherBlockBytes = std::uint64_t{8} << 20;
// o0 and max cut blocks at tensor boundaries, so that reading one tensor decodes only its own
// blocks: consecutive tensors of a group share a block until it holds kMinTensorBlockBytes (small
// norms and biases ride along), and a large tensor is cut into kTensorBlockBytes pieces that
// decode in parallel. Both are multiples of every element size.
inline constexpr std::uint64_t kMinTensorBlockBytes = std::uint64_t{64} << 10;
inline constexpr std::uint64_t kTensorBlockBytes = std::uint64_t{16} << 20;

// The content digest of one file as it was read while archiving, so that a caller can verify
// the archive against exactly the bytes that went in (without reading the input again).
struct FileDigest {
  std::string path;  // entry path
  std::uint64_t size = 0;
  std::uint64_t xxh64 = 0;
};

struct CheckpointArchiveOptions {
  TensorMode mode = TensorMode::kO0;
  unsigned threads = 1;
  ProgressFn progress;
  const std::atomic<bool>* cancel = nullptr;
  std::vector<FileDigest>* digests = nullptr;  // filled, in entry order, when set
};

// The transformer block a tensor belongs to, from names like "model.layers.7.mlp.up.weight",
// "transformer.h.3.attn.c_attn.weight" or "blocks.12.norm.weight"; nullopt for anything else.
std::optional<std::uint64_t> transformer_layer_of(std::string_view tensor_name);

// True for a path whose name ends in ".safetensors".
bool is_safetensors_name(std::string_view path);

// input: a checkpoint directory or a single .safetensors file.
Status write_checkpoint_archive(const std::filesystem::path& input, ByteSink& out,
                                const CheckpointArchiveOptions& opts);

// Extracts every entry below `dest`, an existing, empty directory. Fails on entries that would
// need an existing path (duplicates) or a symbolic link along the way.
Status extract_checkpoint_archive(ByteSource& in, const std::filesystem::path& dest,
                                  const DecompressOptions& opts);

// An archive of exactly one file entry at the top level (what a single .safetensors file
// gives): it restores to a file rather than a directory.
bool is_single_file_archive(const std::vector<EntryInfo>& entries);

// Writes the content of a single-file archive to `out` and returns its entry (for mode and
// mtime). Fails with kInvalidArgument when the archive holds anything else.
Expected<EntryInfo> extract_single_file(ByteSource& in, ByteSink& out,
                                        const DecompressOptions& opts);

}  // namespace kolmo::tensor
