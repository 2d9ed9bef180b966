#include "cli/llm_command.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/progress.h"
#include "kolmo/thread_pool.h"
#include "llm/eval.h"
#include "llm/model.h"

namespace kolmo::cli {
namespace {

namespace llm = kolmo::llm;

struct CommonOptions {
  std::string model;
  std::string tokenizer;
  std::size_t threads = ThreadPool::hardware_threads();
  bool json = false;
};

// A JSON string literal's content: quotes, backslashes and control bytes escaped.
std::string json_escape(const std::string& s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

int fail(const Status& status) {
  std::fprintf(stderr, "kolmo llm: %s\n", status.to_string().c_str());
  return 1;
}

// -T 1 runs on the calling thread; more threads use a pool.
std::unique_ptr<ThreadPool> make_pool(std::size_t threads) {
  return std::make_unique<ThreadPool>(threads <= 1 ? 0 : threads);
}

Expected<llm::Model> load(const CommonOptions& o) {
  llm::LoadOptions lo;
  lo.tokenizer = o.tokenizer;
  return llm::load_model(o.model, lo);
}

Expected<Bytes> read_text(const std::string& path, std::uint64_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(path + ": cannot open");
  Bytes data((std::istreambuf_iterator<char>(in)), {});
  if (limit > 0 && data.size() > limit) data.resize(limit);
  return data;
}

void add_common(CLI::App& app, CommonOptions& o) {
  app.add_option("MODEL", o.model, "model directory (Hugging Face) or llama2.c .bin")->required();
  app.add_option("--tokenizer", o.tokenizer, "llama2.c tokenizer (default: beside the model)");
  app.add_option("-T,--threads", o.threads, "worker threads (default: hardware threads)");
  app.add_flag("--json", o.json, "one JSON object on stdout");
}

struct EvalArgs {
  CommonOptions common;
  std::string text;
  std::size_t ctx = 1024;
  std::size_t stride = 0;
  std::uint64_t limit = 0;
  std::string kv;
  std::string weights;
};

int run_eval(const EvalArgs& a) {
  if (!a.weights.empty() && a.weights != "exact") {
    return fail(unsupported("--weights " + a.weights + " is not implemented yet"));
  }
  Expected<llm::Model> model = load(a.common);
  if (!model.ok()) return fail(model.status());
  Expected<Bytes> text = read_text(a.text, a.limit);
  if (!text.ok()) return fail(text.status());
  Expected<std::vector<int>> tokens = llm::tokenize(*model, *text);
  if (!tokens.ok()) return fail(tokens.status());
  llm::EvalOptions eo;
  eo.ctx = a.ctx;
  eo.stride = a.stride;
  if (!a.kv.empty()) {
    Expected<std::vector<llm::KvMethod>> kv = llm::parse_kv_methods(
        a.kv, llm::KvShape{model->config.kv_heads, model->config.head_dim});
    if (!kv.ok()) return fail(kv.status());
    eo.kv_methods = *kv;
    eo.kv = kv->front();
  }
  auto pool = make_pool(a.common.threads);
  eo.pool = pool.get();
  ProgressMeter meter("llm eval", progress_wanted(false));
  eo.progress = [&meter](std::uint64_t done, std::uint64_t total) { meter.update(done, total); };
  Expected<llm::EvalResult> r = llm::evaluate(*model, *tokens, eo);
  meter.finish();
  if (!r.ok()) return fail(r.status());
  const double bpb = r->bits_method / static_cast<double>(r->predicted_bytes);
  const double bpb_exact = r->bits_exact / static_cast<double>(r->predicted_bytes);
  const double tps = static_cast<double>(r->predicted) * static_cast<double>(1 + r->methods.size()) / r->seconds;
  const bool tokenized = !model->byte_level();
  if (a.common.json) {
    std::printf("{\"model\":\"%s\",\"text\":\"%s\",\"ctx\":%zu,\"windows\":%llu,\"bytes\":%llu,"
                "\"bits_per_byte\":%.6f",
                model->format.c_str(), json_escape(a.text).c_str(), a.ctx,
                static_cast<unsigned long long>(r->windows),
                static_cast<unsigned long long>(r->predicted_bytes), bpb);
    if (tokenized) {
      std::printf(",\"tokens\":%llu,\"bits_per_token\":%.6f",
                  static_cast<unsigned long long>(r->predicted),
                  r->bits_method / static_cast<double>(r->predicted));
    }
    if (eo.kv) {
      std::printf(",\"kv\":\"%s\",\"bits_per_byte_exact\":%.6f,\"delta_bits_per_byte\":%.6f,"
                  "\"kl_mean\":%.8f,\"top1_agree\":%.6f,\"kv_bits_per_element\":%.6f",
                  eo.kv->describe().c_str(), bpb_exact, bpb - bpb_exact,
                  r->kl_sum / static_cast<double>(r->predicted),
                  static_cast<double>(r->top1_agree) / static_cast<double>(r->predicted),
                  static_cast<double>(r->kv_bits) / static_cast<double>(r->kv_elements));
    }
    if (eo.kv) {
      std::printf(",\"methods\":[");
      for (std::size_t k = 0; k < r->methods.size(); ++k) {
        const llm::KvMethodResult& m = r->methods[k];
        const double n = static_cast<double>(r->predicted);
        const double mbpb = m.bits / static_cast<double>(r->predicted_bytes);
        std::printf("%s{\"kv\":\"%s\",\"kv_bits_per_element\":%.6f,\"bits_per_byte\":%.6f,"
                    "\"delta_bits_per_byte\":%.6f,\"kl_mean\":%.8f,\"top1_agree\":%.6f,"
                    "\"score_rel_error\":%.6f,\"output_rel_error\":%.6f,"
                    "\"encode_us_per_token\":%.2f,\"attend_us_per_token\":%.2f}",
                    k == 0 ? "" : ",", m.method.describe().c_str(),
                    static_cast<double>(m.kv_bits) / static_cast<double>(m.kv_elements), mbpb,
                    mbpb - bpb_exact, m.kl_sum / n, static_cast<double>(m.top1_agree) / n,
                    m.score_rel_error, m.output_rel_error, m.encode_seconds * 1e6 / n,
                    m.attend_seconds * 1e6 / n);
      }
      std::printf("]");
    }
    std::printf(",\"threads\":%zu,\"seconds\":%.3f,\"prefill_tokens_per_second\":%.1f}\n",
                a.common.threads, r->seconds, tps);
  } else {
    std::printf("%s: %.4f bits/byte over %llu bytes (%llu windows of %zu)\n", a.text.c_str(), bpb,
                static_cast<unsigned long long>(r->predicted_bytes),
                static_cast<unsigned long long>(r->windows), a.ctx);
    if (tokenized) {
      std::printf("  %.4f bits/token over %llu tokens\n",
                  r->bits_method / static_cast<double>(r->predicted),
                  static_cast<unsigned long long>(r->predicted));
    }
    for (const llm::KvMethodResult& m : r->methods) {
      const double n = static_cast<double>(r->predicted);
      std::printf("  kv %s: %.4f bits/byte (exact %.4f), KL %.6f nats, top-1 agreement %.4f, "
                  "%.3f bits/element, score error %.4f, output error %.4f\n",
                  m.method.describe().c_str(), m.bits / static_cast<double>(r->predicted_bytes),
                  bpb_exact, m.kl_sum / n, static_cast<double>(m.top1_agree) / n,
                  static_cast<double>(m.kv_bits) / static_cast<double>(m.kv_elements),
                  m.score_rel_error, m.output_rel_error);
    }
    std::printf("  %.1f s, %.1f tokens/s (%zu threads)\n", r->seconds, tps, a.common.threads);
  }
  return 0;
}

struct CaptureArgs {
  CommonOptions common;
  std::string text;
  std::size_t ctx = 1024;
  std::uint64_t limit = 0;
  std::string out;
};

int run_capture(const CaptureArgs& a) {
  Expected<llm::Model> model = load(a.common);
  if (!model.ok()) return fail(model.status());
  Expected<Bytes> text = read_text(a.text, a.limit);
  if (!text.ok()) return fail(text.status());
  Expected<std::vector<int>> tokens = llm::tokenize(*model, *text);
  if (!tokens.ok()) return fail(tokens.status());
  auto pool = make_pool(a.common.threads);
  const Status s = llm::capture_kv(*model, *tokens, a.ctx, pool.get(), a.out);
  if (!s.ok()) return fail(s);
  return 0;
}

struct GenerateArgs {
  CommonOptions common;
  std::string prompt;
  std::size_t steps = 64;
};

int run_generate(const GenerateArgs& a) {
  Expected<llm::Model> model = load(a.common);
  if (!model.ok()) return fail(model.status());
  std::vector<int> prompt;
  if (model->tokenizer) {
    prompt = model->tokenizer->encode(a.prompt, /*bos=*/true, /*eos=*/false);
  } else {
    prompt.assign(a.prompt.begin(), a.prompt.end());
    if (prompt.empty()) prompt.push_back('\n');
  }
  auto pool = make_pool(a.common.threads);
  Expected<std::vector<int>> out = llm::generate_greedy(*model, prompt, a.steps, pool.get());
  if (!out.ok()) return fail(out.status());
  std::string text;
  for (std::size_t i = 0; i < out->size(); ++i) {
    const int t = (*out)[i];
    if (model->tokenizer) {
      if (i == 0 && t == llm::kBosToken) continue;
      text += model->tokenizer->decode(i > 0 ? (*out)[i - 1] : -1, t);
    } else {
      text.push_back(static_cast<char>(t));
    }
  }
  std::printf("%s\n", text.c_str());
  return 0;
}

struct SpeedArgs {
  CommonOptions common;
  std::size_t ctx = 1024;
  std::size_t decode = 64;
};

int run_speed(const SpeedArgs& a) {
  Expected<llm::Model> model = load(a.common);
  if (!model.ok()) return fail(model.status());
  auto pool = make_pool(a.common.threads);
  Expected<llm::SpeedResult> r = llm::measure_speed(*model, a.ctx, a.decode, pool.get());
  if (!r.ok()) return fail(r.status());
  const double prefill = static_cast<double>(r->prefill_tokens) / r->prefill_seconds;
  const double decode = static_cast<double>(r->decode_tokens) / r->decode_seconds;
  if (a.common.json) {
    std::printf("{\"ctx\":%zu,\"threads\":%zu,\"prefill_tokens\":%zu,\"prefill_tokens_per_second\":%.1f,"
                "\"decode_tokens\":%zu,\"decode_tokens_per_second\":%.2f,"
                "\"decode_bytes_per_token\":%llu}\n",
                a.ctx, a.common.threads, r->prefill_tokens, prefill, r->decode_tokens, decode,
                static_cast<unsigned long long>(r->decode_bytes_per_token));
  } else {
    std::printf("prefill %zu tokens: %.1f tokens/s; decode %zu tokens up to ctx %zu: %.2f tokens/s, "
                "%llu bytes read per decode token (%zu threads)\n",
                r->prefill_tokens, prefill, r->decode_tokens, a.ctx, decode,
                static_cast<unsigned long long>(r->decode_bytes_per_token), a.common.threads);
  }
  return 0;
}

}  // namespace

int llm_main(int argc, char** argv) {
  CLI::App app("kolmo's small transformer runtime: evaluate, capture K/V/Q, generate, time.",
               "kolmo llm");
  app.require_subcommand(1);

  EvalArgs eval;
  CLI::App* e = app.add_subcommand("eval", "bits per byte (token) of MODEL on TEXT; --kv compares a KV method with the exact cache");
  add_common(*e, eval.common);
  e->add_option("TEXT", eval.text, "text file")->required();
  e->add_option("--ctx", eval.ctx, "predicted tokens per window (windows hold ctx+1 tokens)");
  e->add_option("--stride", eval.stride,
                 "tokens between window starts (default ctx, as train_lm.py; ctx+1: disjoint windows)");
  e->add_option("--limit", eval.limit, "use only the first BYTES of the text");
  e->add_option("--kv", eval.kv, "KV methods NAME[:bits=B,...][,NAME...]: exact, fp16, bf16, int8, int4, int8c, int4c, kivi, qjl, gear, million, mustafar, kolmo");
  e->add_option("--weights", eval.weights, "weight method (only exact for now)");

  CaptureArgs cap;
  CLI::App* c = app.add_subcommand("capture", "dump post-RoPE Q, K, V of every layer for the first ctx tokens");
  add_common(*c, cap.common);
  c->add_option("TEXT", cap.text, "text file")->required();
  c->add_option("--ctx", cap.ctx, "tokens to run");
  c->add_option("--limit", cap.limit, "use only the first BYTES of the text");
  c->add_option("-o,--output", cap.out, "output file (layout in docs/llm.md)")->required();

  GenerateArgs gen;
  CLI::App* g = app.add_subcommand("generate", "greedy generation");
  add_common(*g, gen.common);
  g->add_option("--prompt", gen.prompt, "prompt text (llama2.c models start from BOS)");
  g->add_option("--steps", gen.steps, "tokens to generate");

  SpeedArgs speed;
  CLI::App* s = app.add_subcommand("speed", "prefill and decode tokens per second at a context");
  add_common(*s, speed.common);
  s->add_option("--ctx", speed.ctx, "context length");
  s->add_option("--decode", speed.decode, "decode steps at the end of the context");

  CLI11_PARSE(app, argc, argv);
  if (e->parsed()) return run_eval(eval);
  if (c->parsed()) return run_capture(cap);
  if (g->parsed()) return run_generate(gen);
  return run_speed(speed);
}

}  // namespace kolmo::cli
