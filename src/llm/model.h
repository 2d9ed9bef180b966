// A Llama-family model in memory: fp32 weights repacked for the matrix kernels, plus the
// tokenizer when the checkpoint comes with one. Loaded from a Hugging Face checkpoint directory
// (config.json + safetensors shards, bf16/fp16/fp32) or a llama2.c checkpoint file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kolmo/status.h"
#include "llm/matmul.h"
#include "llm/model_config.h"
#include "llm/tokenizer.h"

namespace kolmo::llm {

struct LayerWeights {
  std::vector<float> attn_norm;  // dim
  std::vector<float> ffn_norm;   // dim
  PackedMatrix qkv;              // outputs: q (q_dim), k (kv_dim), v (kv_dim)
  PackedMatrix out;              // o_proj: q_dim -> dim
  PackedMatrix gate_up;          // outputs: gate (hidden), up (hidden)
  PackedMatrix down;             // hidden -> dim
};

struct Model {
  ModelConfig config;
  std::string format;             // "hf" or "llama2c"
  std::vector<float> embedding;   // vocab x dim
  std::vector<LayerWeights> layers;
  std::vector<float> final_norm;  // dim
  PackedMatrix classifier;        // dim -> vocab
  std::optional<Tokenizer> tokenizer;

  // Hugging Face byte-level models: token id = byte value, no tokenizer.
  bool byte_level() const { return !tokenizer && config.vocab == 256; }
};

struct LoadOptions {
  std::filesystem::path tokenizer;  // llama2.c: tokenizer file; default beside the checkpoint
  std::uint64_t max_bytes = kDefaultMaxModelBytes;  // fp32 weights held in memory
};

// A directory with config.json (Hugging Face), a .safetensors file (config.json beside it) or a
// llama2.c .bin file. Errors name the file and the problem: missing or misshapen tensors, shape
// disagreeing with config.json, truncated shards, unsupported dtypes.
Expected<Model> load_model(const std::filesystem::path& path, const LoadOptions& options = {});

}  // namespace kolmo::llm
