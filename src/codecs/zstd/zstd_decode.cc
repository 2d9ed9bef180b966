#include "codecs/zstd/zstd_decode.h"

#include <zstd.h>

#include <memory>

namespace kolmo {
namespace {
struct DctxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};
}  // namespace

Status decode_zstd_block(ByteSpan params, ByteSpan payload, MutableByteSpan output,
                         const DecodeLimits& limits) {
  if (!params.empty()) return corrupt_data("zstd block has unexpected parameters");
  // One-shot decoding into the caller's buffer: zstd allocates no window beyond its context,
  // so the output span (already checked by the container) bounds the memory.
  (void)limits;
  std::unique_ptr<ZSTD_DCtx, DctxDeleter> dctx(ZSTD_createDCtx());
  if (!dctx) return internal_error("cannot create a zstd decoder");
  const size_t n =
      ZSTD_decompressDCtx(dctx.get(), output.data(), output.size(), payload.data(), payload.size());
  if (ZSTD_isError(n)) return corrupt_data(std::string("zstd: ") + ZSTD_getErrorName(n));
  if (n != output.size()) {
    return corrupt_data("zstd block decoded to " + std::to_string(n) + " bytes, header says " +
                        std::to_string(output.size()));
  }
  return ok_status();
}

}  // namespace kolmo
