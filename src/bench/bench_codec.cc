#include "bench/bench_codec.h"

#include "bench/baselines.h"
#include "kolmo/codec.h"
#include "kolmo/container.h"

namespace kolmo::bench {
namespace {

class KolmoCodec final : public BenchCodec {
 public:
  KolmoCodec(std::string label, std::string spec, const KolmoSettings& settings)
      : label_(std::move(label)), spec_(std::move(spec)), settings_(settings) {}

  const std::string& label() const override { return label_; }
  unsigned threads() const override { return settings_.threads; }

  Expected<Bytes> compress(ByteSpan input) const override {
    CompressOptions opts;
    opts.codec_spec = spec_;
    opts.level = settings_.level;
    opts.threads = settings_.threads;
    opts.block_size = settings_.block_size;
    return compress_buffer(input, opts);
  }

  Expected<Bytes> decompress(ByteSpan compressed, std::size_t) const override {
    DecompressOptions opts;
    opts.threads = settings_.threads;
    return decompress_buffer(compressed, opts);
  }

 private:
  std::string label_;
  std::string spec_;
  KolmoSettings settings_;
};

// A baseline is a pair of plain functions bound to the spec's level.
class BaselineCodec final : public BenchCodec {
 public:
  explicit BaselineCodec(CodecSpec spec) : spec_(std::move(spec)) {}

  const std::string& label() const override { return spec_.label; }
  unsigned threads() const override { return 1; }

  Expected<Bytes> compress(ByteSpan input) const override {
    switch (spec_.family) {
      case CodecFamily::kXz: return xz_compress(input, spec_.level, spec_.extreme);
      case CodecFamily::kZstd: return zstd_compress(input, spec_.level);
      case CodecFamily::kBrotli: return brotli_compress(input, spec_.level);
      case CodecFamily::kBzip2: return bzip2_compress(input, spec_.level);
      case CodecFamily::kGzip: return gzip_compress(input, spec_.level);
      case CodecFamily::kKolmo: break;
    }
    return internal_error("baseline codec built for a kolmo spec");
  }

  Expected<Bytes> decompress(ByteSpan compressed, std::size_t original_size) const override {
    switch (spec_.family) {
      case CodecFamily::kXz: return xz_decompress(compressed, original_size);
      case CodecFamily::kZstd: return zstd_decompress(compressed, original_size);
      case CodecFamily::kBrotli: return brotli_decompress(compressed, original_size);
      case CodecFamily::kBzip2: return bzip2_decompress(compressed, original_size);
      case CodecFamily::kGzip: return gzip_decompress(compressed, original_size);
      case CodecFamily::kKolmo: break;
    }
    return internal_error("baseline codec built for a kolmo spec");
  }

 private:
  CodecSpec spec_;
};

}  // namespace

Expected<std::unique_ptr<BenchCodec>> make_bench_codec(const CodecSpec& spec,
                                                        const KolmoSettings& kolmo) {
  if (spec.family != CodecFamily::kKolmo) {
    return std::unique_ptr<BenchCodec>(std::make_unique<BaselineCodec>(spec));
  }
  // Build the encoder once, only to validate the spec and learn its canonical name
  // (e.g. "zstd" at the default level is "zstd:3"); the container builds its own.
  auto encoder = make_encoder(spec.kolmo_spec, kolmo.level);
  if (!encoder.ok()) return encoder.status();
  return std::unique_ptr<BenchCodec>(
      std::make_unique<KolmoCodec>("kmo:" + (*encoder)->spec(), spec.kolmo_spec, kolmo));
}

}  // namespace kolmo::bench
