#include "codecs/log/log_backend_encode.h"

#include <lzma.h>
#include <zstd.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "codecs/cm/cm_encode.h"
#include "codecs/log/log_backend.h"
#include "codecs/o2/o2_model.h"
#include "codecs/o2/o2_params.h"
#include "entropy/binary_coder.h"

namespace kolmo::logc {
namespace {

std::optional<Bytes> zstd_compress(ByteSpan data, int level, ByteSpan prime) {
  Bytes out(ZSTD_compressBound(data.size()));
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  if (cctx == nullptr) return std::nullopt;
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);  // the stream record holds the size
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
  if (!prime.empty()) ZSTD_CCtx_refPrefix(cctx, prime.data(), prime.size());
  const size_t n = ZSTD_compress2(cctx, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(n)) return std::nullopt;
  out.resize(n);
  return out;
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
  // The same coding loop as the o2 codec, whose decoder reads these bytes.
  Bytes payload;
  BinaryEncoder enc(payload);
  o2::with_flags(model->params().flags, [&](auto flags) {
    constexpr std::uint8_t kFlags = decltype(flags)::value;
    o2_learn<kFlags>(*model, prime);
    for (const std::uint8_t byte : data) {
      for (int i = 7; i >= 0; --i) {
        const int bit = (byte >> i) & 1;
        enc.encode(bit, model->predict<kFlags>());
        model->update<kFlags>(bit);
      }
    }
  });
  enc.finish();
  out.insert(out.end(), payload.begin(), payload.end());
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
BackendChoice choose_on_sample(ByteSpan data, const BackendChoice& choice, BackendScratch& scratch,
                               ByteSpan prime) {
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
  consider(choice.zstd, choice.zstd ? zstd_compress(sample, choice.zstd_level, prime) : std::nullopt, &BackendChoice::zstd);
  consider(choice.lzma, choice.lzma ? lzma_compress(sample, choice.lzma_extreme, prime) : std::nullopt, &BackendChoice::lzma);
  consider(choice.o2, choice.o2 ? o2_compress(sample, choice.o2_level, scratch, prime) : std::nullopt, &BackendChoice::o2);
  consider(choice.cm, choice.cm ? cm_compress(sample, choice.cm_level) : std::nullopt, &BackendChoice::cm);
  return only;
}

}  // namespace

BackendScratch::BackendScratch() = default;
BackendScratch::~BackendScratch() = default;

o2::Model* BackendScratch::o2_model(int level, std::uint64_t block_size) {
  if (o2_ != nullptr && o2_level_ == level) {
    if (o2_used_) o2_->reset();
    o2_used_ = true;
    return o2_.get();
  }
  auto m = o2::Model::create(o2::params_for_level(level), std::numeric_limits<std::uint64_t>::max(), block_size);
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
  Backend best = kBackendStore;
  Bytes best_bytes(data.begin(), data.end());
  auto consider = [&](Backend b, std::optional<Bytes> candidate) {
    if (candidate && candidate->size() < best_bytes.size()) {
      best = b;
      best_bytes = std::move(*candidate);
    }
  };
  if (!data.empty()) {
    if (choice.zstd) consider(kBackendZstd, zstd_compress(data, choice.zstd_level, prime));
    if (data.size() >= choice.min_size_for_models) {
      if (choice.lzma) consider(kBackendLzma, lzma_compress(data, choice.lzma_extreme, prime));
      if (choice.o2) consider(kBackendO2, o2_compress(data, choice.o2_level, scratch, prime));
      if (choice.cm) consider(kBackendCm, cm_compress(data, choice.cm_level));
    }
  }
  out.push_back(best);
  append_varint(out, data.size());
  append_varint(out, best_bytes.size());
  out.insert(out.end(), best_bytes.begin(), best_bytes.end());
  return ok_status();
}

}  // namespace kolmo::logc
