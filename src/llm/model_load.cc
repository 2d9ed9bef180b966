// Loading checkpoints into Model. Weights are converted to fp32 once; nothing here is on the
// per-token path.
#include <unistd.h>

#include <fstream>
#include <string_view>

#include "llm/float_convert.h"
#include "llm/model.h"
#include "tensor/checkpoint.h"
#include "tensor/open_file.h"

namespace kolmo::llm {
namespace {

namespace fs = std::filesystem;
using tensor::DType;

constexpr std::uint64_t kMaxConfigBytes = 1 << 20;

Expected<Bytes> read_small_file(const fs::path& path, std::uint64_t max_bytes) {
  std::error_code ec;
  const std::uint64_t size = fs::file_size(path, ec);
  if (ec) return io_error(path.string() + ": " + ec.message());
  if (size > max_bytes) return limit_exceeded(path.string() + ": larger than " + std::to_string(max_bytes) + " bytes");
  Bytes data(size);
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(size))) {
    return io_error(path.string() + ": read failed");
  }
  return data;
}

Status pread_exact(int fd, std::uint64_t offset, std::uint8_t* out, std::uint64_t size,
                   const std::string& name) {
  while (size > 0) {
    const ssize_t got = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (got < 0) return io_error(name + ": read failed");
    if (got == 0) return truncated(name + ": file ends inside tensor data");
    out += got;
    offset += static_cast<std::uint64_t>(got);
    size -= static_cast<std::uint64_t>(got);
  }
  return ok_status();
}

void convert_to_f32(DType dtype, const std::uint8_t* in, std::size_t count, float* out) {
  for (std::size_t i = 0; i < count; ++i) {
    switch (dtype) {
      case DType::kBF16: out[i] = bf16_to_float(load_le16(in + 2 * i)); break;
      case DType::kF16: out[i] = fp16_to_float(load_le16(in + 2 * i)); break;
      default: out[i] = bits_to_float(load_le32(in + 4 * i)); break;
    }
  }
}

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Reads named tensors of a Hugging Face checkpoint, checking dtype and shape.
class HfTensorSource {
 public:
  explicit HfTensorSource(const tensor::Checkpoint& checkpoint) : checkpoint_(checkpoint) {}

  // Appends the tensor (expected shape) to `out` as fp32.
  Status read(const std::string& name, const std::vector<std::uint64_t>& shape,
              std::vector<float>& out) {
    for (const tensor::CheckpointShard& shard : checkpoint_.shards) {
      const std::ptrdiff_t index = shard.header.find(name);
      if (index < 0) continue;
      const tensor::TensorInfo& info = shard.header.tensors[static_cast<std::size_t>(index)];
      if (info.dtype != DType::kBF16 && info.dtype != DType::kF16 && info.dtype != DType::kF32) {
        return unsupported(shard.file + ": tensor " + name + " has dtype " +
                           std::string(tensor::dtype_name(info.dtype)) + " (need BF16, F16 or F32)");
      }
      if (info.shape != shape) {
        return corrupt_data(shard.file + ": tensor " + name + " has shape " + shape_text(info.shape) +
                            ", config.json implies " + shape_text(shape));
      }
      Bytes raw(info.size);
      const fs::path path = checkpoint_.root / shard.file;
      tensor::OpenFile file(path);
      if (file.fd() < 0) return io_error(path.string() + ": cannot open");
      KOLMO_RETURN_IF_ERROR(pread_exact(file.fd(), shard.header.data_offset() + info.offset,
                                        raw.data(), raw.size(), path.string()));
      const std::size_t old = out.size();
      out.resize(old + info.element_count());
      convert_to_f32(info.dtype, raw.data(), info.element_count(), out.data() + old);
      return ok_status();
    }
    return corrupt_data("checkpoint " + checkpoint_.root.string() + ": missing tensor " + name);
  }

 private:
  const tensor::Checkpoint& checkpoint_;
};

