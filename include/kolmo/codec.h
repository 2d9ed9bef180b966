// The codec table. Every block of a .kmo file names its codec by a stable 16-bit id; the CLI,
// the benchmark harness and the container all find codecs here, by id or by name.
//
// Rules: ids are never renumbered or reused; a retired codec keeps its id reserved. An encoder
// object is immutable after creation and encode_block() may run concurrently on many threads.
// A decoder is a plain function: it never sees the encoder, and it must fill exactly the output
// span (whose size the container already checked against the memory limit) or fail.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo {

enum class CodecId : std::uint16_t {
  kStore = 0,
  kZstd = 1,
  kO2 = 2,
  // Reserved for the codecs of later work; listed so that nobody takes these numbers.
  kCm = 3,
  kStateSMix = 4,
  kTensor = 5,
  kLog = 6,
};

// Limits a decoder must respect for its own working memory (models, tables, windows), and the
// threads it may use.
struct DecodeLimits {
  std::uint64_t memory_bytes = std::uint64_t{1} << 31;
  // Threads the decoder may use for this one block, its calling thread included (>= 1): the share
  // of -T that the container can spare for the block (all of it when the block is the only one in
  // flight). Codecs may ignore it; the decoded bytes never depend on it.
  unsigned threads = 1;
  // The body of the file's dictionary frame (docs/format.md, "Dictionary frame") when the file has
  // one for this block's codec; empty otherwise. Its frame check is verified by the container; a
  // codec that names a dictionary in its params checks that it is the one it names. Codecs that
  // use no dictionary ignore it.
  ByteSpan dictionary = {};
};

// What one encoded block carries besides its payload: parameters the decoder needs
// (at most kMaxCodecParamsBytes, stored in the block header) and the payload itself.
constexpr std::size_t kMaxCodecParamsBytes = 255;
struct EncodedBlock {
  Bytes params;
  Bytes payload;
};

class BlockEncoder {
 public:
  virtual ~BlockEncoder() = default;
  // Compresses one independent block. Must be thread-safe (const, no shared mutable state).
  virtual Status encode_block(ByteSpan input, EncodedBlock& out) const = 0;
  // The same with a thread budget for this one block, the calling thread included (>= 1; see
  // DecodeLimits::threads). The output must be identical for every budget. The container calls
  // this; codecs that never split a block keep the default.
  virtual Status encode_block_threaded(ByteSpan input, EncodedBlock& out,
                                       unsigned /*threads*/) const {
    return encode_block(input, out);
  }
  // Optional shared dictionary (docs/format.md, "Dictionary frame"). A codec that uses one says
  // how many bytes of the input's start it builds it from for this block size (0, the default:
  // no dictionary); the container then calls build_dictionary once, before any block is
  // dispatched, writes the result as the file's dictionary frame, and hands its bytes to every
  // block's encode_block_with_dictionary (and, at decoding, in DecodeLimits::dictionary). An empty
  // result means no dictionary. Blocks that use the dictionary must name it in their params.
  virtual std::size_t dictionary_sample_size(std::uint64_t /*block_size*/) const { return 0; }
  virtual Expected<Bytes> build_dictionary(ByteSpan /*sample*/) const { return Bytes{}; }
  // encode_block_threaded with the file's dictionary (empty: none). Same rules as encode_block.
  virtual Status encode_block_with_dictionary(ByteSpan input, ByteSpan /*dictionary*/,
                                              EncodedBlock& out, unsigned threads) const {
    return encode_block_threaded(input, out, threads);
  }
  // The block size this encoder works best with (the container splits input into such blocks).
  virtual std::uint64_t preferred_block_size() const = 0;
  // Memory the encoder needs per block in flight, beyond input and output (for --memory checks
  // and documentation).
  virtual std::uint64_t working_memory() const = 0;
  // Canonical spec of this configuration, e.g. "zstd:19" or "o2".
  virtual std::string spec() const = 0;
};

using DecodeFn = Status (*)(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                            const DecodeLimits& limits);

// level: kolmo level 1..9 from -1..-9, 0 = the codec's default. options: the text after
// "name:" in a codec spec (e.g. "19" in "zstd:19"); empty when none was given.
using MakeEncoderFn = Expected<std::unique_ptr<BlockEncoder>> (*)(std::string_view options,
                                                                  int level);

struct CodecInfo {
  CodecId id;
  std::string_view name;
  std::string_view summary;
  MakeEncoderFn make_encoder;
  DecodeFn decode;
};

// The registry. find_codec returns nullptr for unknown ids/names.
std::span<const CodecInfo> all_codecs();
const CodecInfo* find_codec(CodecId id);
const CodecInfo* find_codec(std::string_view name);

// Parses "NAME" or "NAME:OPTIONS" and builds the encoder. An empty spec selects the default
// codec for the level. Unknown names and bad options give kInvalidArgument naming the problem.
Expected<std::unique_ptr<BlockEncoder>> make_encoder(std::string_view spec, int level);

// The codec chosen when the user names none: zstd, except for text at levels 5-9, where the
// context-mixing codec compresses far better at a speed text users accept (~0.2 MB/s).
constexpr std::string_view kDefaultCodecName = "zstd";
constexpr std::string_view kTextCodecName = "cm";
constexpr int kTextModelMinLevel = 5;
constexpr int kDefaultLevel = 3;
// Bytes at the start of the input that default_codec_for looks at.
constexpr std::size_t kAutoSelectSampleBytes = 64 * 1024;

// True when `sample` looks like text (no NUL, at most 1% control bytes other than whitespace).
bool looks_like_text(ByteSpan sample);
// The codec name for an input that starts with `sample` at `level` (0 = kDefaultLevel) when no
// codec was named: kTextCodecName for text at level >= kTextModelMinLevel, else kDefaultCodecName.
std::string default_codec_for(ByteSpan sample, int level);

}  // namespace kolmo
