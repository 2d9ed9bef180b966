// Baselines: the standard compressors, called through their own libraries, producing exactly the
// stream their standalone tool writes (same container, same checksum), so that `kolmo bench`
// sizes can be compared with `xz -9e -c FILE | wc -c` and friends.
//
// One small adapter per library. decompress functions take the original size: the benchmark
// knows it, and it lets every decoder write straight into a buffer of the right size (a stream
// that decodes to a different size is an error, which the round-trip check then reports).
#pragma once

#include <cstddef>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::bench {

// liblzma, .xz container with CRC64, as `xz -N[e]` writes it (preset 0..9).
Expected<Bytes> xz_compress(ByteSpan input, int preset, bool extreme);
Expected<Bytes> xz_decompress(ByteSpan xz, std::size_t original_size);

// libzstd frame with content size and XXH64 content checksum, as `zstd -N` writes it.
Expected<Bytes> zstd_compress(ByteSpan input, int level);
Expected<Bytes> zstd_decompress(ByteSpan frame, std::size_t original_size);

// libbrotlienc raw brotli stream, quality 0..11, with the window the brotli CLI picks for an
// input of this size (see brotli_window_bits).
Expected<Bytes> brotli_compress(ByteSpan input, int quality);
Expected<Bytes> brotli_decompress(ByteSpan stream, std::size_t original_size);
int brotli_window_bits(std::size_t input_size);

// libbz2 .bz2 stream, blockSize100k 1..9, as `bzip2 -N` writes it.
Expected<Bytes> bzip2_compress(ByteSpan input, int block_size_100k);
Expected<Bytes> bzip2_decompress(ByteSpan bz2, std::size_t original_size);

// zlib deflate with the gzip wrapper (windowBits 15+16), level 1..9. The gzip CLI also stores
// the file name and mtime in its header; zlib writes a minimal header (a few bytes smaller).
Expected<Bytes> gzip_compress(ByteSpan input, int level);
Expected<Bytes> gzip_decompress(ByteSpan gz, std::size_t original_size);

}  // namespace kolmo::bench
