// The .kmo container (docs/format.md): a file header, independent blocks each with its codec id,
// parameters, sizes and XXH64 checksums, then a block index and a fixed-size footer carrying the
// XXH64 of the whole content. Blocks are compressed and decompressed in parallel; output is the
// same for any thread count. Writing needs no input size in advance (stdin works), and a reader
// with random access can list the file or decode one block alone through the index.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kolmo/bytes.h"
#include "kolmo/codec.h"
#include "kolmo/io.h"
#include "kolmo/status.h"

namespace kolmo {

// Called from the calling thread after each block is written: bytes of input consumed so far and
// the total when known (0 when not, e.g. a pipe).
using ProgressFn = std::function<void(std::uint64_t done, std::uint64_t total)>;

struct CompressOptions {
  std::string codec_spec;            // "NAME[:OPTIONS]"; empty = default_codec_for(start, level)
  int level = 0;                     // 1..9; 0 = default
  unsigned threads = 1;              // worker threads; output is identical for any value
  std::uint64_t block_size = 0;      // 0 = the codec's preferred block size
  ProgressFn progress;               // may be empty
  const std::atomic<bool>* cancel = nullptr;  // when set and true, stop with kCancelled
};

// Upper bounds applied before any allocation a file asks for.
constexpr std::uint64_t kMaxBlockSize = std::uint64_t{1} << 30;  // 1 GiB per block, by format
// Tiny blocks are valid (tests use them to get many blocks cheaply) but compress poorly; use at
// least 64 KiB for real data.
constexpr std::uint64_t kMinBlockSize = 1;
constexpr std::uint64_t kDefaultMemoryLimit = std::uint64_t{3} << 30;

struct DecompressOptions {
  unsigned threads = 1;
  // Total memory the decoder may use: blocks in flight (input + output) and codec models.
  // A file whose declared sizes need more is refused with kLimitExceeded before allocating.
  std::uint64_t memory_limit = kDefaultMemoryLimit;
  ProgressFn progress;
  const std::atomic<bool>* cancel = nullptr;
};

struct CompressStats {
  std::uint64_t input_bytes = 0;
  std::uint64_t output_bytes = 0;
  std::uint64_t blocks = 0;
};

// Streams `in` into a .kmo file written to `out`.
Expected<CompressStats> compress_stream(ByteSource& in, ByteSink& out, const CompressOptions& opts);

// Reads a whole .kmo file sequentially from `in`, writing the content to `out`, verifying every
// header, block checksum, the index and the content checksum. On any failure the content written
// so far must be discarded by the caller (the CLI writes to a temporary file for that reason).
Expected<CompressStats> decompress_stream(ByteSource& in, ByteSink& out,
                                          const DecompressOptions& opts);

// Convenience wrappers over memory.
Expected<Bytes> compress_buffer(ByteSpan input, const CompressOptions& opts);
Expected<Bytes> decompress_buffer(ByteSpan kmo, const DecompressOptions& opts);

// ---- random access ----
struct BlockInfo {
  std::uint64_t file_offset = 0;      // where the block frame starts in the .kmo file
  std::uint64_t content_offset = 0;   // where its bytes start in the decompressed content
  std::uint64_t original_size = 0;
  std::uint64_t stored_size = 0;      // payload bytes
  std::uint64_t frame_size = 0;       // whole frame: header + payload + checksums
  CodecId codec = CodecId::kStore;
  std::string codec_name;             // "unknown(42)" for ids this build does not know
};

struct ArchiveInfo {
  int format_major = 0;
  int format_minor = 0;
  std::uint64_t file_size = 0;
  std::uint64_t content_size = 0;
  std::uint64_t content_xxh64 = 0;
  std::vector<BlockInfo> blocks;
  bool multi_file = false;  // a multi-file archive (kolmo/archive.h): the entries flag is set
  // The dictionary frame (docs/format.md, "Dictionary frame"), when the file has one: where it
  // starts, its body size and the codec whose blocks use it. dictionary_size 0: none.
  std::uint64_t dictionary_offset = 0;
  std::uint64_t dictionary_size = 0;
  CodecId dictionary_codec = CodecId::kStore;
};

// Reads header, footer and index and each block frame's header (never a payload), verifying
// their checks and that the index agrees with the frames. Uses kDefaultMemoryLimit.
Expected<ArchiveInfo> read_archive_info(const RandomAccessSource& file);
// The same with opts.memory_limit bounding the memory the listing may take (index and block list).
Expected<ArchiveInfo> read_archive_info(const RandomAccessSource& file,
                                        const DecompressOptions& opts);

// The body of the file's dictionary frame, its checks verified (empty when the file has none).
// decode_block reads it itself; callers that decode payloads on their own (kolmo grep) pass it
// in DecodeLimits::dictionary to blocks of info.dictionary_codec.
Expected<Bytes> read_dictionary(const RandomAccessSource& file, const ArchiveInfo& info,
                                const DecompressOptions& opts);

// Decodes block `index` alone (with the file's dictionary frame, if any), verifying its checksums.
Expected<Bytes> decode_block(const RandomAccessSource& file, const ArchiveInfo& info,
                             std::size_t index, const DecompressOptions& opts);

}  // namespace kolmo
