// The shape of a Llama-family model, from a Hugging Face config.json or a llama2.c header, with
// the limits a config must respect before anything is allocated for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kolmo/bytes.h"
#include "kolmo/status.h"

namespace kolmo::llm {

// Where the two halves of a rotated pair sit: Hugging Face's rotate_half pairs (i, i + d/2),
// llama2.c's run.c pairs (2i, 2i + 1).
enum class RopeStyle : std::uint8_t { kHalf, kInterleaved };

struct ModelConfig {
  std::size_t dim = 0;          // hidden size
  std::size_t hidden_dim = 0;   // feed-forward (SwiGLU) size
  std::size_t layers = 0;
  std::size_t heads = 0;        // query heads
  std::size_t kv_heads = 0;     // key/value heads (grouped-query attention when < heads)
  std::size_t head_dim = 0;
  std::size_t vocab = 0;
  std::size_t max_positions = 0;
  float norm_eps = 1e-5f;
  double rope_theta = 10000.0;
  RopeStyle rope = RopeStyle::kHalf;
  bool tied_classifier = false;

  std::size_t q_dim() const { return heads * head_dim; }
  std::size_t kv_dim() const { return kv_heads * head_dim; }
  // Number of weights, classifier included once.
  std::uint64_t parameter_count() const;
};

// Sanity bounds: far above any model this runtime is meant for, low enough that products of
// them cannot overflow 64 bits.
inline constexpr std::size_t kMaxDim = 1 << 16;
inline constexpr std::size_t kMaxLayers = 1 << 10;
inline constexpr std::size_t kMaxVocab = 1 << 20;
inline constexpr std::size_t kMaxPositions = 1 << 20;
// Default limit on fp32 weights held in memory.
inline constexpr std::uint64_t kDefaultMaxModelBytes = std::uint64_t{16} << 30;

// Checks internal consistency (heads divide evenly, head_dim a multiple of 8 as the kernels
// need, sizes within bounds, weights within max_bytes as fp32).
Status validate_config(const ModelConfig& config, std::uint64_t max_bytes = kDefaultMaxModelBytes);

// Parses a Hugging Face LlamaForCausalLM config.json. Unsupported features (biases, rope
// scaling, activations other than silu) are reported as kUnsupported.
Expected<ModelConfig> parse_hf_config(std::string_view json_text);

// llama2.c legacy checkpoint header: 7 little-endian int32 (dim, hidden_dim, n_layers, n_heads,
// n_kv_heads, vocab_size (negative = separate classifier), seq_len).
inline constexpr std::size_t kLlama2cHeaderBytes = 28;
Expected<ModelConfig> parse_llama2c_header(ByteSpan first_bytes);

// Bytes of a llama2.c checkpoint with this config (header, weights, the legacy RoPE tables,
// classifier when not shared).
std::uint64_t llama2c_file_size(const ModelConfig& config);

}  // namespace kolmo::llm
