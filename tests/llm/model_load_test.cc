// Loading small generated checkpoints: a Hugging Face directory and a llama2.c file load and run;
// missing tensors, shapes that disagree with config.json and truncated files give clear errors.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "llm/eval.h"
#include "llm/model.h"
#include "llm/session.h"

namespace kolmo::llm {
namespace {

namespace fs = std::filesystem;

const char* kTinyConfig = R"({"model_type":"llama","hidden_act":"silu","hidden_size":16,
  "intermediate_size":24,"num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":1,
  "head_dim":8,"vocab_size":256,"max_position_embeddings":64,"rms_norm_eps":1e-05,
  "rope_theta":10000.0,"tie_word_embeddings":false})";

struct TensorSpec {
  std::string name;
  std::vector<std::uint64_t> shape;
};

std::vector<TensorSpec> tiny_tensors() {
  std::vector<TensorSpec> t = {{"model.embed_tokens.weight", {256, 16}}};
  for (int l = 0; l < 2; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    t.push_back({p + "input_layernorm.weight", {16}});
    t.push_back({p + "self_attn.q_proj.weight", {16, 16}});
    t.push_back({p + "self_attn.k_proj.weight", {8, 16}});
    t.push_back({p + "self_attn.v_proj.weight", {8, 16}});
    t.push_back({p + "self_attn.o_proj.weight", {16, 16}});
    t.push_back({p + "post_attention_layernorm.weight", {16}});
    t.push_back({p + "mlp.gate_proj.weight", {24, 16}});
    t.push_back({p + "mlp.up_proj.weight", {24, 16}});
    t.push_back({p + "mlp.down_proj.weight", {16, 24}});
  }
  t.push_back({"model.norm.weight", {16}});
  t.push_back({"lm_head.weight", {256, 16}});
  return t;
}

// Writes one bf16 safetensors file holding `tensors` with random values.
void write_safetensors(const fs::path& path, const std::vector<TensorSpec>& tensors) {
  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0.0f, 0.3f);
  std::string header = "{";
  Bytes data;
  for (const TensorSpec& t : tensors) {
    std::uint64_t n = 1;
    std::string shape;
    for (const std::uint64_t d : t.shape) {
      n *= d;
      if (!shape.empty()) shape += ',';
      shape += std::to_string(d);
    }
    // Appended piece by piece: gcc 12 warns falsely (-Wrestrict) on "literal" + std::string.
    if (header.size() > 1) header += ',';
    header += '"';
    header += t.name;
    header += "\":{\"dtype\":\"BF16\",\"shape\":[";
    header += shape;
    header += "],\"data_offsets\":[";
    header += std::to_string(data.size());
    header += ',';
    header += std::to_string(data.size() + 2 * n);
    header += "]}";
    for (std::uint64_t i = 0; i < n; ++i) {
      float f = dist(rng);
      std::uint32_t bits;
      std::memcpy(&bits, &f, 4);
      data.push_back(static_cast<std::uint8_t>(bits >> 16));
      data.push_back(static_cast<std::uint8_t>(bits >> 24));
    }
  }
  header += "}";
  while (header.size() % 8 != 0) header += ' ';
  std::ofstream out(path, std::ios::binary);
  const std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>(n >> (8 * i)));
  out << header;
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

class LlmModelLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kolmo_llm_load_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_config(const std::string& text) { std::ofstream(dir_ / "config.json") << text; }
  void write_model(const std::vector<TensorSpec>& tensors) {
    write_config(kTinyConfig);
    write_safetensors(dir_ / "model.safetensors", tensors);
  }

  fs::path dir_;
};

