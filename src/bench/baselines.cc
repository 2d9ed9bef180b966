#include "bench/baselines.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <string>

namespace kolmo::bench {
namespace {

// Decoders get a buffer of at least one byte: some libraries reject a null output pointer, and
// std::vector's data() may be null when empty.
Bytes output_buffer(std::size_t size) { return Bytes(std::max<std::size_t>(size, 1)); }

// The decoded size must be exactly the original: a shorter result is kept (and resized) so that
// the round-trip comparison reports it rather than an opaque error.
Bytes finish_output(Bytes out, std::size_t produced) {
  out.resize(produced);
  return out;
}

}  // namespace

// ---- xz ----------------------------------------------------------------------------------------

Expected<Bytes> xz_compress(ByteSpan input, int preset, bool extreme) {
  if (preset < 0 || preset > 9) return invalid_argument("xz preset must be 0..9");
  const std::uint32_t flags = static_cast<std::uint32_t>(preset) | (extreme ? LZMA_PRESET_EXTREME : 0);
  // The streaming encoder (not lzma_easy_buffer_encode) so that the block header is the one the
  // single-threaded xz tool writes (no size fields).
  lzma_stream strm = LZMA_STREAM_INIT;
  if (lzma_easy_encoder(&strm, flags, LZMA_CHECK_CRC64) != LZMA_OK) {
    return internal_error("xz: cannot initialise the encoder (out of memory?)");
  }
  Bytes out(lzma_stream_buffer_bound(input.size()));
  strm.next_in = input.data();
  strm.avail_in = input.size();
  strm.next_out = out.data();
  strm.avail_out = out.size();
  lzma_ret ret = LZMA_OK;
  while (ret == LZMA_OK) ret = lzma_code(&strm, LZMA_FINISH);
  const std::size_t produced = strm.total_out;
  lzma_end(&strm);
  if (ret != LZMA_STREAM_END) return internal_error("xz: encoder failed, code " + std::to_string(ret));
  return finish_output(std::move(out), produced);
}

Expected<Bytes> xz_decompress(ByteSpan xz, std::size_t original_size) {
  Bytes out = output_buffer(original_size);
  std::uint64_t memlimit = UINT64_MAX;
  std::size_t in_pos = 0;
  std::size_t out_pos = 0;
  const lzma_ret ret = lzma_stream_buffer_decode(&memlimit, 0, nullptr, xz.data(), &in_pos,
                                                 xz.size(), out.data(), &out_pos, original_size);
  if (ret != LZMA_OK) return corrupt_data("xz: decoder failed, code " + std::to_string(ret));
  return finish_output(std::move(out), out_pos);
}

// ---- zstd --------------------------------------------------------------------------------------

Expected<Bytes> zstd_compress(ByteSpan input, int level) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  if (cctx == nullptr) return internal_error("zstd: cannot create a context");
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);  // the zstd CLI writes one by default
  Bytes out(ZSTD_compressBound(input.size()));
  const std::size_t n =
      ZSTD_compress2(cctx, out.data(), out.size(), input.data(), input.size());
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(n)) return internal_error(std::string("zstd: ") + ZSTD_getErrorName(n));
  return finish_output(std::move(out), n);
}

Expected<Bytes> zstd_decompress(ByteSpan frame, std::size_t original_size) {
  Bytes out = output_buffer(original_size);
  const std::size_t n = ZSTD_decompress(out.data(), original_size, frame.data(), frame.size());
  if (ZSTD_isError(n)) return corrupt_data(std::string("zstd: ") + ZSTD_getErrorName(n));
  return finish_output(std::move(out), n);
}

// ---- brotli ------------------------------------------------------------------------------------

// The brotli CLI (1.0.x) uses the default window of 2^24 but shrinks it, for a regular file of
// known size, to the smallest window that still covers the whole input; the window size is
// written into the stream header and changes the encoder's choices, so we mirror that rule.
int brotli_window_bits(std::size_t input_size) {
  // A window of 2^w bytes reaches back at most 2^w - 16 bytes (BROTLI_WINDOW_GAP, internal to
  // the library, hence spelled out here).
  constexpr std::uint64_t kWindowGap = 16;
  int lgwin = BROTLI_MIN_WINDOW_BITS;
  while (lgwin < BROTLI_MAX_WINDOW_BITS &&
         (std::uint64_t{1} << lgwin) - kWindowGap < static_cast<std::uint64_t>(input_size)) {
    ++lgwin;
  }
  return lgwin;
}

Expected<Bytes> brotli_compress(ByteSpan input, int quality) {
  if (quality < BROTLI_MIN_QUALITY || quality > BROTLI_MAX_QUALITY) {
    return invalid_argument("brotli quality must be 0..11");
  }
  std::size_t bound = BrotliEncoderMaxCompressedSize(input.size());
  if (bound == 0) bound = input.size() + input.size() / 8 + 1024;  // 0 means "too large to bound"
  Bytes out(bound);
  std::size_t produced = out.size();
  if (!BrotliEncoderCompress(quality, brotli_window_bits(input.size()), BROTLI_MODE_GENERIC,
                             input.size(), input.data(), &produced, out.data())) {
    return internal_error("brotli: encoder failed");
  }
  return finish_output(std::move(out), produced);
}

Expected<Bytes> brotli_decompress(ByteSpan stream, std::size_t original_size) {
  Bytes out = output_buffer(original_size);
  std::size_t produced = original_size;
  if (BrotliDecoderDecompress(stream.size(), stream.data(), &produced, out.data()) !=
      BROTLI_DECODER_RESULT_SUCCESS) {
    return corrupt_data("brotli: decoder failed (corrupt stream or larger than expected)");
  }
  return finish_output(std::move(out), produced);
}

