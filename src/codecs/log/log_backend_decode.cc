#include <lzma.h>
#include <algorithm>
#include <string>
#include <zstd.h>

#include "codecs/log/log_backend.h"
#include "codecs/cm/cm_decode.h"
#include "codecs/o2/o2_decode.h"

namespace kolmo::logc {
namespace {

Status zstd_decompress(ByteSpan stored, MutableByteSpan out, ByteSpan prime) {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  if (dctx == nullptr) return limit_exceeded("log: cannot allocate a zstd context");
  if (!prime.empty()) ZSTD_DCtx_refPrefix(dctx, prime.data(), prime.size());
  const size_t n = ZSTD_decompressDCtx(dctx, out.data(), out.size(), stored.data(), stored.size());
  ZSTD_freeDCtx(dctx);
  if (ZSTD_isError(n) || n != out.size()) {
    return corrupt_data("log: a zstd stream does not decode to its declared size");
  }
  return ok_status();
}

Status lzma_decompress(ByteSpan stored, MutableByteSpan out, const DecodeLimits& limits,
                       ByteSpan prime) {
  if (stored.size() < 2) return corrupt_data("log: lzma stream without its properties");
  const std::uint8_t dict_log2 = stored[0];
  const std::uint8_t props = stored[1];
  if (dict_log2 < 12 || dict_log2 > 27 || props >= 225) {
    return corrupt_data("log: bad lzma stream properties");
  }
  lzma_options_lzma opt{};
  opt.dict_size = std::uint32_t{1} << dict_log2;
  opt.lc = props % 5;
  opt.lp = (props / 5) % 5;
  opt.pb = props / 25;
  if (opt.lc + opt.lp > 4) return corrupt_data("log: bad lzma stream properties");
  if (opt.dict_size > limits.memory_bytes) {
    return limit_exceeded("log: lzma dictionary exceeds the memory limit");
  }
  if (!prime.empty()) {
    // The history before the stream; lzma keeps only the last dict_size bytes of it.
    if (prime.size() > opt.dict_size) prime = prime.last(opt.dict_size);
    opt.preset_dict = prime.data();
    opt.preset_dict_size = static_cast<std::uint32_t>(prime.size());
  }
  lzma_filter filters[2] = {{LZMA_FILTER_LZMA2, &opt}, {LZMA_VLI_UNKNOWN, nullptr}};
  std::size_t in_pos = 2;
  std::size_t out_pos = 0;
  const lzma_ret ret = lzma_raw_buffer_decode(filters, nullptr, stored.data(), &in_pos,
                                              stored.size(), out.data(), &out_pos, out.size());
  if (ret != LZMA_OK || out_pos != out.size() || in_pos != stored.size()) {
    return corrupt_data("log: an lzma stream does not decode to its declared size");
  }
  return ok_status();
}

// o2 and cm streams: [params length u8][params][payload], decoded by the codec's own decoder;
// o2 first learns the end of the prime (o2_prime), as its encoder did.
Status model_decompress(ByteSpan stored, MutableByteSpan out, const DecodeLimits& limits,
                        int backend, ByteSpan prime) {
  if (stored.empty() || stored[0] + std::size_t{1} > stored.size()) {
    return corrupt_data("log: model stream without its parameters");
  }
  const ByteSpan params = stored.subspan(1, stored[0]);
  const ByteSpan payload = stored.subspan(1 + stored[0]);
  if (backend == kBackendO2) return decode_o2_primed(params, payload, out, limits, o2_prime(prime));
  return decode_cm_block(params, payload, out, limits);
}

}  // namespace

Expected<Bytes> read_stream(ByteReader& in, std::uint64_t raw_size_limit,
                            const DecodeLimits& limits, ByteSpan prime) {
  const std::uint8_t backend = in.u8();
  const std::uint64_t raw_size = in.varint_at_most(raw_size_limit, "log stream size");
  const std::uint64_t stored_size = in.varint_at_most(in.remaining(), "log stored stream size");
  const ByteSpan stored = in.bytes(static_cast<std::size_t>(stored_size));
  KOLMO_RETURN_IF_ERROR(in.status());
  if (backend >= kBackendCount) return corrupt_data("log: unknown stream backend");
  if (raw_size > limits.memory_bytes) return limit_exceeded("log: stream exceeds the memory limit");
  Bytes out(static_cast<std::size_t>(raw_size));
  if (raw_size == 0) {
    if (!stored.empty()) return corrupt_data("log: an empty stream has stored bytes");
    return out;
  }
  switch (backend) {
    case kBackendStore:
      if (stored.size() != out.size()) return corrupt_data("log: stored stream size mismatch");
      std::copy(stored.begin(), stored.end(), out.begin());
      break;
    case kBackendZstd:
      KOLMO_RETURN_IF_ERROR(zstd_decompress(stored, out, prime));
      break;
    case kBackendLzma:
      KOLMO_RETURN_IF_ERROR(lzma_decompress(stored, out, limits, prime));
      break;
    default:  // o2 and cm
      KOLMO_RETURN_IF_ERROR(model_decompress(stored, out, limits, backend, prime));
      break;
  }
  return out;
}

}  // namespace kolmo::logc
