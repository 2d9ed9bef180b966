#include "codecs/log/log_backend_encode.h"

#include <lzma.h>
#include <zstd.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "codecs/cm/cm_encode.h"
#include "codecs/log/log_backend.h"
#include "codecs/o2/o2_encode.h"
#include "codecs/o2/o2_model.h"
#include "codecs/o2/o2_params.h"

namespace kolmo::logc {
namespace {

// o2::Model::create maps its tables with huge pages for blocks of at least this size.
constexpr std::uint64_t kO2HugePageHint = std::uint64_t{1} << 20;

std::optional<Bytes> zstd_compress(ByteSpan data, int level, BackendScratch& scratch,
                                   ByteSpan prime) {
  ZSTD_CCtx* cctx = scratch.zstd_context();
  if (cctx == nullptr) return std::nullopt;
  // zstd writes into the block's reused buffer; only its (small) output is copied out.
  Bytes& buffer = scratch.output_buffer(ZSTD_compressBound(data.size()));
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);  // the stream record holds the size
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
  if (!prime.empty()) ZSTD_CCtx_refPrefix(cctx, prime.data(), prime.size());
  const size_t n = ZSTD_compress2(cctx, buffer.data(), buffer.size(), data.data(), data.size());
  if (ZSTD_isError(n)) return std::nullopt;
  return Bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
}

// The smallest power-of-two dictionary that covers the data: the decoder allocates exactly this.
std::uint8_t lzma_dict_log2(std::size_t size) {
  std::uint8_t log2 = 12;
  while (log2 < 27 && (std::size_t{1} << log2) < size) ++log2;
  return log2;
}

std::optional<Bytes> lzma_compress(ByteSpan data, bool extreme, ByteSpan prime) {
  lzma_options_lzma opt;
  if (lzma_lzma_preset(&opt, 9 | (extreme ? LZMA_PRESET_EXTREME : 0)) != 0) return std::nullopt;
  // The dictionary covers the prime too, so that the data can refer to all of it.
  const std::uint8_t dict_log2 = lzma_dict_log2(data.size() + prime.size());
  opt.dict_size = std::uint32_t{1} << dict_log2;
  if (!prime.empty()) {
    if (prime.size() > opt.dict_size) prime = prime.last(opt.dict_size);  // as the decoder does
    opt.preset_dict = prime.data();
    opt.preset_dict_size = static_cast<std::uint32_t>(prime.size());
  }
  if (!extreme) {
    // The streams hold short unaligned fields, where little literal context and no position
    // context model best (measured on the Loghub samples: lc 1, pb 0 beat the xz defaults).
    opt.lc = 1;
    opt.pb = 0;
  }

  lzma_filter filters[2] = {{LZMA_FILTER_LZMA2, &opt}, {LZMA_VLI_UNKNOWN, nullptr}};
  Bytes out(2 + data.size() + data.size() / 16 + 1024);
  out[0] = dict_log2;
  out[1] = static_cast<std::uint8_t>(opt.lc + 5 * opt.lp + 25 * opt.pb);
  std::size_t pos = 2;
  if (lzma_raw_buffer_encode(filters, nullptr, data.data(), data.size(), out.data(), &pos,
                             out.size()) != LZMA_OK) {
    return std::nullopt;
  }
  out.resize(pos);
  return out;
}

std::optional<Bytes> o2_compress(ByteSpan data, int level, BackendScratch& scratch,
                                 ByteSpan prime) {
  o2::Model* model = scratch.o2_model(level, data.size());
  if (model == nullptr) return std::nullopt;
  const Bytes params = o2::serialize_params(model->params());
  if (params.size() > 255) return std::nullopt;
  Bytes out;
  out.reserve(1 + params.size() + data.size() / 2 + 16);
  out.push_back(static_cast<std::uint8_t>(params.size()));
  out.insert(out.end(), params.begin(), params.end());
  // The o2 codec's coding loop, after learning the end of the prime (o2 streams' decoder:
  // decode_o2_primed in log_backend_decode.cc).
  encode_o2_payload(*model, data, o2_prime(prime), out);
  return out;
}

// Through cm's public encoder: [params length u8][cm params][cm payload].
std::optional<Bytes> cm_compress(ByteSpan data, int level) {
  auto encoder = make_cm_encoder(std::to_string(level), 0);
  if (!encoder.ok()) return std::nullopt;
  EncodedBlock block;
  if (!(*encoder)->encode_block(data, block).ok() || block.params.size() > 255) return std::nullopt;
  Bytes out;
  out.reserve(1 + block.params.size() + block.payload.size());
  out.push_back(static_cast<std::uint8_t>(block.params.size()));
  out.insert(out.end(), block.params.begin(), block.params.end());
  out.insert(out.end(), block.payload.begin(), block.payload.end());
  return out;
}

// The candidate backend that makes the first sample_bytes of data smallest.
BackendChoice choose_on_sample(ByteSpan data, const BackendChoice& requested, BackendScratch& scratch,
                               ByteSpan prime) {
  BackendChoice choice = requested;
  if (data.size() > choice.o2_max_size) choice.o2 = false;
  const ByteSpan sample = data.first(std::min(data.size(), choice.sample_bytes));
  BackendChoice only = choice;
  only.zstd = only.lzma = only.o2 = only.cm = false;
  std::size_t best = SIZE_MAX;
  auto consider = [&](bool allowed, std::optional<Bytes> b, bool BackendChoice::*flag) {
    if (allowed && b && b->size() < best) {
      best = b->size();
      only.zstd = only.lzma = only.o2 = only.cm = false;
      only.*flag = true;
    }
  };
  consider(choice.zstd, choice.zstd ? zstd_compress(sample, choice.zstd_level, scratch, prime) : std::nullopt, &BackendChoice::zstd);
  consider(choice.lzma, choice.lzma ? lzma_compress(sample, choice.lzma_extreme, prime) : std::nullopt, &BackendChoice::lzma);
  consider(choice.o2, choice.o2 ? o2_compress(sample, choice.o2_level, scratch, prime) : std::nullopt, &BackendChoice::o2);
  consider(choice.cm, choice.cm ? cm_compress(sample, choice.cm_level) : std::nullopt, &BackendChoice::cm);
  return only;
}

}  // namespace

