#include "codecs/tensor/tensor_decode_modes.h"

#include <limits>
#include <string>
#include <vector>

#include "codecs/tensor/tensor_bits.h"
#include "codecs/tensor/tensor_df11_aux.h"
#include "codecs/tensor/tensor_layout.h"
#include "codecs/tensor/tensor_max_model.h"
#include "entropy/binary_coder.h"
#include "entropy/huffman_decode.h"
#include "entropy/rans_static_decode.h"

namespace kolmo::tensor {
namespace {

// Upper bounds of the entropy decoders' own tables (rANS: 16 KiB slot table; Huffman: an 11-bit
// table and the canonical walk), with room to spare.
constexpr std::uint64_t kTableDecodeMemory = 64 << 10;

std::uint64_t element_count(MutableByteSpan out, int width) { return out.size() / width; }

}  // namespace

std::uint64_t decode_memory_bytes(Mode mode) {
  return mode == Mode::kMax ? MaxModel::memory_bytes() : kTableDecodeMemory;
}

Status decode_o0(ByteSpan body, Dtype dtype, MutableByteSpan out) {
  return with_layout(dtype, [&](auto l) -> Status {
    using L = decltype(l);
    const std::uint64_t n = element_count(out, L::kWidth);
    const std::uint64_t raw_size = n * L::kRawBytes;
    if (body.size() < raw_size) return truncated("tensor o0 payload is shorter than its raw bytes");
    const ByteSpan blob = body.first(body.size() - raw_size);
    // Symbols go where merge_in_place expects them: the last n bytes of the element area.
    KOLMO_RETURN_IF_ERROR(rans_decode_o0(blob, out.subspan((L::kWidth - 1) * n, n)));
    merge_in_place<L>(out, n, body.data() + blob.size());
    return ok_status();
  });
}

namespace {

// Checks the stored gaps and block starts against the ones the decoded symbols imply.
Status verify_df11_aux(std::span<const std::uint8_t> symbols, std::span<const std::uint8_t> lengths,
                       std::uint64_t stream_bytes, ByteSpan gaps, ByteSpan block_starts) {
  BitUnpacker stored_gaps(gaps);
  const bool ok = walk_df11_aux(
      symbols, lengths, stream_bytes,
      [&](std::uint64_t, std::uint32_t gap, std::uint64_t) {
        return stored_gaps.get(kDf11GapBits) == gap;
      },
      [&](std::uint64_t block, std::uint64_t first_element) {
        return load_le32(block_starts.data() + 4 * block) == first_element;
      });
  if (!ok || !stored_gaps.ended_cleanly()) {
    return corrupt_data("tensor df11 GPU arrays do not match the exponent stream");
  }
  return ok_status();
}

}  // namespace

Status decode_df11(ByteSpan body, Dtype dtype, MutableByteSpan out) {
  return with_layout(dtype, [&](auto l) -> Status {
    using L = decltype(l);
    const std::uint64_t n = element_count(out, L::kWidth);
    if (n > std::numeric_limits<std::uint32_t>::max()) {
      return corrupt_data("tensor df11 block has more than 2^32 - 1 elements");
    }
    ByteReader reader(body);
    std::vector<std::uint8_t> lengths;
    KOLMO_RETURN_IF_ERROR(read_code_lengths(reader, 256, lengths));
    const std::uint64_t stream_bytes =
        reader.varint_at_most(body.size(), "tensor df11 exponent stream size");
    KOLMO_RETURN_IF_ERROR(reader.status());
    const std::uint64_t threads = df11_threads(stream_bytes);
    const std::uint64_t gap_bytes = packed_bytes(threads, kDf11GapBits);
    const std::uint64_t start_bytes = 4 * (df11_blocks(threads) + 1);
    const std::uint64_t raw_size = n * L::kRawBytes;
    // All sizes are at most body.size() (or n * 3 <= out.size()), so the sum cannot overflow.
    if (reader.remaining() != stream_bytes + gap_bytes + start_bytes + raw_size) {
      return corrupt_data("tensor df11 payload size does not match its sections");
    }
    const ByteSpan stream = reader.bytes(stream_bytes);
    const ByteSpan gaps = reader.bytes(gap_bytes);
    const ByteSpan starts = reader.bytes(start_bytes);
    const ByteSpan raw = reader.bytes(raw_size);
    KOLMO_RETURN_IF_ERROR(reader.status());
    KOLMO_ASSIGN_OR_RETURN(const HuffmanDecoder decoder,
                           HuffmanDecoder::create(lengths, kMaxHuffmanLength));
    const MutableByteSpan symbols = out.subspan((L::kWidth - 1) * n, n);
    KOLMO_RETURN_IF_ERROR(decoder.decode(stream, symbols));
    KOLMO_RETURN_IF_ERROR(verify_df11_aux(symbols, lengths, stream_bytes, gaps, starts));
    merge_in_place<L>(out, n, raw.data());
    return ok_status();
  });
}

namespace {

template <typename L>
void decode_max_elements(MutableByteSpan out, MaxModel& model, BinaryDecoder& coder,
                         BitUnpacker& remainder) {
  const std::size_t n = out.size() / L::kWidth;
  const MantissaSplit<L> split{model.mantissa_bits()};
  std::uint32_t context = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t node = 1;
    for (int b = 0; b < 8; ++b) {
      MaxCounter& c = model.symbol_counter(context, node);
      const int bit = coder.decode(c.p16());
      c.update(bit);
      node = (node << 1) | static_cast<std::uint32_t>(bit);
    }
    const std::uint8_t symbol = static_cast<std::uint8_t>(node);
    node = 1;
    for (int b = 0; b < split.bits; ++b) {
      MaxCounter& c = model.mantissa_counter(symbol, node);
      const int bit = coder.decode(c.p16());
      c.update(bit);
      node = (node << 1) | static_cast<std::uint32_t>(bit);
    }
    const std::uint32_t top = node - (1u << split.bits);
    const std::uint32_t raw = split.join(top, remainder.get(split.remainder_bits()));
    L::store(out.data() + L::kWidth * i, symbol, raw);
    if (model.order1()) context = L::exponent(symbol);
  }
}

}  // namespace

Status decode_max(ByteSpan body, const Params& params, MutableByteSpan out) {
  return with_layout(params.dtype, [&](auto l) -> Status {
    using L = decltype(l);
    const std::uint64_t n = element_count(out, L::kWidth);
    const MantissaSplit<L> split{params.mantissa_bits};
    ByteReader reader(body);
    const std::uint64_t stream_bytes =
        reader.varint_at_most(body.size(), "tensor max arithmetic stream size");
    KOLMO_RETURN_IF_ERROR(reader.status());
    const std::uint64_t packed = packed_bytes(n, split.remainder_bits());
    if (reader.remaining() != stream_bytes + packed) {
      return corrupt_data("tensor max payload size does not match its sections");
    }
    const ByteSpan stream = reader.bytes(stream_bytes);
    const ByteSpan remainders = reader.bytes(packed);
    KOLMO_RETURN_IF_ERROR(reader.status());
    MaxModel model(params.order1, params.mantissa_bits);
    BinaryDecoder coder(stream);
    BitUnpacker remainder(remainders);
    decode_max_elements<L>(out, model, coder, remainder);
    if (!coder.consumed_exactly() || !remainder.ended_cleanly()) {
      return corrupt_data("tensor max payload does not match its content (truncated or corrupt)");
    }
    return ok_status();
  });
}

}  // namespace kolmo::tensor