Status load_hf_weights(const tensor::Checkpoint& checkpoint, Model& m) {
  const ModelConfig& c = m.config;
  HfTensorSource src(checkpoint);
  const std::uint64_t d = c.dim;
  KOLMO_RETURN_IF_ERROR(src.read("model.embed_tokens.weight", {c.vocab, d}, m.embedding));
  for (std::size_t l = 0; l < c.layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    LayerWeights w;
    KOLMO_RETURN_IF_ERROR(src.read(p + "input_layernorm.weight", {d}, w.attn_norm));
    KOLMO_RETURN_IF_ERROR(src.read(p + "post_attention_layernorm.weight", {d}, w.ffn_norm));
    std::vector<float> buf;
    KOLMO_RETURN_IF_ERROR(src.read(p + "self_attn.q_proj.weight", {c.q_dim(), d}, buf));
    KOLMO_RETURN_IF_ERROR(src.read(p + "self_attn.k_proj.weight", {c.kv_dim(), d}, buf));
    KOLMO_RETURN_IF_ERROR(src.read(p + "self_attn.v_proj.weight", {c.kv_dim(), d}, buf));
    w.qkv = PackedMatrix(buf.data(), c.q_dim() + 2 * c.kv_dim(), d);
    buf.clear();
    KOLMO_RETURN_IF_ERROR(src.read(p + "self_attn.o_proj.weight", {d, c.q_dim()}, buf));
    w.out = PackedMatrix(buf.data(), d, c.q_dim());
    buf.clear();
    KOLMO_RETURN_IF_ERROR(src.read(p + "mlp.gate_proj.weight", {c.hidden_dim, d}, buf));
    KOLMO_RETURN_IF_ERROR(src.read(p + "mlp.up_proj.weight", {c.hidden_dim, d}, buf));
    w.gate_up = PackedMatrix(buf.data(), 2 * c.hidden_dim, d);
    buf.clear();
    KOLMO_RETURN_IF_ERROR(src.read(p + "mlp.down_proj.weight", {d, c.hidden_dim}, buf));
    w.down = PackedMatrix(buf.data(), d, c.hidden_dim);
    m.layers.push_back(std::move(w));
  }
  KOLMO_RETURN_IF_ERROR(src.read("model.norm.weight", {d}, m.final_norm));
  std::vector<float> head;
  if (c.tied_classifier) {
    m.classifier = PackedMatrix(m.embedding.data(), c.vocab, d);
  } else {
    KOLMO_RETURN_IF_ERROR(src.read("lm_head.weight", {c.vocab, d}, head));
    m.classifier = PackedMatrix(head.data(), c.vocab, d);
  }
  return ok_status();
}

Expected<Model> load_hf(const fs::path& path, const LoadOptions& options) {
  const fs::path dir = fs::is_directory(path) ? path : path.parent_path();
  KOLMO_ASSIGN_OR_RETURN(const Bytes config_text, read_small_file(dir / "config.json", kMaxConfigBytes));
  Expected<ModelConfig> config = parse_hf_config(
      std::string_view(reinterpret_cast<const char*>(config_text.data()), config_text.size()));
  if (!config.ok()) return config.status().with_context((dir / "config.json").string());
  KOLMO_RETURN_IF_ERROR(validate_config(*config, options.max_bytes));
  Expected<tensor::Checkpoint> checkpoint = tensor::open_checkpoint(path);
  if (!checkpoint.ok()) return checkpoint.status().with_context(path.string());
  Model m;
  m.config = *config;
  m.format = "hf";
  KOLMO_RETURN_IF_ERROR(load_hf_weights(*checkpoint, m));
  return m;
}

fs::path default_tokenizer(const fs::path& checkpoint, std::size_t vocab) {
  const fs::path dir = checkpoint.parent_path();
  if (fs::exists(dir / "tokenizer.bin")) return dir / "tokenizer.bin";
  return dir / ("tok" + std::to_string(vocab) + ".bin");
}