BackendScratch::BackendScratch() = default;
BackendScratch::~BackendScratch() = default;

void BackendScratch::ZstdFree::operator()(ZSTD_CCtx_s* cctx) const { ZSTD_freeCCtx(cctx); }

Bytes& BackendScratch::output_buffer(std::size_t size) {
  if (buffer_.size() < size) buffer_.resize(size);
  return buffer_;
}

ZSTD_CCtx* BackendScratch::zstd_context() {
  if (zstd_ == nullptr) {
    zstd_.reset(ZSTD_createCCtx());
    if (zstd_ == nullptr) return nullptr;
  } else {
    ZSTD_CCtx_reset(zstd_.get(), ZSTD_reset_session_and_parameters);
  }
  return zstd_.get();
}

o2::Model* BackendScratch::o2_model(int level, std::uint64_t block_size) {
  if (o2_ != nullptr && o2_level_ == level) {
    if (o2_used_) o2_->reset();
    o2_used_ = true;
    return o2_.get();
  }
  // Huge pages even for small streams: o2's hashed tables have a fixed size, and even a few KiB
  // of stream touch most of their 4 KiB pages at random, so 4 KiB pages cost one fault per page
  // per stream (the block's sys time); the model computes the same either way.
  const std::uint64_t mapping_hint = std::max<std::uint64_t>(block_size, kO2HugePageHint);
  auto m = o2::Model::create(o2::params_for_level(level), std::numeric_limits<std::uint64_t>::max(),
                             mapping_hint);
  if (!m.ok()) return nullptr;
  o2_ = std::move(*m);
  o2_level_ = level;
  o2_used_ = true;
  return o2_.get();
}

Status append_stream(Bytes& out, ByteSpan data, const BackendChoice& requested,
                     BackendScratch& scratch, ByteSpan prime) {
  const BackendChoice choice = data.size() > requested.sample_above
                                   ? choose_on_sample(data, requested, scratch, prime)
                                   : requested;
  // The data itself (store) until a backend makes it smaller: no copy unless store wins.
  Backend best = kBackendStore;
  Bytes best_bytes;
  auto consider = [&](Backend b, std::optional<Bytes> candidate) {
    const std::size_t best_size = best == kBackendStore ? data.size() : best_bytes.size();
    if (candidate && candidate->size() < best_size) {
      best = b;
      best_bytes = std::move(*candidate);
    }
  };
  if (!data.empty()) {
    if (choice.zstd) consider(kBackendZstd, zstd_compress(data, choice.zstd_level, scratch, prime));
    if (data.size() >= choice.min_size_for_models) {
      if (choice.lzma) consider(kBackendLzma, lzma_compress(data, choice.lzma_extreme, prime));
      if (choice.o2 && data.size() <= choice.o2_max_size) {
        consider(kBackendO2, o2_compress(data, choice.o2_level, scratch, prime));
      }
      if (choice.cm) consider(kBackendCm, cm_compress(data, choice.cm_level));
    }
  }
  const ByteSpan stored = best == kBackendStore ? data : ByteSpan(best_bytes);
  out.push_back(best);
  append_varint(out, data.size());
  append_varint(out, stored.size());
  out.insert(out.end(), stored.begin(), stored.end());
  return ok_status();
}

}  // namespace kolmo::logc
