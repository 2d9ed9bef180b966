#include "llm/kv_measure.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "llm/matmul.h"

namespace kolmo::llm {
namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t nanoseconds_since(Clock::time_point start) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
}

std::uint64_t fixed(double x) { return static_cast<std::uint64_t>(std::llround(x * 1048576.0)); }

// Softmax of scores[0, count) in place, then the weighted sum of values into out (head_dim).
void softmax_output(float* scores, const float* values, std::size_t count, std::size_t hd, float* out) {
  const float max_score = *std::max_element(scores, scores + count);
  float sum = 0.0f;
  for (std::size_t j = 0; j < count; ++j) {
    scores[j] = std::exp(scores[j] - max_score);
    sum += scores[j];
  }
  weighted_sum(scores, values, count, hd, out);
  const float inv = 1.0f / sum;
  for (std::size_t i = 0; i < hd; ++i) out[i] *= inv;
}

class MeasuringStore final : public KvStore {
 public:
  MeasuringStore(std::unique_ptr<KvStore> method, const KvShape& shape, std::shared_ptr<KvStats> stats)
      : method_(std::move(method)), exact_(KvMethod{}.make_store(shape)), stats_(std::move(stats)),
        views_(shape.kv_heads), exact_views_(shape.kv_heads), scratch_k_(shape.kv_heads),
        scratch_v_(shape.kv_heads) {}

  void append(const float* k, const float* v, std::size_t positions) override {
    const auto start = Clock::now();
    method_->append(k, v, positions);
    stats_->encode_ns += nanoseconds_since(start);
    exact_->append(k, v, positions);
  }
  std::size_t length() const override { return method_->length(); }
  KvView view(std::size_t head, std::vector<float>& key_scratch,
              std::vector<float>& value_scratch) const override {
    const auto start = Clock::now();
    views_[head] = method_->view(head, key_scratch, value_scratch);
    stats_->attend_ns += nanoseconds_since(start);
    exact_views_[head] = exact_->view(head, scratch_k_[head], scratch_v_[head]);
    return views_[head];
  }
  std::uint64_t stored_bits() const override { return method_->stored_bits(); }
  Bytes serialize() const override { return method_->serialize(); }
  const KvShape& shape() const override { return method_->shape(); }

  bool supplies_scores() const override { return true; }
  void scores(std::size_t head, const float* q, std::size_t count, float scale, float* out) const override {
    const std::size_t hd = shape().head_dim;
    std::vector<float> work(count), method_out(hd), exact_scores(count), exact_out(hd);
    const auto start = Clock::now();
    if (method_->supplies_scores()) {
      method_->scores(head, q, count, scale, out);
    } else {
      attention_scores(q, views_[head].keys, count, hd, scale, out);
    }
    std::copy(out, out + count, work.begin());
    softmax_output(work.data(), views_[head].values, count, hd, method_out.data());
    stats_->attend_ns += nanoseconds_since(start);

    attention_scores(q, exact_views_[head].keys, count, hd, scale, exact_scores.data());
    double se = 0.0, sr = 0.0;
    for (std::size_t j = 0; j < count; ++j) {
      const double d = static_cast<double>(out[j]) - exact_scores[j];
      se += d * d;
      sr += static_cast<double>(exact_scores[j]) * exact_scores[j];
    }
    softmax_output(exact_scores.data(), exact_views_[head].values, count, hd, exact_out.data());
    double oe = 0.0, orr = 0.0;
    for (std::size_t i = 0; i < hd; ++i) {
      const double d = static_cast<double>(method_out[i]) - exact_out[i];
      oe += d * d;
      orr += static_cast<double>(exact_out[i]) * exact_out[i];
    }
    stats_->score_error2 += fixed(se);
    stats_->score_exact2 += fixed(sr);
    stats_->output_error2 += fixed(oe);
    stats_->output_exact2 += fixed(orr);
    stats_->rows += 1;
  }

 private:
  std::unique_ptr<KvStore> method_, exact_;
  std::shared_ptr<KvStats> stats_;
  // Views taken by attention before its parallel loop; read (not written) by scores().
  mutable std::vector<KvView> views_, exact_views_;
  mutable std::vector<std::vector<float>> scratch_k_, scratch_v_;
};

}  // namespace

std::unique_ptr<KvStore> make_measuring_store(std::unique_ptr<KvStore> method, const KvShape& shape,
                                              std::shared_ptr<KvStats> stats) {
  return std::make_unique<MeasuringStore>(std::move(method), shape, std::move(stats));
}

}  // namespace kolmo::llm