// ---- bzip2 -------------------------------------------------------------------------------------

Expected<Bytes> bzip2_compress(ByteSpan input, int block_size_100k) {
  if (block_size_100k < 1 || block_size_100k > 9) {
    return invalid_argument("bzip2 block size must be 1..9");
  }
  // The one-shot libbz2 API counts in unsigned int.
  if (input.size() > UINT_MAX / 2) return invalid_argument("bzip2: input larger than 2 GiB");
  // libbz2's documented bound: 1% larger plus 600 bytes.
  unsigned int produced = static_cast<unsigned int>(input.size() + input.size() / 100 + 600);
  Bytes out(produced);
  // libbz2 rejects a null source even for zero bytes (an empty span may have one).
  char empty_source = 0;
  char* source = input.empty() ? &empty_source
                               : const_cast<char*>(reinterpret_cast<const char*>(input.data()));
  const int ret = BZ2_bzBuffToBuffCompress(
      reinterpret_cast<char*>(out.data()), &produced, source,
      static_cast<unsigned int>(input.size()), block_size_100k, /*verbosity=*/0,
      /*workFactor=*/0);  // 0 = the default 30, as the bzip2 tool uses
  if (ret != BZ_OK) return internal_error("bzip2: encoder failed, code " + std::to_string(ret));
  return finish_output(std::move(out), produced);
}

Expected<Bytes> bzip2_decompress(ByteSpan bz2, std::size_t original_size) {
  if (original_size > UINT_MAX / 2 || bz2.size() > UINT_MAX / 2) {
    return invalid_argument("bzip2: data larger than 2 GiB");
  }
  Bytes out = output_buffer(original_size);
  unsigned int produced = static_cast<unsigned int>(original_size);
  const int ret = BZ2_bzBuffToBuffDecompress(
      reinterpret_cast<char*>(out.data()), &produced,
      const_cast<char*>(reinterpret_cast<const char*>(bz2.data())),
      static_cast<unsigned int>(bz2.size()), /*small=*/0, /*verbosity=*/0);
  if (ret != BZ_OK) return corrupt_data("bzip2: decoder failed, code " + std::to_string(ret));
  return finish_output(std::move(out), produced);
}

// ---- gzip --------------------------------------------------------------------------------------

namespace {
// zlib counts in uInt; feed and drain in pieces so any size works.
constexpr std::size_t kZlibChunk = std::size_t{1} << 30;
uInt zlib_piece(std::size_t remaining) {
  return static_cast<uInt>(std::min(remaining, kZlibChunk));
}
}  // namespace

Expected<Bytes> gzip_compress(ByteSpan input, int level) {
  if (level < 1 || level > 9) return invalid_argument("gzip level must be 1..9");
  z_stream strm{};
  // windowBits 15 + 16 selects the gzip wrapper; memLevel 8 is gzip's and zlib's default.
  if (deflateInit2(&strm, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return internal_error("gzip: cannot initialise zlib");
  }
  Bytes out(deflateBound(&strm, static_cast<uLong>(input.size())) + 64);
  std::size_t in_pos = 0;
  std::size_t out_pos = 0;
  int ret = Z_OK;
  while (ret == Z_OK || ret == Z_BUF_ERROR) {
    strm.next_in = const_cast<Bytef*>(input.data() + in_pos);
    strm.avail_in = zlib_piece(input.size() - in_pos);
    if (out_pos == out.size()) out.resize(out.size() * 2);
    strm.next_out = out.data() + out_pos;
    strm.avail_out = zlib_piece(out.size() - out_pos);
    const uInt in_before = strm.avail_in;
    const uInt out_before = strm.avail_out;
    const bool last_piece = input.size() - in_pos == strm.avail_in;
    ret = deflate(&strm, last_piece ? Z_FINISH : Z_NO_FLUSH);
    in_pos += in_before - strm.avail_in;
    out_pos += out_before - strm.avail_out;
    if (ret == Z_BUF_ERROR && in_before == strm.avail_in && out_before == strm.avail_out) break;
  }
  deflateEnd(&strm);
  if (ret != Z_STREAM_END) return internal_error("gzip: zlib deflate failed, code " + std::to_string(ret));
  return finish_output(std::move(out), out_pos);
}

Expected<Bytes> gzip_decompress(ByteSpan gz, std::size_t original_size) {
  z_stream strm{};
  if (inflateInit2(&strm, 15 + 16) != Z_OK) return internal_error("gzip: cannot initialise zlib");
  Bytes out = output_buffer(original_size);
  std::size_t in_pos = 0;
  std::size_t out_pos = 0;
  int ret = Z_OK;
  while (ret == Z_OK) {
    strm.next_in = const_cast<Bytef*>(gz.data() + in_pos);
    strm.avail_in = zlib_piece(gz.size() - in_pos);
    strm.next_out = out.data() + out_pos;
    strm.avail_out = zlib_piece(original_size - out_pos);
    const uInt in_before = strm.avail_in;
    const uInt out_before = strm.avail_out;
    ret = inflate(&strm, Z_NO_FLUSH);
    in_pos += in_before - strm.avail_in;
    out_pos += out_before - strm.avail_out;
    // No progress possible: input exhausted (truncated) or output full (larger than expected).
    if (ret == Z_OK && in_before == strm.avail_in && out_before == strm.avail_out) ret = Z_BUF_ERROR;
  }
  inflateEnd(&strm);
  if (ret != Z_STREAM_END) {
    return corrupt_data("gzip: zlib inflate failed (corrupt, truncated or larger than expected), code " +
                        std::to_string(ret));
  }
  return finish_output(std::move(out), out_pos);
}

}  // namespace kolmo::bench