TEST_F(LlmModelLoadTest, TinyHuggingFaceModelLoadsAndDecodeMatchesPrefill) {
  write_model(tiny_tensors());
  Expected<Model> model = load_model(dir_);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_TRUE(model->byte_level());
  const std::vector<int> tokens = {72, 101, 108, 108, 111, 33, 10, 0, 255};
  Session prefill(*model, KvMethod{}, nullptr);
  std::vector<float> all, one;
  ASSERT_TRUE(prefill.forward(tokens, &all).ok());
  for (const float x : all) ASSERT_TRUE(std::isfinite(x));
  ThreadPool pool(2);
  Session steps(*model, KvMethod{}, &pool);
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    ASSERT_TRUE(steps.forward(std::span<const int>(&tokens[t], 1), &one).ok());
    ASSERT_EQ(0, std::memcmp(one.data(), &all[t * 256], 256 * sizeof(float))) << t;
  }
  // Positions past max_position_embeddings and token ids past the vocabulary are refused.
  std::vector<int> long_input(65, 1);
  Session s(*model, KvMethod{}, nullptr);
  EXPECT_EQ(s.forward(long_input, &all).code(), StatusCode::kInvalidArgument);
  const int bad[1] = {256};
  EXPECT_EQ(s.forward(bad, &all).code(), StatusCode::kInvalidArgument);
}

TEST_F(LlmModelLoadTest, EvaluateScoresWindowsAndAccountsKvBits) {
  write_model(tiny_tensors());
  Expected<Model> model = load_model(dir_);
  ASSERT_TRUE(model.ok());
  std::vector<int> tokens(100);
  for (std::size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<int>((i * 37) % 256);
  EvalOptions options;
  options.ctx = 32;
  options.kv = KvMethod{};
  options.kv->name = "int8";
  options.kv->bits = 8;
  options.kv->group = 8;
  Expected<EvalResult> r = evaluate(*model, tokens, options);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->windows, 3u);  // starts 0, 32, 64: (100 - 33) / 32 + 1
  EXPECT_EQ(r->predicted, 96u);
  EXPECT_EQ(r->predicted_bytes, 96u);
  // One fp16 scale per 8 int8 codes: 8 + 16/8 = 10 bits per element.
  EXPECT_DOUBLE_EQ(static_cast<double>(r->kv_bits) / static_cast<double>(r->kv_elements), 10.0);
  EXPECT_GE(r->kl_sum, 0.0);
  EXPECT_GT(r->bits_exact, 0.0);
  EXPECT_LE(r->top1_agree, r->predicted);
  // Disjoint windows (stride ctx + 1) predict other tokens: 3 windows still fit, scores differ.
  options.kv.reset();
  options.stride = 33;
  Expected<EvalResult> disjoint = evaluate(*model, tokens, options);
  ASSERT_TRUE(disjoint.ok());
  EXPECT_EQ(disjoint->windows, 3u);
  EXPECT_EQ(disjoint->bits_method, disjoint->bits_exact);
  EXPECT_NE(disjoint->bits_exact, r->bits_exact);
  options.stride = 40;
  EXPECT_EQ(evaluate(*model, tokens, options)->windows, 2u);  // (100 - 33) / 40 + 1
}

TEST_F(LlmModelLoadTest, CaptureWritesHeaderAndPostRopeKeysOfEveryLayer) {
  write_model(tiny_tensors());
  Expected<Model> model = load_model(dir_);
  ASSERT_TRUE(model.ok());
  const std::vector<int> tokens = {10, 20, 30, 40, 50, 60};
  const fs::path out = dir_ / "capture.bin";
  ASSERT_TRUE(capture_kv(*model, tokens, 5, nullptr, out).ok());
  std::ifstream in(out, std::ios::binary);
  const Bytes bytes((std::istreambuf_iterator<char>(in)), {});
  // Header, then per layer Q (5 x 16), K (5 x 8), V (5 x 8) floats.
  ASSERT_EQ(bytes.size(), 8u + 6 * 4 + 2 * 5 * (16 + 8 + 8) * 4);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "KOLMOQKV");
  EXPECT_EQ(load_le32(&bytes[8]), 1u);   // version
  EXPECT_EQ(load_le32(&bytes[12]), 2u);  // layers
  EXPECT_EQ(load_le32(&bytes[28]), 5u);  // tokens
  // Layer 1's keys are what the exact cache of layer 1 holds after the same 5 tokens.
  Session s(*model, KvMethod{}, nullptr);
  ASSERT_TRUE(s.forward(std::span<const int>(tokens.data(), 5), nullptr).ok());
  std::vector<float> ks, vs;
  const KvView view = s.stores()[1]->view(0, ks, vs);
  const std::size_t layer1_k = 32 + 5 * 32 * 4 + 5 * 16 * 4;
  for (std::size_t i = 0; i < 5 * 8; ++i) {
    float f;
    std::memcpy(&f, &bytes[layer1_k + 4 * i], 4);
    EXPECT_EQ(f, view.keys[i]);
  }
}

