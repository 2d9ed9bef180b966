#include "codecs/tensor/cuda/df11_gpu_plan.h"

#include <limits>
#include <string>

#include "codecs/tensor/tensor_bits.h"
#include "codecs/tensor/tensor_df11_aux.h"
#include "entropy/huffman_code.h"

namespace kolmo::tensor::gpu {
namespace {

std::uint64_t raw_bytes_per_element(Dtype d) { return d == Dtype::kFp32 ? 3 : 1; }

// block_start[]: starts at 0, never decreases, ends at n, at most kMaxSymbolsPerBlock apart.
// The kernel indexes its shared symbol buffer and the output with these, so they are checked here.
Status check_block_starts(const Df11Plan& plan) {
  std::uint64_t previous = 0;
  for (std::uint64_t b = 0; b <= plan.blocks; ++b) {
    const std::uint64_t start = load_le32(plan.starts.data() + 4 * b);
    if (b == 0 && start != 0) return corrupt_data("tensor df11 first block start is not 0");
    if (start < previous || start - previous > kMaxSymbolsPerBlock) {
      return corrupt_data("tensor df11 block starts are out of order or too far apart");
    }
    previous = start;
  }
  if (previous != plan.elements) {
    return corrupt_data("tensor df11 block starts do not end at the element count");
  }
  return ok_status();
}

}  // namespace

Expected<Df11Plan> plan_df11_block(ByteSpan params, ByteSpan payload, std::uint64_t out_size) {
  KOLMO_ASSIGN_OR_RETURN(const Params p, parse_params(params));
  if (p.mode != Mode::kDf11) {
    return unsupported("the GPU decoder reads tensor mode=df11 blocks only, not mode=" +
                       std::string(mode_name(p.mode)));
  }
  Df11Plan plan;
  plan.dtype = p.dtype;
  const std::uint64_t width = static_cast<std::uint64_t>(element_bytes(p.dtype));
  plan.elements = out_size / width;
  const std::uint64_t tail = out_size - plan.elements * width;
  if (payload.size() < tail) return truncated("tensor payload is shorter than its raw tail");
  plan.tail = payload.last(tail);
  const ByteSpan body = payload.first(payload.size() - tail);
  if (plan.elements == 0) {
    if (!body.empty()) return corrupt_data("tensor block without whole elements has a body");
    return plan;
  }
  if (plan.elements > std::numeric_limits<std::uint32_t>::max()) {
    return corrupt_data("tensor df11 block has more than 2^32 - 1 elements");
  }
  ByteReader reader(body);
  KOLMO_RETURN_IF_ERROR(read_code_lengths(reader, 256, plan.lengths));
  const std::uint64_t stream_bytes =
      reader.varint_at_most(body.size(), "tensor df11 exponent stream size");
  KOLMO_RETURN_IF_ERROR(reader.status());
  if (stream_bytes == 0) return corrupt_data("tensor df11 block has elements but no stream");
  plan.threads = df11_threads(stream_bytes);
  plan.blocks = df11_blocks(plan.threads);
  const std::uint64_t gap_bytes = packed_bytes(plan.threads, kDf11GapBits);
  const std::uint64_t start_bytes = 4 * (plan.blocks + 1);
  const std::uint64_t raw_size = plan.elements * raw_bytes_per_element(p.dtype);
  // Every term is at most body.size() or out_size, so the sum cannot overflow.
  if (reader.remaining() != stream_bytes + gap_bytes + start_bytes + raw_size) {
    return corrupt_data("tensor df11 payload size does not match its sections");
  }
  plan.stream = reader.bytes(stream_bytes);
  plan.gaps = reader.bytes(gap_bytes);
  plan.starts = reader.bytes(start_bytes);
  plan.raw = reader.bytes(raw_size);
  KOLMO_RETURN_IF_ERROR(reader.status());
  KOLMO_RETURN_IF_ERROR(check_code_lengths(plan.lengths, kMaxHuffmanLength));
  bool any_code = false;
  for (const std::uint8_t l : plan.lengths) any_code = any_code || l != 0;
  if (!any_code) return corrupt_data("tensor df11 block has elements but an empty code");
  KOLMO_RETURN_IF_ERROR(check_block_starts(plan));
  return plan;
}

Expected<Df11Table> build_df11_table(std::span<const std::uint8_t> lengths) {
  if (lengths.size() != 256) return invalid_argument("df11 code tables have 256 lengths");
  KOLMO_RETURN_IF_ERROR(check_code_lengths(lengths, kMaxHuffmanLength));
  Df11Table t{};
  std::uint32_t count[kMaxCodeBits + 1] = {};
  for (const std::uint8_t l : lengths) ++count[l];
  count[0] = 0;
  // Canonical order: by length, then symbol (entropy/huffman_code.h).
  std::uint64_t code = 0;
  std::uint32_t offset = 0;
  for (int l = 1; l <= kMaxCodeBits; ++l) {
    t.first_code[l] = static_cast<std::uint32_t>(code);
    t.offset[l] = static_cast<std::uint16_t>(offset);
    t.limit[l] = (code + count[l]) << (kMaxCodeBits - l);
    if (count[l] != 0) t.max_length = static_cast<std::uint32_t>(l);
    offset += count[l];
    code = (code + count[l]) << 1;
  }
  std::uint32_t next[kMaxCodeBits + 1] = {};
  for (int l = 1; l <= kMaxCodeBits; ++l) next[l] = t.offset[l];
  for (std::uint32_t s = 0; s < 256; ++s) {
    const int l = lengths[s];
    if (l == 0) continue;
    const std::uint32_t rank = next[l]++;
    t.sorted[rank] = static_cast<std::uint8_t>(s);
    if (l > kPrimaryBits) continue;
    // The code's kPrimaryBits-bit prefixes all name it.
    const std::uint32_t c = t.first_code[l] + (rank - t.offset[l]);
    const std::uint32_t span = 1u << (kPrimaryBits - l);
    for (std::uint32_t i = 0; i < span; ++i) {
      t.primary[(c << (kPrimaryBits - l)) + i] = static_cast<std::uint16_t>((l << 8) | s);
    }
  }
  return t;
}

}  // namespace kolmo::tensor::gpu