// llama2.c layout after the header: embedding, rms_att[L], wq[L], wk[L], wv[L], wo[L],
// rms_ffn[L], w1[L], w2[L], w3[L], rms_final, the legacy RoPE tables (skipped), and the
// classifier when not shared. Matrices are out x in.
Expected<Model> load_llama2c(const fs::path& path, const LoadOptions& options) {
  std::error_code ec;
  const std::uint64_t file_size = fs::file_size(path, ec);
  if (ec) return io_error(path.string() + ": " + ec.message());
  tensor::OpenFile file(path);
  if (file.fd() < 0) return io_error(path.string() + ": cannot open");
  std::uint8_t head[kLlama2cHeaderBytes] = {};
  if (file_size < kLlama2cHeaderBytes) return truncated(path.string() + ": shorter than a llama2.c header");
  KOLMO_RETURN_IF_ERROR(pread_exact(file.fd(), 0, head, sizeof head, path.string()));
  Expected<ModelConfig> config = parse_llama2c_header(ByteSpan(head, sizeof head));
  if (!config.ok()) return config.status().with_context(path.string());
  KOLMO_RETURN_IF_ERROR(validate_config(*config, options.max_bytes));
  const ModelConfig& c = *config;
  const std::uint64_t expected = llama2c_file_size(c);
  if (file_size < expected) {
    return truncated(path.string() + ": " + std::to_string(file_size) + " bytes, the header implies " +
                     std::to_string(expected));
  }
  if (expected - kLlama2cHeaderBytes > options.max_bytes) {
    return limit_exceeded(path.string() + ": " + std::to_string(expected) +
                          " bytes exceed the memory limit");
  }
  if (file_size > expected) {
    return corrupt_data(path.string() + ": " + std::to_string(file_size) +
                        " bytes, more than the " + std::to_string(expected) + " the header implies");
  }
  std::vector<float> all((file_size - kLlama2cHeaderBytes) / 4);
  Bytes raw(file_size - kLlama2cHeaderBytes);
  KOLMO_RETURN_IF_ERROR(pread_exact(file.fd(), kLlama2cHeaderBytes, raw.data(), raw.size(), path.string()));
  convert_to_f32(DType::kF32, raw.data(), all.size(), all.data());
  raw = Bytes();

  Model m;
  m.config = c;
  m.format = "llama2c";
  const std::size_t d = c.dim, L = c.layers, h = c.hidden_dim, kv = c.kv_dim(), q = c.q_dim();
  const float* p = all.data();
  const auto take = [&p](std::size_t n) {
    const float* start = p;
    p += n;
    return start;
  };
  m.embedding.assign(p, p + c.vocab * d);
  take(c.vocab * d);
  const float* rms_att = take(L * d);
  const float* wq = take(L * q * d);
  const float* wk = take(L * kv * d);
  const float* wv = take(L * kv * d);
  const float* wo = take(L * d * q);
  const float* rms_ffn = take(L * d);
  const float* w1 = take(L * h * d);
  const float* w2 = take(L * d * h);
  const float* w3 = take(L * h * d);
  m.final_norm.assign(p, p + d);
  take(d);
  take(c.max_positions * (c.head_dim / 2) * 2);  // freq_cis_real, freq_cis_imag
  for (std::size_t l = 0; l < L; ++l) {
    LayerWeights w;
    w.attn_norm.assign(rms_att + l * d, rms_att + (l + 1) * d);
    w.ffn_norm.assign(rms_ffn + l * d, rms_ffn + (l + 1) * d);
    std::vector<float> buf(wq + l * q * d, wq + (l + 1) * q * d);
    buf.insert(buf.end(), wk + l * kv * d, wk + (l + 1) * kv * d);
    buf.insert(buf.end(), wv + l * kv * d, wv + (l + 1) * kv * d);
    w.qkv = PackedMatrix(buf.data(), q + 2 * kv, d);
    w.out = PackedMatrix(wo + l * d * q, d, q);
    buf.assign(w1 + l * h * d, w1 + (l + 1) * h * d);
    buf.insert(buf.end(), w3 + l * h * d, w3 + (l + 1) * h * d);
    w.gate_up = PackedMatrix(buf.data(), 2 * h, d);
    w.down = PackedMatrix(w2 + l * d * h, d, h);
    m.layers.push_back(std::move(w));
  }
  m.classifier = PackedMatrix(c.tied_classifier ? m.embedding.data() : p, c.vocab, d);

  const fs::path tok_path = options.tokenizer.empty() ? default_tokenizer(path, c.vocab) : options.tokenizer;
  if (fs::exists(tok_path)) {
    KOLMO_ASSIGN_OR_RETURN(const Bytes tok_bytes, read_small_file(tok_path, std::uint64_t{1} << 30));
    Expected<Tokenizer> tok = Tokenizer::parse(tok_bytes, c.vocab);
    if (!tok.ok()) return tok.status().with_context(tok_path.string());
    m.tokenizer = std::move(*tok);
  } else if (!options.tokenizer.empty()) {
    return io_error(tok_path.string() + ": tokenizer not found");
  }
  return m;
}

}  // namespace

Expected<Model> load_model(const fs::path& path, const LoadOptions& options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return io_error(path.string() + ": not found");
  if (fs::is_directory(path) || path.extension() == ".safetensors") return load_hf(path, options);
  return load_llama2c(path, options);
}

}  // namespace kolmo::llm
