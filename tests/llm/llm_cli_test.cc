// `kolmo llm` as scripts use it: eval --json prints one JSON object with the documented keys;
// bad models and bad options fail with one error line.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_harness.h"
#include "test_data.h"

namespace kolmo::cli_test {
namespace {

using LlmCliTest = CliTest;
using LlmCliSharedDataTest = CliTest;

TEST_F(LlmCliTest, MissingModelFailsWithOneErrorLine) {
  write("text.txt", "hello");
  const RunResult r = kolmo({"llm", "eval", "no_such_model", "text.txt", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  ASSERT_EQ(r.err_lines().size(), 1u) << r.err;
  EXPECT_NE(r.err.find("no_such_model"), std::string::npos);
  EXPECT_TRUE(r.out.empty());
}

TEST_F(LlmCliTest, UnknownSubcommandIsRefused) {
  const RunResult r = kolmo({"llm", "frobnicate"});
  EXPECT_NE(r.exit_code, 0);
}

TEST_F(LlmCliSharedDataTest, EvalJsonHasTheDocumentedKeys) {
  KOLMO_REQUIRE_DATA(data);
  const std::string model = (data / "models" / "stories260K" / "stories260K.bin").string();
  const std::string text = (data / "text" / "tinystories-valid-sample.txt").string();
  const RunResult r = kolmo({"llm", "eval", model, text, "--ctx", "64", "--limit", "2000", "--kv",
                             "int4:group=8", "--json", "-T", "2"});
  ASSERT_TRUE(r.ok()) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  for (const char* key : {"bits_per_byte", "bits_per_token", "tokens", "kl_mean", "top1_agree",
                          "kv_bits_per_element", "bits_per_byte_exact"}) {
    EXPECT_TRUE(j.contains(key)) << key << " missing in " << r.out;
  }
  EXPECT_DOUBLE_EQ(j["kv_bits_per_element"].get<double>(), 4.0 + 16.0 / 8);
  EXPECT_GT(j["kl_mean"].get<double>(), 0.0);
  EXPECT_GT(j["tokens"].get<int>(), 64);
  const RunResult bad = kolmo({"llm", "eval", model, text, "--kv", "zip"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("unknown method"), std::string::npos);
}

}  // namespace
}  // namespace kolmo::cli_test
