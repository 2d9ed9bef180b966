#include "llm/eval.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string_view>

#include "llm/float_convert.h"
#include "llm/kv_measure.h"
#include "llm/session.h"

namespace kolmo::llm {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// log-sum-exp of one logits row, in double.
double log_sum_exp(const float* row, std::size_t n) {
  const float max = *std::max_element(row, row + n);
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(row[i]) - max);
  return max + std::log(sum);
}

double kl_divergence(const float* p_logits, double p_lse, const float* q_logits, double q_lse,
                     std::size_t n) {
  double kl = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double log_p = p_logits[i] - p_lse;
    const double log_q = q_logits[i] - q_lse;
    kl += std::exp(log_p) * (log_p - log_q);
  }
  return kl;
}

std::size_t arg_max(const float* row, std::size_t n) {
  return static_cast<std::size_t>(std::max_element(row, row + n) - row);
}

std::size_t token_bytes(const Model& model, int previous, int token) {
  if (!model.tokenizer) return 1;
  return model.tokenizer->decode(previous, token).size();
}

}  // namespace

Expected<std::vector<int>> tokenize(const Model& model, ByteSpan text) {
  if (model.tokenizer) {
    const std::string_view s(reinterpret_cast<const char*>(text.data()), text.size());
    return model.tokenizer->encode(s, /*bos=*/true, /*eos=*/false);
  }
  if (!model.byte_level()) {
    return unsupported("model has no tokenizer and is not byte-level (vocab " +
                       std::to_string(model.config.vocab) + ")");
  }
  return std::vector<int>(text.begin(), text.end());
}

Expected<EvalResult> evaluate(const Model& model, const std::vector<int>& tokens,
                              const EvalOptions& options) {
  if (options.ctx == 0) return invalid_argument("--ctx must be positive");
  if (options.ctx > model.config.max_positions) {
    return invalid_argument("--ctx " + std::to_string(options.ctx) + " exceeds the model's " +
                            std::to_string(model.config.max_positions) + " positions");
  }
  if (tokens.size() < 2) return invalid_argument("text too short: need at least 2 tokens");
  std::size_t span = options.ctx + 1;
  const std::size_t stride = options.stride == 0 ? options.ctx : options.stride;
  std::size_t windows = tokens.size() >= span ? (tokens.size() - span) / stride + 1 : 0;
  if (windows == 0) {
    windows = 1;
    span = tokens.size();
  }
  const std::size_t vocab = model.config.vocab;
  Session exact(model, KvMethod{}, options.pool);
  std::vector<KvMethod> kv_methods = options.kv_methods;
  if (kv_methods.empty() && options.kv) kv_methods.push_back(*options.kv);
  std::vector<std::unique_ptr<Session>> methods;
  std::vector<std::shared_ptr<KvStats>> stats;
  EvalResult result;
  for (KvMethod m : kv_methods) {
    result.methods.push_back(KvMethodResult{m});
    stats.push_back(std::make_shared<KvStats>());
    m.stats = stats.back();
    methods.push_back(std::make_unique<Session>(model, m, options.pool));
  }

  const auto start = Clock::now();
  std::vector<float> logits, method_logits;
  std::vector<double> lse(span - 1);
  for (std::size_t w = 0; w < windows; ++w) {
    const std::span<const int> input(tokens.data() + w * stride, span - 1);
    exact.reset();
    KOLMO_RETURN_IF_ERROR(exact.forward(input, &logits));
    for (std::size_t i = 0; i + 1 < span; ++i) {
      const int target = tokens[w * stride + i + 1];
      const float* row = &logits[i * vocab];
      lse[i] = log_sum_exp(row, vocab);
      result.bits_exact += (lse[i] - row[target]) / std::log(2.0);
      result.predicted_bytes += token_bytes(model, tokens[w * stride + i], target);
    }
    for (std::size_t k = 0; k < methods.size(); ++k) {
      Session& method = *methods[k];
      KvMethodResult& mr = result.methods[k];
      method.reset();
      KOLMO_RETURN_IF_ERROR(method.forward(input, &method_logits));
      mr.kv_bits += method.kv_stored_bits();
      mr.kv_elements += method.kv_elements();
      for (std::size_t i = 0; i + 1 < span; ++i) {
        const int target = tokens[w * stride + i + 1];
        const float* row = &logits[i * vocab];
        const float* mrow = &method_logits[i * vocab];
        const double mlse = log_sum_exp(mrow, vocab);
        mr.bits += (mlse - mrow[target]) / std::log(2.0);
        mr.kl_sum += kl_divergence(row, lse[i], mrow, mlse, vocab);
        mr.top1_agree += arg_max(row, vocab) == arg_max(mrow, vocab) ? 1 : 0;
      }
    }
    result.predicted += span - 1;
    result.windows = w + 1;
    if (options.progress) options.progress(result.predicted, windows * (span - 1));
  }
  for (std::size_t k = 0; k < methods.size(); ++k) {
    KvMethodResult& mr = result.methods[k];
    const KvStats& st = *stats[k];
    const auto ratio = [](double a, double b) { return b > 0.0 ? std::sqrt(a / b) : 0.0; };
    mr.score_rel_error = ratio(KvStats::to_double(st.score_error2), KvStats::to_double(st.score_exact2));
    mr.output_rel_error = ratio(KvStats::to_double(st.output_error2), KvStats::to_double(st.output_exact2));
    mr.encode_seconds = static_cast<double>(st.encode_ns.load()) * 1e-9;
    mr.attend_seconds = static_cast<double>(st.attend_ns.load()) * 1e-9;
  }
  if (!result.methods.empty()) {
    const KvMethodResult& first = result.methods[0];
    result.bits_method = first.bits;
    result.kl_sum = first.kl_sum;
    result.top1_agree = first.top1_agree;
    result.kv_bits = first.kv_bits;
    result.kv_elements = first.kv_elements;
  } else {
    result.bits_method = result.bits_exact;
  }
  result.seconds = seconds_since(start);
  return result;
}

