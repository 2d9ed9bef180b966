// statesmix block layout (docs/format.md, "statesmix").
//
// Params (10 bytes): version (1), XXH64 of the tokenizer.bin the block needs (u64 LE), n-gram
// table size as log2 slots (kMinTableBits..kMaxTableBits).
// Payload (empty for an empty block): varint token count N (1..output size), varint compact
// vocabulary size ve (1..min(N, vocab)), u8 Rice parameter k (0..20), varint length of the
// Rice-coded vocabulary, the Rice codes of the gaps between the ve sorted tokenizer ids present
// (gap = id - previous id - 1, the first relative to -1), then the rANS stream of the N compact ids.
#pragma once

#include <cstdint>
#include <vector>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::statesmix {

constexpr std::uint8_t kParamsVersion = 1;
constexpr std::size_t kParamsSize = 10;
constexpr std::uint32_t kMaxRiceK = 20;

struct Params {
  std::uint64_t tokenizer_hash = 0;
  std::uint32_t table_bits = 20;
};

Bytes serialize_params(const Params& p);
Expected<Params> parse_params(ByteSpan bytes);

// n-gram table size for a block of n_tokens: about two slots per token (load <= 0.5), within
// kMinTableBits..22 (the paper's 2^24 costs 4x the memory for blocks that cannot fill it).
std::uint32_t table_bits_for(std::uint64_t n_tokens);

// Rice-coded sorted id list.
void write_vocabulary(const std::vector<std::uint32_t>& sorted_ids, ByteWriter& out);
// Reads ve ids, each < vocab_size, strictly increasing.
Expected<std::vector<std::uint32_t>> read_vocabulary(ByteReader& in, std::uint32_t ve,
                                                     std::uint32_t vocab_size);

}  // namespace kolmo::statesmix
