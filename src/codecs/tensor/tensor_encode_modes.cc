#include "codecs/tensor/tensor_encode_modes.h"

#include <array>
#include <limits>
#include <vector>

#include "codecs/tensor/tensor_bits.h"
#include "codecs/tensor/tensor_df11_aux.h"
#include "codecs/tensor/tensor_layout.h"
#include "codecs/tensor/tensor_max_model.h"
#include "entropy/binary_coder.h"
#include "entropy/huffman_encode.h"
#include "entropy/rans_static_encode.h"

namespace kolmo::tensor {
namespace {

// Splits elements into their symbols (returned) and appends their raw bytes to `payload`.
template <typename L>
std::vector<std::uint8_t> split_elements(ByteSpan elements, Bytes& payload) {
  const std::size_t n = elements.size() / L::kWidth;
  std::vector<std::uint8_t> symbols(n);
  const std::size_t raw_at = payload.size();
  payload.resize(raw_at + n * L::kRawBytes);
  std::uint8_t* raw = payload.data() + raw_at;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* e = elements.data() + L::kWidth * i;
    symbols[i] = L::symbol(e);
    put_raw_bytes<L>(L::raw(e), raw + L::kRawBytes * i);
  }
  return symbols;
}

}  // namespace

Status encode_o0(ByteSpan elements, Dtype dtype, Bytes& payload) {
  // Layout: rANS blob of the symbols, then the raw bytes. The blob's size is implied by the
  // payload size, so nothing else is stored.
  Bytes raw;
  const std::vector<std::uint8_t> symbols =
      with_layout(dtype, [&](auto l) { return split_elements<decltype(l)>(elements, raw); });
  const Bytes blob = rans_encode_o0(symbols);
  payload.insert(payload.end(), blob.begin(), blob.end());
  payload.insert(payload.end(), raw.begin(), raw.end());
  return ok_status();
}

Status encode_df11(ByteSpan elements, Dtype dtype, Bytes& payload) {
  Bytes raw;
  const std::vector<std::uint8_t> symbols =
      with_layout(dtype, [&](auto l) { return split_elements<decltype(l)>(elements, raw); });
  if (symbols.size() > std::numeric_limits<std::uint32_t>::max()) {
    return invalid_argument("tensor df11 blocks hold at most 2^32 - 1 elements");
  }
  std::array<std::uint64_t, 256> counts{};
  for (const std::uint8_t s : symbols) ++counts[s];
  // DFloat11 caps codes at 32 bits: that is what keeps every gap within 5 bits.
  KOLMO_ASSIGN_OR_RETURN(const HuffmanCode code, build_huffman_code(counts, kMaxHuffmanLength));
  write_code_lengths(code.lengths, payload);
  Bytes stream;
  KOLMO_RETURN_IF_ERROR(
      HuffmanEncoder(code).encode(std::span<const std::uint8_t>(symbols), stream));
  append_varint(payload, stream.size());
  payload.insert(payload.end(), stream.begin(), stream.end());
  Bytes block_starts;
  BitPacker gaps(payload);
  const bool ok = walk_df11_aux(
      symbols, code.lengths, stream.size(),
      [&](std::uint64_t, std::uint32_t gap, std::uint64_t) {
        gaps.put(gap, kDf11GapBits);
        return true;
      },
      [&](std::uint64_t, std::uint64_t first_element) {
        std::uint8_t le[4];
        store_le32(le, static_cast<std::uint32_t>(first_element));
        block_starts.insert(block_starts.end(), le, le + 4);
        return true;
      });
  if (!ok) return internal_error("tensor df11 code does not fit DFloat11's 5-bit gaps");
  gaps.finish();
  payload.insert(payload.end(), block_starts.begin(), block_starts.end());
  payload.insert(payload.end(), raw.begin(), raw.end());
  return ok_status();
}

namespace {

template <typename L>
void encode_max_elements(ByteSpan elements, MaxModel& model, BinaryEncoder& coder,
                         BitPacker& remainder) {
  const std::size_t n = elements.size() / L::kWidth;
  const MantissaSplit<L> split{model.mantissa_bits()};
  std::uint32_t context = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* e = elements.data() + L::kWidth * i;
    const std::uint8_t symbol = L::symbol(e);
    const std::uint32_t raw = L::raw(e);
    std::uint32_t node = 1;
    for (int b = 7; b >= 0; --b) {
      const int bit = (symbol >> b) & 1;
      MaxCounter& c = model.symbol_counter(context, node);
      coder.encode(bit, c.p16());
      c.update(bit);
      node = (node << 1) | static_cast<std::uint32_t>(bit);
    }
    const std::uint32_t top = split.top(raw);
    node = 1;
    for (int b = split.bits - 1; b >= 0; --b) {
      const int bit = (top >> b) & 1;
      MaxCounter& c = model.mantissa_counter(symbol, node);
      coder.encode(bit, c.p16());
      c.update(bit);
      node = (node << 1) | static_cast<std::uint32_t>(bit);
    }
    remainder.put(split.remainder(raw), split.remainder_bits());
    if (model.order1()) context = L::exponent(symbol);
  }
}

}  // namespace

Status encode_max(ByteSpan elements, const Params& params, Bytes& payload) {
  // Layout: varint(arithmetic stream bytes), the stream, then the packed remainders.
  MaxModel model(params.order1, params.mantissa_bits);
  Bytes stream;
  Bytes packed;
  BinaryEncoder coder(stream);
  BitPacker remainder(packed);
  with_layout(params.dtype,
              [&](auto l) { encode_max_elements<decltype(l)>(elements, model, coder, remainder); });
  coder.finish();
  remainder.finish();
  append_varint(payload, stream.size());
  payload.insert(payload.end(), stream.begin(), stream.end());
  payload.insert(payload.end(), packed.begin(), packed.end());
  return ok_status();
}

}  // namespace kolmo::tensor