Status capture_kv(const Model& model, const std::vector<int>& tokens, std::size_t ctx,
                  ThreadPool* pool, const std::filesystem::path& out_path) {
  const ModelConfig& c = model.config;
  const std::size_t n = std::min({ctx, tokens.size(), c.max_positions});
  if (n == 0) return invalid_argument("capture: no tokens");
  ByteWriter out;
  for (const char ch : std::string_view("KOLMOQKV")) out.u8(static_cast<std::uint8_t>(ch));
  for (const std::size_t v : {std::size_t{1}, c.layers, c.heads, c.kv_heads, c.head_dim, n}) {
    out.u32(static_cast<std::uint32_t>(v));
  }
  const auto put = [&out](const float* p, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) out.u32(float_to_bits(p[i]));
  };
  Session session(model, KvMethod{}, pool);
  KOLMO_RETURN_IF_ERROR(session.forward(
      std::span<const int>(tokens.data(), n), nullptr,
      [&](std::size_t, const float* q, const float* k, const float* v, std::size_t t) {
        put(q, t * c.q_dim());
        put(k, t * c.kv_dim());
        put(v, t * c.kv_dim());
      }));
  std::FILE* f = std::fopen(out_path.c_str(), "wb");
  if (f == nullptr) return io_error(out_path.string() + ": cannot create");
  const bool written = std::fwrite(out.data().data(), 1, out.size(), f) == out.size();
  if (std::fclose(f) != 0 || !written) return io_error(out_path.string() + ": write failed");
  return ok_status();
}

Expected<std::vector<int>> generate_greedy(const Model& model, const std::vector<int>& prompt,
                                           std::size_t steps, ThreadPool* pool) {
  if (prompt.empty()) return invalid_argument("generate: empty prompt");
  Session session(model, KvMethod{}, pool);
  std::vector<int> out(prompt);
  std::vector<float> logits;
  KOLMO_RETURN_IF_ERROR(session.forward(prompt, &logits));
  const std::size_t vocab = model.config.vocab;
  for (std::size_t s = 0; s < steps && session.position() < model.config.max_positions; ++s) {
    const int next = static_cast<int>(arg_max(&logits[logits.size() - vocab], vocab));
    out.push_back(next);
    if (session.position() == model.config.max_positions) break;
    const int one[1] = {next};
    KOLMO_RETURN_IF_ERROR(session.forward(one, &logits));
  }
  return out;
}

Expected<SpeedResult> measure_speed(const Model& model, std::size_t ctx, std::size_t decode_steps,
                                    ThreadPool* pool) {
  ctx = std::min(ctx, model.config.max_positions);
  if (decode_steps >= ctx) return invalid_argument("speed: decode steps must be below ctx");
  std::vector<int> tokens(ctx);
  for (std::size_t i = 0; i < ctx; ++i) tokens[i] = static_cast<int>((i * 7 + 3) % model.config.vocab);
  SpeedResult r;
  Session session(model, KvMethod{}, pool);
  std::vector<float> logits;
  r.prefill_tokens = ctx - decode_steps;
  auto start = Clock::now();
  KOLMO_RETURN_IF_ERROR(session.forward(std::span<const int>(tokens.data(), r.prefill_tokens), &logits));
  r.prefill_seconds = seconds_since(start);
  start = Clock::now();
  for (std::size_t i = r.prefill_tokens; i < ctx; ++i) {
    KOLMO_RETURN_IF_ERROR(session.forward(std::span<const int>(tokens.data() + i, 1), &logits));
  }
  r.decode_seconds = seconds_since(start);
  r.decode_tokens = decode_steps;
  const ModelConfig& c = model.config;
  // Every weight once, except an untied embedding table, of which one row is read.
  const std::uint64_t embedding = c.tied_classifier ? 0 : std::uint64_t{c.vocab} * c.dim;
  r.decode_bytes_per_token = 4 * (c.parameter_count() - embedding + c.dim) +
                             std::uint64_t{c.layers} * 2 * c.kv_dim() * 4 * ctx;
  return r;
}

}  // namespace kolmo::llm
