// What `kolmo bench --codec` accepts, parsed into a CodecSpec.
//
// Grammar (comma-separated list of these; a kolmo spec keeps its own comma-separated options,
// e.g. kmo:cm:9,ssm,lstm, see split_codec_list):
//   kmo:SPEC        kolmo's own codec SPEC through the .kmo container, e.g. kmo:zstd:19, kmo:o2,
//                   kmo:zstd (codec default level, or -L N). "kmo:" alone = kolmo's default codec.
//                   tensor:o0, tensor:df11, tensor:max are shorthand for tensor:mode=...; on a
//                   checkpoint PATH, tensor specs measure the checkpoint archive
//                   (checkpoint_bench.h).
//   SPEC            a bare spec whose name is a kolmo codec that is NOT also a tool name
//                   (o2, store, ...) means kolmo too: o2 == kmo:o2.
//   xz[:N[e]]       liblzma preset N (0..9, default 6), 'e' adds LZMA_PRESET_EXTREME
//   zstd[:N]        libzstd level N (1..22, default 3)
//   brotli[:N]      libbrotlienc quality N (0..11, default 11)
//   bzip2[:N]       libbz2 block size N x 100k (1..9, default 9)
//   gzip[:N]        zlib deflate level N with the gzip wrapper (1..9, default 6)
// The tool names always mean the baseline library, never kolmo: "zstd:19" is libzstd as the
// zstd tool runs it, "kmo:zstd:19" is kolmo's zstd codec inside the container. Defaults are the
// standalone tools' defaults.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kolmo/status.h"

namespace kolmo::bench {

enum class CodecFamily { kKolmo, kXz, kZstd, kBrotli, kBzip2, kGzip };

struct CodecSpec {
  CodecFamily family = CodecFamily::kKolmo;
  int level = 0;             // baselines: the library level; kolmo: unused (the spec carries it)
  bool extreme = false;      // xz only
  std::string kolmo_spec;    // kolmo only: what follows "kmo:" (may be empty = default codec)
  std::string label;         // canonical name shown in reports, e.g. "xz:9e", "zstd:19"
};

// Parses one spec. Unknown names, bad or out-of-range levels give kInvalidArgument naming the
// problem. For kolmo specs only the name is checked here; the codec's own options are checked
// when its encoder is built (make_bench_codec).
Expected<CodecSpec> parse_codec_spec(std::string_view text);

// "a,b, c" -> {"a","b","c"}; empty items are dropped. An item that starts no spec (not "kmo:...",
// a tool or a kolmo codec name) after a kolmo spec is one of its options:
// "kmo:cm:9,ssm,lstm,xz:9e" -> {"kmo:cm:9,ssm,lstm", "xz:9e"}.
std::vector<std::string> split_codec_list(std::string_view list);

// The codecs benchmarked when --codec is absent.
const std::vector<std::string>& default_codec_list();

}  // namespace kolmo::bench