TEST_F(LlmModelLoadTest, MissingTensorIsNamed) {
  auto tensors = tiny_tensors();
  tensors.erase(tensors.begin() + 3);  // layer 0 k_proj
  write_model(tensors);
  const Status s = load_model(dir_).status();
  EXPECT_EQ(s.code(), StatusCode::kCorruptData);
  EXPECT_NE(s.message().find("model.layers.0.self_attn.k_proj.weight"), std::string::npos) << s.message();
}

TEST_F(LlmModelLoadTest, ShapeDisagreeingWithConfigIsReported) {
  auto tensors = tiny_tensors();
  tensors[2].shape = {16, 8};  // q_proj transposed-looking
  write_model(tensors);
  const Status s = load_model(dir_).status();
  EXPECT_EQ(s.code(), StatusCode::kCorruptData);
  EXPECT_NE(s.message().find("shape"), std::string::npos) << s.message();
}

TEST_F(LlmModelLoadTest, TruncatedShardIsReported) {
  write_model(tiny_tensors());
  fs::resize_file(dir_ / "model.safetensors", fs::file_size(dir_ / "model.safetensors") - 100);
  EXPECT_EQ(load_model(dir_).status().code(), StatusCode::kTruncated);
}

TEST_F(LlmModelLoadTest, MissingOrBadConfigIsReported) {
  write_safetensors(dir_ / "model.safetensors", tiny_tensors());
  EXPECT_EQ(load_model(dir_).status().code(), StatusCode::kIoError);
  write_config("{\"hidden_size\": 16");
  EXPECT_EQ(load_model(dir_).status().code(), StatusCode::kCorruptData);
  EXPECT_EQ(load_model(dir_ / "nothing_here").status().code(), StatusCode::kIoError);
}

// A llama2.c checkpoint: header, then the weights, RoPE tables, no classifier (shared).
Bytes llama2c_file(std::size_t extra_floats) {
  ByteWriter w;
  for (const std::int32_t v : {16, 24, 2, 2, 1, 300, 32}) w.u32(static_cast<std::uint32_t>(v));
  const std::size_t floats = 300 * 16 + 2 * (16 + 16 * 16 + 2 * 8 * 16 + 16 * 16 + 16 + 3 * 24 * 16) +
                             16 + 32 * 4 * 2 + extra_floats;
  for (std::size_t i = 0; i < floats; ++i) {
    const float f = static_cast<float>((i * 7919) % 1000) / 1000.0f - 0.5f;
    std::uint32_t bits;
    std::memcpy(&bits, &f, 4);
    w.u32(bits);
  }
  return w.take();
}

TEST_F(LlmModelLoadTest, Llama2cCheckpointLoadsAndChecksItsSize) {
  const fs::path path = dir_ / "model.bin";
  const auto write = [&](const Bytes& b) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()),
                                                static_cast<std::streamsize>(b.size()));
  };
  write(llama2c_file(0));
  Expected<Model> model = load_model(path);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_EQ(model->config.vocab, 300u);
  EXPECT_FALSE(model->tokenizer.has_value());
  Session s(*model, KvMethod{}, nullptr);
  std::vector<float> logits;
  const int tokens[3] = {1, 17, 299};
  ASSERT_TRUE(s.forward(tokens, &logits).ok());
  EXPECT_EQ(logits.size(), 3u * 300);

  Bytes cut = llama2c_file(0);
  cut.resize(cut.size() - 4);
  write(cut);
  EXPECT_EQ(load_model(path).status().code(), StatusCode::kTruncated);
  write(llama2c_file(1));
  EXPECT_EQ(load_model(path).status().code(), StatusCode::kCorruptData);
  write(Bytes(10, 1));
  EXPECT_EQ(load_model(path).status().code(), StatusCode::kTruncated);
}

}  // namespace
}  // namespace kolmo::llm
