#include "llm/model_config.h"

#include <string>

#include <nlohmann/json.hpp>

namespace kolmo::llm {
namespace {

using Json = nlohmann::json;

Status config_error(const std::string& what) { return corrupt_data("config.json: " + what); }

// A required or optional non-negative integer field; `fallback` < 0 means required.
Expected<std::size_t> read_size(const Json& root, const char* key, std::int64_t fallback) {
  const auto it = root.find(key);
  if (it == root.end() || it->is_null()) {
    if (fallback < 0) return config_error(std::string("missing \"") + key + "\"");
    return static_cast<std::size_t>(fallback);
  }
  if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
    return config_error(std::string("\"") + key + "\" is not a positive integer");
  }
  const auto value = it->get<std::uint64_t>();
  if (value > kMaxPositions * 16) return config_error(std::string("\"") + key + "\" is too large");
  return static_cast<std::size_t>(value);
}

Expected<double> read_number(const Json& root, const char* key, double fallback) {
  const auto it = root.find(key);
  if (it == root.end() || it->is_null()) return fallback;
  if (!it->is_number()) return config_error(std::string("\"") + key + "\" is not a number");
  const double value = it->get<double>();
  if (!(value > 0.0) || !(value < 1e12)) {
    return config_error(std::string("\"") + key + "\" is out of range");
  }
  return value;
}

bool flag_is_true(const Json& root, const char* key) {
  const auto it = root.find(key);
  return it != root.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

std::uint64_t ModelConfig::parameter_count() const {
  const std::uint64_t d = dim;
  const std::uint64_t per_layer = 2 * d + d * q_dim() * 2 + 2 * d * kv_dim() +
                                  3 * d * static_cast<std::uint64_t>(hidden_dim);
  const std::uint64_t embed = static_cast<std::uint64_t>(vocab) * d;
  return embed * (tied_classifier ? 1 : 2) + per_layer * layers + d;
}

Status validate_config(const ModelConfig& c, std::uint64_t max_bytes) {
  if (c.dim == 0 || c.hidden_dim == 0 || c.layers == 0 || c.heads == 0 || c.kv_heads == 0 ||
      c.head_dim == 0 || c.vocab == 0 || c.max_positions == 0) {
    return corrupt_data("model config: a dimension is zero");
  }
  if (c.dim > kMaxDim || c.hidden_dim > 4 * kMaxDim || c.layers > kMaxLayers ||
      c.heads > kMaxDim || c.head_dim > kMaxDim || c.vocab > kMaxVocab ||
      c.max_positions > kMaxPositions) {
    return limit_exceeded("model config: a dimension exceeds the runtime's bounds");
  }
  if (c.kv_heads > c.heads || c.heads % c.kv_heads != 0) {
    return corrupt_data("model config: " + std::to_string(c.heads) +
                        " query heads are not a multiple of " + std::to_string(c.kv_heads) +
                        " key/value heads");
  }
  if (c.q_dim() > 4 * kMaxDim) return limit_exceeded("model config: heads x head_dim too large");
  if (c.head_dim % 8 != 0) {
    return unsupported("model config: head_dim " + std::to_string(c.head_dim) +
                       " is not a multiple of 8");
  }
  if (!(c.norm_eps > 0.0f) || !(c.rope_theta > 1.0)) {
    return corrupt_data("model config: bad rms_norm_eps or rope_theta");
  }
  if (c.parameter_count() > max_bytes / 4) {
    return limit_exceeded("model config: " + std::to_string(c.parameter_count()) +
                          " parameters exceed the memory limit of " + std::to_string(max_bytes) +
                          " bytes as fp32");
  }
  return ok_status();
}

Expected<ModelConfig> parse_hf_config(std::string_view json_text) {
  const Json root = Json::parse(json_text.begin(), json_text.end(), nullptr,
                                /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) return config_error("not a JSON object");
  if (const auto it = root.find("model_type"); it != root.end()) {
    if (!it->is_string() || (it->get<std::string>() != "llama" &&
                             it->get<std::string>() != "mistral")) {
      return unsupported("config.json: model_type is not llama");
    }
  }
  if (const auto it = root.find("hidden_act"); it != root.end()) {
    if (!it->is_string() || it->get<std::string>() != "silu") {
      return unsupported("config.json: hidden_act is not silu");
    }
  }
  if (flag_is_true(root, "attention_bias") || flag_is_true(root, "mlp_bias")) {
    return unsupported("config.json: biases are not supported");
  }
  if (const auto it = root.find("rope_scaling"); it != root.end() && !it->is_null()) {
    return unsupported("config.json: rope_scaling is not supported");
  }
  ModelConfig c;
  KOLMO_ASSIGN_OR_RETURN(c.dim, read_size(root, "hidden_size", -1));
  KOLMO_ASSIGN_OR_RETURN(c.hidden_dim, read_size(root, "intermediate_size", -1));
  KOLMO_ASSIGN_OR_RETURN(c.layers, read_size(root, "num_hidden_layers", -1));
  KOLMO_ASSIGN_OR_RETURN(c.heads, read_size(root, "num_attention_heads", -1));
  KOLMO_ASSIGN_OR_RETURN(c.kv_heads,
                         read_size(root, "num_key_value_heads", static_cast<std::int64_t>(c.heads)));
  KOLMO_ASSIGN_OR_RETURN(c.vocab, read_size(root, "vocab_size", -1));
  KOLMO_ASSIGN_OR_RETURN(c.head_dim,
                         read_size(root, "head_dim", static_cast<std::int64_t>(c.dim / c.heads)));
  KOLMO_ASSIGN_OR_RETURN(c.max_positions, read_size(root, "max_position_embeddings", 2048));
  KOLMO_ASSIGN_OR_RETURN(const double eps, read_number(root, "rms_norm_eps", 1e-6));
  KOLMO_ASSIGN_OR_RETURN(c.rope_theta, read_number(root, "rope_theta", 10000.0));
  c.norm_eps = static_cast<float>(eps);
  c.rope = RopeStyle::kHalf;
  c.tied_classifier = flag_is_true(root, "tie_word_embeddings");
  KOLMO_RETURN_IF_ERROR(validate_config(c));
  return c;
}

Expected<ModelConfig> parse_llama2c_header(ByteSpan first_bytes) {
  ByteReader in(first_bytes);
  std::int32_t fields[7];
  for (std::int32_t& f : fields) f = static_cast<std::int32_t>(in.u32());
  if (!in.ok()) return truncated("llama2.c checkpoint: shorter than its 28-byte header");
  for (int i = 0; i < 7; ++i) {
    if (i != 5 && fields[i] <= 0) return corrupt_data("llama2.c checkpoint: non-positive header field");
  }
  if (fields[5] == 0 || fields[5] == INT32_MIN) return corrupt_data("llama2.c checkpoint: bad vocab size");
  ModelConfig c;
  c.dim = static_cast<std::size_t>(fields[0]);
  c.hidden_dim = static_cast<std::size_t>(fields[1]);
  c.layers = static_cast<std::size_t>(fields[2]);
  c.heads = static_cast<std::size_t>(fields[3]);
  c.kv_heads = static_cast<std::size_t>(fields[4]);
  c.tied_classifier = fields[5] > 0;
  c.vocab = static_cast<std::size_t>(fields[5] > 0 ? fields[5] : -fields[5]);
  c.max_positions = static_cast<std::size_t>(fields[6]);
  if (c.dim % c.heads != 0) return corrupt_data("llama2.c checkpoint: dim not a multiple of n_heads");
  c.head_dim = c.dim / c.heads;
  c.norm_eps = 1e-5f;
  c.rope_theta = 10000.0;
  c.rope = RopeStyle::kInterleaved;
  KOLMO_RETURN_IF_ERROR(validate_config(c));
  return c;
}

std::uint64_t llama2c_file_size(const ModelConfig& c) {
  const std::uint64_t rope_tables = std::uint64_t{c.max_positions} * (c.head_dim / 2) * 2;
  return kLlama2cHeaderBytes + 4 * (c.parameter_count() + rope_tables);
}

}  // namespace kolmo::llm
