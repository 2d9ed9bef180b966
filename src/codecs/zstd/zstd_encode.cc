#include "codecs/zstd/zstd_encode.h"

#include <zstd.h>

#include <array>
#include <charconv>

namespace kolmo {
namespace {

constexpr std::array<int, 10> kLevelMap = {3, 1, 2, 3, 5, 7, 9, 12, 16, 19};  // [0] = default

class ZstdEncoder final : public BlockEncoder {
 public:
  explicit ZstdEncoder(int native_level) : level_(native_level) {}

  Status encode_block(ByteSpan input, EncodedBlock& out) const override {
    out.params.clear();
    out.payload.resize(ZSTD_compressBound(input.size()));
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    if (cctx == nullptr) return internal_error("cannot create a zstd encoder");
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level_);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);  // the container checksums blocks
    const size_t n = ZSTD_compress2(cctx, out.payload.data(), out.payload.size(), input.data(),
                                    input.size());
    ZSTD_freeCCtx(cctx);
    if (ZSTD_isError(n)) return internal_error(std::string("zstd: ") + ZSTD_getErrorName(n));
    out.payload.resize(n);
    return ok_status();
  }
  std::uint64_t preferred_block_size() const override { return std::uint64_t{8} << 20; }
  std::uint64_t working_memory() const override {
    // Rough: zstd's match-finder tables grow with the level (exact figures need its static API).
    return std::uint64_t{1} << (level_ >= 16 ? 27 : level_ >= 8 ? 25 : 23);
  }
  std::string spec() const override { return "zstd:" + std::to_string(level_); }

 private:
  int level_;
};

}  // namespace

Expected<std::unique_ptr<BlockEncoder>> make_zstd_encoder(std::string_view options, int level) {
  int native = kLevelMap[static_cast<std::size_t>(level)];
  if (!options.empty()) {
    std::string_view text = options;
    if (text.substr(0, 6) == "level=") text.remove_prefix(6);
    int parsed = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec != std::errc() || end != text.data() + text.size() || parsed < ZSTD_minCLevel() ||
        parsed > ZSTD_maxCLevel() || parsed == 0) {
      return invalid_argument("zstd level must be a number from " +
                              std::to_string(ZSTD_minCLevel()) + " to " +
                              std::to_string(ZSTD_maxCLevel()) + " (not 0), got '" +
                              std::string(options) + "'");
    }
    native = parsed;
  }
  return std::unique_ptr<BlockEncoder>(std::make_unique<ZstdEncoder>(native));
}

}  // namespace kolmo
