// config.json and llama2.c header parsing: accepted shapes, and clear errors for the rest.
#include <string>

#include <gtest/gtest.h>

#include "kolmo/bytes.h"
#include "llm/model_config.h"

namespace kolmo::llm {
namespace {

const char* kConfig = R"({"model_type":"llama","hidden_act":"silu","hidden_size":512,
  "intermediate_size":1408,"num_hidden_layers":8,"num_attention_heads":8,"num_key_value_heads":4,
  "head_dim":64,"vocab_size":256,"max_position_embeddings":1024,"rms_norm_eps":1e-05,
  "rope_theta":10000.0,"tie_word_embeddings":false,"rope_scaling":null,"attention_bias":false})";

std::string replaced(const std::string& from, const std::string& to) {
  std::string s = kConfig;
  s.replace(s.find(from), from.size(), to);
  return s;
}

TEST(LlmModelConfigTest, ParsesHuggingFaceLlamaConfig) {
  Expected<ModelConfig> c = parse_hf_config(kConfig);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->dim, 512u);
  EXPECT_EQ(c->kv_heads, 4u);
  EXPECT_EQ(c->head_dim, 64u);
  EXPECT_EQ(c->kv_dim(), 256u);
  EXPECT_FLOAT_EQ(c->norm_eps, 1e-5f);
  EXPECT_EQ(c->rope, RopeStyle::kHalf);
  EXPECT_FALSE(c->tied_classifier);
  EXPECT_EQ(c->parameter_count(), 23863808u);  // the figure in the shared data's README
}

TEST(LlmModelConfigTest, RejectsBadConfigsWithClearErrors) {
  EXPECT_EQ(parse_hf_config("{").status().code(), StatusCode::kCorruptData);
  EXPECT_EQ(parse_hf_config("[]").status().code(), StatusCode::kCorruptData);
  const Status missing = parse_hf_config(replaced("\"hidden_size\":512,", "")).status();
  EXPECT_EQ(missing.code(), StatusCode::kCorruptData);
  EXPECT_NE(missing.message().find("hidden_size"), std::string::npos);
  EXPECT_EQ(parse_hf_config(replaced("\"num_key_value_heads\":4", "\"num_key_value_heads\":3")).status().code(),
            StatusCode::kCorruptData);
  EXPECT_EQ(parse_hf_config(replaced("\"hidden_size\":512", "\"hidden_size\":-1")).status().code(),
            StatusCode::kCorruptData);
  EXPECT_EQ(parse_hf_config(replaced("\"hidden_size\":512", "\"hidden_size\":\"big\"")).status().code(),
            StatusCode::kCorruptData);
  EXPECT_EQ(parse_hf_config(replaced("\"rope_scaling\":null", "\"rope_scaling\":{}")).status().code(),
            StatusCode::kUnsupported);
  EXPECT_EQ(parse_hf_config(replaced("\"silu\"", "\"gelu\"")).status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(parse_hf_config(replaced("\"attention_bias\":false", "\"attention_bias\":true")).status().code(),
            StatusCode::kUnsupported);
  EXPECT_EQ(parse_hf_config(replaced("\"head_dim\":64", "\"head_dim\":60")).status().code(),
            StatusCode::kUnsupported);
  EXPECT_EQ(parse_hf_config(replaced("\"intermediate_size\":1408,\"num_hidden_layers\":8",
                                     "\"intermediate_size\":4096,\"num_hidden_layers\":1024"))
                .status().code(),
            StatusCode::kLimitExceeded);  // 7 G parameters: over the default memory limit
}

Bytes llama2c_header(std::int32_t dim, std::int32_t hidden, std::int32_t layers, std::int32_t heads,
                     std::int32_t kv_heads, std::int32_t vocab, std::int32_t seq) {
  ByteWriter w;
  for (const std::int32_t v : {dim, hidden, layers, heads, kv_heads, vocab, seq}) {
    w.u32(static_cast<std::uint32_t>(v));
  }
  return w.take();
}

TEST(LlmModelConfigTest, ParsesLlama2cHeader) {
  Expected<ModelConfig> c = parse_llama2c_header(llama2c_header(64, 172, 5, 8, 4, 512, 512));
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->head_dim, 8u);
  EXPECT_TRUE(c->tied_classifier);
  EXPECT_EQ(c->rope, RopeStyle::kInterleaved);
  EXPECT_EQ(c->parameter_count(), 260032u);  // stories260K, as its README says
  Expected<ModelConfig> untied = parse_llama2c_header(llama2c_header(64, 172, 5, 8, 4, -512, 512));
  ASSERT_TRUE(untied.ok());
  EXPECT_FALSE(untied->tied_classifier);
  EXPECT_EQ(untied->vocab, 512u);
}

TEST(LlmModelConfigTest, RejectsBadLlama2cHeaders) {
  const Bytes good = llama2c_header(64, 172, 5, 8, 4, 512, 512);
  EXPECT_EQ(parse_llama2c_header(ByteSpan(good).first(20)).status().code(), StatusCode::kTruncated);
  EXPECT_EQ(parse_llama2c_header(llama2c_header(0, 172, 5, 8, 4, 512, 512)).status().code(),
            StatusCode::kCorruptData);
  EXPECT_EQ(parse_llama2c_header(llama2c_header(64, 172, 5, 8, 3, 512, 512)).status().code(),
            StatusCode::kCorruptData);
  EXPECT_EQ(parse_llama2c_header(llama2c_header(64, 172, 5, 7, 7, 512, 512)).status().code(),
            StatusCode::kCorruptData);
  EXPECT_EQ(parse_llama2c_header(llama2c_header(64, 172, 5, 8, 4, 0, 512)).status().code(),
            StatusCode::kCorruptData);
  EXPECT_EQ(parse_llama2c_header(llama2c_header(1 << 30, 172, 5, 8, 4, 512, 512)).status().code(),
            StatusCode::kLimitExceeded);
}

}  // namespace
}  // namespace kolmo::llm
