// compress_stream / compress_buffer: input in fixed-size blocks, encoded in parallel by the shared
// BlockPipeline, frames written in input order, then the index and the footer.
#include <algorithm>
#include <string>

#include "container/api_guard.h"
#include "container/block_pipeline.h"
#include "container/format.h"
#include "container/source_reader.h"
#include "kolmo/container.h"
#include "kolmo/version.h"

namespace kolmo {
namespace {

struct ChosenEncoder {
  std::unique_ptr<BlockEncoder> encoder;
  std::uint16_t codec_id = 0;
  std::uint64_t block_size = 0;
};

// `spec` is never empty here: an unnamed codec was resolved by default_codec_for.
Expected<ChosenEncoder> choose_encoder(std::string_view spec, const CompressOptions& opts) {
  ChosenEncoder chosen;
  KOLMO_ASSIGN_OR_RETURN(chosen.encoder, make_encoder(spec, opts.level));
  // The encoder does not know its id; the spec's name part does (make_encoder validated it).
  const std::string_view name = spec;
  const CodecInfo* codec = find_codec(name.substr(0, name.find(':')));
  if (codec == nullptr) return internal_error("encoder built for an unknown codec name");
  chosen.codec_id = static_cast<std::uint16_t>(codec->id);
  chosen.block_size =
      opts.block_size != 0 ? opts.block_size : chosen.encoder->preferred_block_size();
  if (chosen.block_size < kMinBlockSize || chosen.block_size > kMaxBlockSize) {
    return invalid_argument("block size " + std::to_string(chosen.block_size) + " is outside " +
                            std::to_string(kMinBlockSize) + ".." + std::to_string(kMaxBlockSize));
  }
  return chosen;
}

class StreamCompressor {
 public:
  StreamCompressor(ByteSource& in, ByteSink& out, const CompressOptions& opts)
      : in_(in),
        reader_(in),
        opts_(opts),
        pipeline_(out, opts.threads, opts.progress, in.size_known() ? in.size() : 0) {}

  Expected<CompressStats> run() {
    // With no codec named, the start of the input chooses it; that sample then opens block 0, so
    // block boundaries are the same as with the codec named explicitly.
    Bytes sample;
    std::size_t sample_used = 0;
    std::string spec = opts_.codec_spec;
    if (spec.empty()) {
      KOLMO_RETURN_IF_ERROR(reader_.append_up_to(sample, kAutoSelectSampleBytes).status());
      spec = default_codec_for(sample, opts_.level);
    }
    KOLMO_ASSIGN_OR_RETURN(chosen_, choose_encoder(spec, opts_));
    KOLMO_ASSIGN_OR_RETURN(const Bytes dictionary, build_dictionary(sample));
    kmo::FileHeader header;
    header.major = kFormatMajor;
    header.minor = dictionary.empty() ? kFormatMinor : kmo::kDictionaryFormatMinor;
    header.nominal_block_size = static_cast<std::uint32_t>(chosen_.block_size);
    KOLMO_RETURN_IF_ERROR(pipeline_.write_now(kmo::serialize_file_header(header)));
    if (!dictionary.empty()) {
      // Right after the header, before every block (docs/format.md, "Dictionary frame").
      KOLMO_RETURN_IF_ERROR(
          pipeline_.write_now(kmo::serialize_dictionary_frame(chosen_.codec_id, dictionary)));
      pipeline_.set_dictionary(dictionary);
    }
    for (;;) {
      if (opts_.cancel != nullptr && opts_.cancel->load())
        return cancelled("compression cancelled");
      Bytes block;
      block.reserve(std::min<std::uint64_t>(chosen_.block_size,
                                            reserve_hint() + sample.size() - sample_used));
      std::size_t got = std::min<std::size_t>(sample.size() - sample_used, chosen_.block_size);
      const auto from = sample.begin() + static_cast<std::ptrdiff_t>(sample_used);
      block.insert(block.end(), from, from + static_cast<std::ptrdiff_t>(got));
      sample_used += got;
      if (got < chosen_.block_size && sample_used == sample.size()) {
        KOLMO_ASSIGN_OR_RETURN(const std::size_t more,
                               reader_.append_up_to(block, chosen_.block_size - got));
        got += more;
      }
      if (got == 0) break;
      KOLMO_RETURN_IF_ERROR(
          pipeline_.add_block(std::move(block), *chosen_.encoder, chosen_.codec_id));
      if (got < chosen_.block_size) break;  // a short block is the last one
    }
    KOLMO_RETURN_IF_ERROR(pipeline_.drain());
    const kmo::Footer footer = pipeline_.footer();
    KOLMO_RETURN_IF_ERROR(pipeline_.write_now(kmo::serialize_index(pipeline_.index())));
    KOLMO_RETURN_IF_ERROR(pipeline_.write_now(kmo::serialize_footer(footer)));
    return CompressStats{pipeline_.content_size(), pipeline_.written(), pipeline_.index().size()};
  }

 private:
  // The codec's dictionary from the start of the input, built before any block is dispatched so
  // that every block (encoded in parallel) sees the same one. Only for inputs of more than one
  // block: a lone block has nothing to share with. The bytes read land in `sample`, which then
  // opens block 0 as usual.
  Expected<Bytes> build_dictionary(Bytes& sample) {
    const std::uint64_t wanted = chosen_.encoder->dictionary_sample_size(chosen_.block_size);
    if (wanted == 0) return Bytes{};
    const std::uint64_t need = std::max<std::uint64_t>(wanted, chosen_.block_size + 1);
    if (sample.size() < need) {
      KOLMO_RETURN_IF_ERROR(
          reader_.append_up_to(sample, static_cast<std::size_t>(need - sample.size())).status());
    }
    if (sample.size() <= chosen_.block_size) return Bytes{};
    const ByteSpan from = ByteSpan(sample).first(static_cast<std::size_t>(
        std::min<std::uint64_t>(wanted, sample.size())));
    KOLMO_ASSIGN_OR_RETURN(Bytes dictionary, chosen_.encoder->build_dictionary(from));
    if (dictionary.size() > kmo::kMaxDictionaryBytes) {
      return internal_error("codec built a dictionary larger than the format allows");
    }
    return dictionary;
  }

  std::size_t reserve_hint() const {
    if (!in_.size_known() || in_.size() <= reader_.offset()) return 0;
    return static_cast<std::size_t>(std::min(chosen_.block_size, in_.size() - reader_.offset()));
  }

  ByteSource& in_;
  kmo::SourceReader reader_;
  const CompressOptions& opts_;
  ChosenEncoder chosen_;      // set by run(); outlives pipeline_, whose tasks use the encoder
  kmo::BlockPipeline pipeline_;
};

}  // namespace

Expected<CompressStats> compress_stream(ByteSource& in, ByteSink& out,
                                        const CompressOptions& opts) {
  return kmo::guard_api([&]() -> Expected<CompressStats> {
    // A named codec is checked before any input is read.
    if (!opts.codec_spec.empty()) {
      KOLMO_RETURN_IF_ERROR(make_encoder(opts.codec_spec, opts.level).status());
    }
    // Heap-allocated: the compressor holds a 64 KiB read buffer.
    auto compressor = std::make_unique<StreamCompressor>(in, out, opts);
    return compressor->run();
  });
}

Expected<Bytes> compress_buffer(ByteSpan input, const CompressOptions& opts) {
  return kmo::guard_api([&]() -> Expected<Bytes> {
    MemorySource source(input);
    MemorySink sink;
    KOLMO_RETURN_IF_ERROR(compress_stream(source, sink, opts).status());
    return std::move(sink.bytes());
  });
}

}  // namespace kolmo
