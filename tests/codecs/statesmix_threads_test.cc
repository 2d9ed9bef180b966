// Statesmix splits one block's vocabulary-sized loops over threads; none of it may change a bit.
// The tiled kernels are compared with the straightforward scalar loops they replace, a model run
// with several team sizes with itself, and the container's -T 1 and -T 2 files with each other.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "codecs/statesmix/head_kernels.h"
#include "codecs/statesmix/mamba.h"
#include "codecs/statesmix/ssm_math.h"
#include "codecs/statesmix/tokenizer.h"
#include "kolmo/container.h"

namespace kolmo {
namespace {

using namespace statesmix;

std::vector<float> random_floats(std::size_t n, std::uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> v(n);
  for (float& f : v) f = normal(rng);
  return v;
}

// A head of DM rows x ld columns whose columns ve..ld-1 are zero, as in the model.
std::vector<float> random_head(std::uint32_t ve, std::size_t ld, std::uint32_t seed) {
  std::vector<float> w = random_floats(kDM * ld, seed, 0.3f);
  for (int d = 0; d < kDM; ++d) {
    for (std::size_t j = ve; j < ld; ++j) w[d * ld + j] = 0.0f;
  }
  return w;
}

::testing::AssertionResult same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << "sizes differ";
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) {
      return ::testing::AssertionFailure() << "element " << i << ": " << a[i] << " vs " << b[i];
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(StateSMixHeadKernels, ForwardMatchesTheScalarLoopForAnyColumnSplit) {
  const std::uint32_t ve = 203;
  const std::size_t ld = 208;
  const std::vector<float> W = random_head(ve, ld, 1);
  for (int rows : {1, 5, 31}) {
    const std::vector<float> x = random_floats(rows * kDM, 2, 1.0f);
    std::vector<float> expected(rows * ld);
    for (int t = 0; t < rows; ++t) {
      for (std::size_t j = 0; j < ld; ++j) {
        float acc = x[t * kDM] * W[j];
        for (int d = 1; d < kDM; ++d) acc += x[t * kDM + d] * W[d * ld + j];
        expected[t * ld + j] = acc;
      }
    }
    std::vector<float> whole(rows * ld), split(rows * ld);
    head_forward_cols(W.data(), ld, x.data(), rows, whole.data(), 0, ld);
    head_forward_cols(W.data(), ld, x.data(), rows, split.data(), 0, 64);
    head_forward_cols(W.data(), ld, x.data(), rows, split.data(), 64, 200);
    head_forward_cols(W.data(), ld, x.data(), rows, split.data(), 200, ld);
    EXPECT_TRUE(same_bits(whole, expected)) << rows << " rows";
    EXPECT_TRUE(same_bits(split, expected)) << rows << " rows, split";
  }
}

TEST(StateSMixHeadKernels, BackwardProductsMatchTheScalarLoopsForAnySplit) {
  const std::uint32_t ve = 2501;  // more columns than one cache block of the input gradient
  const std::size_t ld = 2504;
  const std::vector<float> W = random_head(ve, ld, 3);
  for (int rows : {1, 4, 31}) {
    std::vector<float> G = random_floats(rows * ld, 4, 0.01f);
    for (int t = 0; t < rows; ++t) {
      for (std::size_t j = ve; j < ld; ++j) G[t * ld + j] = 0.0f;
    }
    const std::vector<float> x = random_floats(rows * kDM, 5, 1.0f);
    std::vector<float> dw_expected(kDM * ld, 0.0f), lanes_expected(rows * kDM * 8, 0.0f);
    for (int d = 0; d < kDM; ++d) {
      for (int t = 0; t < rows; ++t) {
        for (std::size_t j = 0; j < ld; ++j) {
          dw_expected[d * ld + j] += x[t * kDM + d] * G[t * ld + j];
          lanes_expected[(t * kDM + d) * 8 + j % 8] += W[d * ld + j] * G[t * ld + j];
        }
      }
    }
    std::vector<float> dw(kDM * ld, 1.0f), lanes(rows * kDM * 8, 1.0f);
    head_weight_grad_cols(x.data(), G.data(), ld, rows, dw.data(), 0, 16);
    head_weight_grad_cols(x.data(), G.data(), ld, rows, dw.data(), 16, 1208);
    head_weight_grad_cols(x.data(), G.data(), ld, rows, dw.data(), 1208, ld);
    const std::size_t tiles = head_input_grad_tiles(rows);
    head_input_grad_lanes(W.data(), G.data(), ld, rows, lanes.data(), 0, tiles / 3);
    head_input_grad_lanes(W.data(), G.data(), ld, rows, lanes.data(), tiles / 3, tiles);
    EXPECT_TRUE(same_bits(dw, dw_expected)) << rows << " rows";
    EXPECT_TRUE(same_bits(lanes, lanes_expected)) << rows << " rows";
  }
}

TEST(StateSMixHeadKernels, SoftmaxGradientMatchesTheScalarLoop) {
  const std::uint32_t ve = 203;
  const std::size_t ld = 208;
  const int T = 7;  // one group of four rows and one of three
  const float smoothing = 0.12f;
  std::vector<float> logits = random_floats(T * ld, 6, 3.0f);
  std::vector<std::uint32_t> targets;
  for (int t = 0; t < T; ++t) targets.push_back(static_cast<std::uint32_t>(t * 29 % ve));
  std::vector<float> expected = logits;
  double loss_expected = 0.0;
  for (int t = 0; t < T; ++t) {
    float* lg = expected.data() + t * ld;
    float mx = lg[0];
    for (std::uint32_t j = 1; j < ve; ++j) mx = lg[j] > mx ? lg[j] : mx;
    for (std::uint32_t j = 0; j < ve; ++j) lg[j] = det_exp(lg[j] - mx);
    double sum = 0.0;
    for (std::uint32_t j = 0; j < ve; ++j) sum += lg[j];
    double sum_logits = 0.0;
    for (std::uint32_t j = 0; j < ve; ++j) sum_logits += det_log(lg[j]);
    const double log_z = det_log(static_cast<float>(sum));
    const double lp_target = det_log(lg[targets[t]]) - log_z;
    loss_expected +=
        (-(1.0 - smoothing) * lp_target - smoothing * (sum_logits / ve - log_z)) / T;
    const float inv = static_cast<float>(1.0 / sum);
    const float inv_t = 1.0f / static_cast<float>(T);
    const float smooth = smoothing / static_cast<float>(ve);
    for (std::uint32_t j = 0; j < ve; ++j) lg[j] = (lg[j] * inv - smooth) * inv_t;
    lg[targets[t]] -= (1.0f - smoothing) * inv_t;
    for (std::size_t j = ve; j < ld; ++j) lg[j] = 0.0f;
  }
  std::vector<float> split = logits;
  softmax_gradient_rows(split.data(), ld, ve, targets.data(), T, smoothing, 0, 2, nullptr);
  softmax_gradient_rows(split.data(), ld, ve, targets.data(), T, smoothing, 2, T, nullptr);
  EXPECT_TRUE(same_bits(split, expected));
  double loss = 0.0;
  softmax_gradient_rows(logits.data(), ld, ve, targets.data(), T, smoothing, 0, T, &loss);
  EXPECT_TRUE(same_bits(logits, expected));
  EXPECT_EQ(loss, loss_expected);
}

// Predictions and trained parameters after a few chunks, for a model with `threads` threads.
struct ModelRun {
  std::vector<float> logits;
  std::vector<float> parameters;
};
ModelRun run_model(std::uint32_t ve, unsigned threads) {
  MambaModel model(ve, threads);
  ModelRun run;
  std::vector<float> logits(model.padded_vocab());
  SsmState state, chunk_start;
  std::vector<std::uint32_t> tokens;
  std::mt19937 rng(7);
  std::uint32_t token = 0;
  for (int i = 0; i < 3 * kChunk; ++i) {
    if (i % kChunk == 0) chunk_start = state;
    model.predict(token, state, logits.data());
    run.logits.insert(run.logits.end(), logits.begin(), logits.begin() + 64);
    tokens.push_back(token);
    token = rng() % 5 == 0 ? rng() % ve : (token * 7 + 1) % ve;
    if (tokens.size() == kChunk) {
      model.train(tokens, chunk_start, 2);
      tokens.clear();
    }
  }
  run.logits.insert(run.logits.end(), logits.begin(), logits.end());
  run.parameters.assign(model.parameters().begin(), model.parameters().end());
  return run;
}

TEST(StateSMixMamba, TeamSizeChangesNoBitOfPredictionOrTraining) {
  const std::uint32_t ve = 2100;  // several column blocks of the head backward
  const ModelRun one = run_model(ve, 1);
  for (unsigned threads : {2u, 3u}) {
    const ModelRun many = run_model(ve, threads);
    EXPECT_TRUE(same_bits(many.logits, one.logits)) << threads << " threads";
    EXPECT_TRUE(same_bits(many.parameters, one.parameters)) << threads << " threads";
  }
}

Bytes mixed_text(std::size_t size) {
  std::mt19937 rng(11);
  Bytes text;
  while (text.size() < size) {
    const int len = 1 + static_cast<int>(rng() % 9);
    for (int i = 0; i < len; ++i) text.push_back(static_cast<std::uint8_t>('a' + rng() % 26));
    text.push_back(rng() % 7 == 0 ? '\n' : ' ');
  }
  text.resize(size);
  return text;
}

TEST(StateSMixCodec, ThreadCountWritesIdenticalFilesThatDecodeWithAnyThreads) {
  if (!load_default_tokenizer().ok()) {
    GTEST_SKIP() << "statesmix tokenizer.bin not found: "
                 << load_default_tokenizer().status().to_string();
  }
  const Bytes text = mixed_text(8000);
  for (std::uint64_t block_size : {std::uint64_t{0}, std::uint64_t{4096}}) {
    std::vector<Bytes> files;
    for (unsigned threads : {1u, 2u, 3u}) {
      CompressOptions opts;
      opts.codec_spec = "statesmix";
      opts.threads = threads;
      opts.block_size = block_size;
      Expected<Bytes> kmo = compress_buffer(text, opts);
      ASSERT_TRUE(kmo.ok()) << kmo.status().to_string();
      files.push_back(std::move(*kmo));
    }
    EXPECT_EQ(files[1], files[0]) << "block size " << block_size;
    EXPECT_EQ(files[2], files[0]) << "block size " << block_size;
    for (unsigned threads : {1u, 2u}) {
      DecompressOptions opts;
      opts.threads = threads;
      Expected<Bytes> back = decompress_buffer(files[0], opts);
      ASSERT_TRUE(back.ok()) << back.status().to_string();
      EXPECT_EQ(*back, text) << threads << " threads";
    }
  }
}

}  // namespace
}  // namespace kolmo
