// The runtime against the shared models: golden logits of kolmo-lm-24m, decode-step == prefill,
// thread-count independence, stories260K tokenization and greedy generation.
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "llm/eval.h"
#include "llm/model.h"
#include "llm/session.h"
#include "test_data.h"

namespace kolmo::llm {
namespace {

namespace fs = std::filesystem;

// Loading kolmo-lm-24m takes about a second; share it between the tests of this file.
const Model& lm24m(const fs::path& data) {
  static Expected<Model> model = load_model(data / "models" / "kolmo-lm-24m");
  EXPECT_TRUE(model.ok()) << model.status().to_string();
  return *model;
}

std::vector<int> bytes_of(const std::string& s) { return std::vector<int>(s.begin(), s.end()); }

TEST(LlmSharedDataTest, Lm24mMatchesGoldenLogits) {
  KOLMO_REQUIRE_DATA(data);
  std::ifstream in(data / "models" / "kolmo-lm-24m" / "golden_logits.json");
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json golden = nlohmann::json::parse(text.str());
  const std::vector<int> tokens = bytes_of(golden["input_utf8"].get<std::string>());
  const Model& model = lm24m(data);
  ThreadPool pool(2);
  Session session(model, KvMethod{}, &pool);
  std::vector<float> logits;
  ASSERT_TRUE(session.forward(tokens, &logits).ok());
  const std::size_t V = model.config.vocab;
  const auto first = golden["first_position_logits"].get<std::vector<double>>();
  const auto last = golden["last_position_logits"].get<std::vector<double>>();
  ASSERT_EQ(first.size(), V);
  ASSERT_EQ(last.size(), V);
  double max_error = 0.0;
  for (std::size_t i = 0; i < V; ++i) {
    max_error = std::max(max_error, std::fabs(logits[i] - first[i]));
    max_error = std::max(max_error, std::fabs(logits[(tokens.size() - 1) * V + i] - last[i]));
  }
  EXPECT_LT(max_error, 1e-3);
  // Mean NLL of the probe, against the reference's.
  double nll = 0.0;
  for (std::size_t t = 0; t + 1 < tokens.size(); ++t) {
    const float* row = &logits[t * V];
    double sum = 0.0;
    const float mx = *std::max_element(row, row + V);
    for (std::size_t i = 0; i < V; ++i) sum += std::exp(double(row[i]) - mx);
    nll += mx + std::log(sum) - row[tokens[t + 1]];
  }
  nll /= static_cast<double>(tokens.size() - 1);
  EXPECT_NEAR(nll, golden["mean_nll_nats"].get<double>(), 1e-4);
  std::printf("golden logits max |error| %.3g, mean nll %.6f\n", max_error, nll);
}

TEST(LlmSharedDataTest, DecodeStepsReproducePrefillLogitsExactly) {
  KOLMO_REQUIRE_DATA(data);
  const Model& model = lm24m(data);
  const std::vector<int> tokens = bytes_of("It was the best of times, it was the worst of times.");
  Session prefill(model, KvMethod{}, nullptr);
  std::vector<float> all;
  ASSERT_TRUE(prefill.forward(tokens, &all).ok());
  Session steps(model, KvMethod{}, nullptr);
  std::vector<float> one;
  const std::size_t V = model.config.vocab;
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    ASSERT_TRUE(steps.forward(std::span<const int>(&tokens[t], 1), &one).ok());
    ASSERT_EQ(0, std::memcmp(one.data(), &all[t * V], V * sizeof(float))) << "position " << t;
  }
}

TEST(LlmSharedDataTest, OneAndTwoThreadsGiveIdenticalEvaluation) {
  KOLMO_REQUIRE_DATA(data);
  const Model& model = lm24m(data);
  std::vector<int> tokens;
  for (int i = 0; i < 300; ++i) tokens.push_back("the cat sat on a mat; "[i % 22]);
  EvalOptions options;
  options.ctx = 99;
  options.kv = KvMethod{};
  options.kv->name = "int4";
  options.kv->bits = 4;
  options.kv->group = 32;
  Expected<EvalResult> one = evaluate(model, tokens, options);
  ThreadPool pool(2);
  options.pool = &pool;
  Expected<EvalResult> two = evaluate(model, tokens, options);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(one->windows, 3u);
  EXPECT_EQ(one->bits_exact, two->bits_exact);
  EXPECT_EQ(one->bits_method, two->bits_method);
  EXPECT_EQ(one->kl_sum, two->kl_sum);
  EXPECT_GT(one->kl_sum, 0.0);  // int4 differs from the exact cache
}

// Several methods against one exact pass: each method's metrics (KL, stored bits, score and
// output errors measured inside attention) are identical for 1 and 2 threads, and a method listed
// alone gives what it gives in the list.
TEST(LlmSharedDataTest, KvMethodListGivesIdenticalMetricsForOneAndTwoThreads) {
  KOLMO_REQUIRE_DATA(data);
  const Model& model = lm24m(data);
  std::vector<int> tokens;
  for (int i = 0; i < 200; ++i) tokens.push_back("a stitch in time saves nine. "[i % 29]);
  const KvShape shape{model.config.kv_heads, model.config.head_dim};
  EvalOptions options;
  options.ctx = 99;
  options.kv_methods = *parse_kv_methods("exact,qjl:bits=3,million:bits=3,kolmo:bits=3,group=32,kivi", shape);
  Expected<EvalResult> one = evaluate(model, tokens, options);
  ThreadPool pool(2);
  options.pool = &pool;
  Expected<EvalResult> two = evaluate(model, tokens, options);
  options.kv_methods = *parse_kv_methods("kolmo:bits=3,group=32", shape);
  Expected<EvalResult> alone = evaluate(model, tokens, options);
  ASSERT_TRUE(one.ok() && two.ok() && alone.ok());
  ASSERT_EQ(one->methods.size(), 5u);
  for (std::size_t k = 0; k < 5; ++k) {
    const KvMethodResult &a = one->methods[k], &b = two->methods[k];
    EXPECT_EQ(a.bits, b.bits) << k;
    EXPECT_EQ(a.kl_sum, b.kl_sum) << k;
    EXPECT_EQ(a.kv_bits, b.kv_bits) << k;
    EXPECT_EQ(a.score_rel_error, b.score_rel_error) << k;
    EXPECT_EQ(a.output_rel_error, b.output_rel_error) << k;
  }
  EXPECT_EQ(one->methods[0].kl_sum, 0.0);  // exact against exact
  EXPECT_EQ(one->methods[0].score_rel_error, 0.0);
  for (std::size_t k = 1; k < 5; ++k) EXPECT_GT(one->methods[k].score_rel_error, 0.0) << k;
  EXPECT_EQ(alone->methods[0].kl_sum, one->methods[3].kl_sum);
  EXPECT_EQ(alone->methods[0].score_rel_error, one->methods[3].score_rel_error);
}

TEST(LlmSharedDataTest, Stories260kTokenizesLikeRunC) {
  KOLMO_REQUIRE_DATA(data);
  Expected<Model> model = load_model(data / "models" / "stories260K" / "stories260K.bin");
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  ASSERT_TRUE(model->tokenizer.has_value());
  const std::vector<int> tokens = model->tokenizer->encode("Once upon a time", true, false);
  // BOS, then pieces that spell " Once upon a time" exactly, merged (fewer tokens than bytes).
  ASSERT_GE(tokens.size(), 2u);
  EXPECT_EQ(tokens[0], kBosToken);
  std::string spelled;
  for (std::size_t i = 1; i < tokens.size(); ++i) spelled += model->tokenizer->piece(tokens[i]);
  EXPECT_EQ(spelled, " Once upon a time");
  EXPECT_LT(tokens.size(), 8u);
  // Unknown bytes fall back to <0xXX> byte tokens (id = byte + 3).
  const std::vector<int> fallback = model->tokenizer->encode("\x01", false, false);
  ASSERT_FALSE(fallback.empty());
  EXPECT_EQ(fallback.back(), 1 + 3);
}

TEST(LlmSharedDataTest, Stories260kGreedyGenerationStartsLikeRunC) {
  KOLMO_REQUIRE_DATA(data);
  Expected<Model> model = load_model(data / "models" / "stories260K" / "stories260K.bin");
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  Expected<std::vector<int>> out = generate_greedy(*model, {kBosToken}, 20, nullptr);
  ASSERT_TRUE(out.ok());
  std::string text;
  for (std::size_t i = 1; i < out->size(); ++i) text += model->tokenizer->decode((*out)[i - 1], (*out)[i]);
  EXPECT_EQ(text.rfind("Once upon a time, there was a little girl named Lily", 0), 0u) << text;
}

}  // namespace
}  // namespace kolmo::llm
