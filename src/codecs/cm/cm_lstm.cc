#include "codecs/cm/cm_lstm.h"

#include <cmath>
#include <cstring>
#include <new>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "codecs/cm/cm_logistic.h"

namespace kolmo::cm {
namespace {

// Eight independent float lanes (two SSE registers, or one AVX register in the AVX2 clones of
// the kernels): each lane's arithmetic is one IEEE operation after another, the same as scalar
// code, so every build and CPU gets the same bits. The kernels' loops take 8 floats at a time
// (every length is a multiple of 8) and load and store through memcpy (no alignment needed).
typedef float v8f __attribute__((vector_size(32)));

// y[0..n) += a * x[0..n): every y[k] is its own sum, in the callers' order.
inline void axpy(float* y, float a, const float* x, int n) {
  v8f a8 = {};
  for (int l = 0; l < 8; ++l) a8[l] = a;
  for (int k = 0; k < n; k += 8) {
    v8f yv, xv;
    std::memcpy(&yv, y + k, sizeof yv);
    std::memcpy(&xv, x + k, sizeof xv);
    yv += a8 * xv;
    std::memcpy(y + k, &yv, sizeof yv);
  }
}

// y[0..n) += x[0..n).
inline void add_to(float* y, const float* x, int n) {
  for (int k = 0; k < n; k += 8) {
    v8f yv, xv;
    std::memcpy(&yv, y + k, sizeof yv);
    std::memcpy(&xv, x + k, sizeof xv);
    yv += xv;
    std::memcpy(y + k, &yv, sizeof yv);
  }
}

// sum x[k] * y[k]: eight lane sums, then added pairwise in a fixed order.
inline float dot(const float* x, const float* y, int n) {
  v8f acc = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int k = 0; k < n; k += 8) {
    v8f xv, yv;
    std::memcpy(&xv, x + k, sizeof xv);
    std::memcpy(&yv, y + k, sizeof yv);
    acc += xv * yv;
  }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

typedef std::int32_t v8i __attribute__((vector_size(32)));

// A constant in every lane (a macro: a function returning v8f would change its ABI with AVX).
#define LANES(a) (v8f{(a), (a), (a), (a), (a), (a), (a), (a)})

// e^x per lane without libm: 2^(x log2 e) split into an integer power (built in the exponent
// bits) and a degree-6 polynomial for 2^f, f in [0, 1) (relative error about 2e-7); x is clamped
// to +-80. Comparisons give lane masks (-1 / 0), applied with bit operations.
__attribute__((always_inline)) inline void exp_lanes(const v8f& in, v8f& out) {
  v8i xi, above = in > LANES(80.0f), below = in < LANES(-80.0f);
  std::memcpy(&xi, &in, sizeof xi);
  const v8f hi = LANES(80.0f), lo = LANES(-80.0f);
  v8i hi_i, lo_i;
  std::memcpy(&hi_i, &hi, sizeof hi_i);
  std::memcpy(&lo_i, &lo, sizeof lo_i);
  xi = (xi & ~(above | below)) | (hi_i & above) | (lo_i & below);
  v8f x;
  std::memcpy(&x, &xi, sizeof x);
  const v8f t = x * LANES(1.44269504f);
  v8i n = __builtin_convertvector(t, v8i);           // toward zero
  n += __builtin_convertvector(n, v8f) > t;          // floor: -1 where it rounded up
  const v8f f = t - __builtin_convertvector(n, v8f);
  v8f p = LANES(1.5403530e-4f);
  p = p * f + LANES(1.3333558e-3f);
  p = p * f + LANES(9.6181291e-3f);
  p = p * f + LANES(5.5504109e-2f);
  p = p * f + LANES(2.4022651e-1f);
  p = p * f + LANES(6.9314718e-1f);
  p = p * f + LANES(1.0f);
  const v8i bits = (n + 127) << 23;
  v8f scale;
  std::memcpy(&scale, &bits, sizeof scale);
  out = p * scale;
}

enum class Activation { kExp, kSigmoid, kTanh };

// In place over x[0..n): e^(x - shift), 1 / (1 + e^-x) or 2 / (1 + e^-2x) - 1.
template <Activation kind>
__attribute__((always_inline)) inline void activate(float* x, int n, float shift = 0) {
  for (int k = 0; k < n; k += 8) {
    v8f v, e;
    std::memcpy(&v, x + k, sizeof v);
    if (kind == Activation::kExp) {
      exp_lanes(v - LANES(shift), e);
      v = e;
    } else if (kind == Activation::kSigmoid) {
      exp_lanes(-v, e);
      v = LANES(1.0f) / (LANES(1.0f) + e);
    } else {
      exp_lanes(LANES(-2.0f) * v, e);
      v = LANES(2.0f) / (LANES(1.0f) + e) - LANES(1.0f);
    }
    std::memcpy(x + k, &v, sizeof v);
  }
}

// Learning settings (Adam), shared by every size.
struct Learning {
  float rate = 0.01f;
  float beta1 = 0.0f, beta2 = 0.999f, epsilon = 1e-6f;
  float clip = 0.3f;  // the gates' gradients are clipped to +-clip per step
};

const Learning kLearning;

std::uint64_t parameter_count(int cells) {
  const std::uint64_t h = static_cast<std::uint64_t>(cells), g = 4 * h;
  return 256 * g + h * g + g + h * 256 + 256;
}

std::uint64_t float_count(int cells, int horizon) {
  const std::uint64_t h = static_cast<std::uint64_t>(cells), g = 4 * h;
  const std::uint64_t window = static_cast<std::uint64_t>(horizon) * (4 * h + g + 256);
  return 4 * parameter_count(cells) + window + 2 * h + (8 * h + g + 256);
}

// Small deterministic start weights: a 32-bit LCG mapped to [-scale, scale).
void fill_uniform(float* w, std::uint64_t n, float scale, std::uint32_t& seed) {
  for (std::uint64_t k = 0; k < n; ++k) {
    seed = seed * 1664525u + 1013904223u;
    const float u = static_cast<float>(seed >> 8) * (1.0f / 16777216.0f);  // [0, 1)
    w[k] = (2.0f * u - 1.0f) * scale;
  }
}

// Adam on n weights (a multiple of 8), 8 lanes at a time. The square root is correctly rounded
// (IEEE) in every instruction set, so the SSE, AVX and scalar versions give the same bits.
struct AdamLanes {
  v8f beta1, rest1, beta2, rest2, step, epsilon;
  AdamLanes(const Learning& l, float s) {
    for (int q = 0; q < 8; ++q) {
      beta1[q] = l.beta1;
      rest1[q] = 1.0f - l.beta1;
      beta2[q] = l.beta2;
      rest2[q] = 1.0f - l.beta2;
      step[q] = s;
      epsilon[q] = l.epsilon;
    }
  }
};

// The moments of weights [k, k + 8) are updated in mv, vv; the caller takes the root of vv.
__attribute__((always_inline)) inline void adam_moments(const float* g, float* m, float* v, int k,
                                                        const AdamLanes& a, v8f& mv, v8f& vv) {
  v8f gv;
  std::memcpy(&gv, g + k, sizeof gv);
  std::memcpy(&mv, m + k, sizeof mv);
  std::memcpy(&vv, v + k, sizeof vv);
  mv = a.beta1 * mv + a.rest1 * gv;
  vv = a.beta2 * vv + a.rest2 * (gv * gv);
  std::memcpy(m + k, &mv, sizeof mv);
  std::memcpy(v + k, &vv, sizeof vv);
}

__attribute__((always_inline)) inline void adam_apply(float* w, int k, const AdamLanes& a,
                                                      const v8f& mv, const v8f& root) {
  v8f wv;
  std::memcpy(&wv, w + k, sizeof wv);
  wv -= a.step * mv / (root + a.epsilon);
  std::memcpy(w + k, &wv, sizeof wv);
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) void adam_avx2(float* w, const float* g, float* m, float* v,
                                               int n, const AdamLanes& a) {
  for (int k = 0; k < n; k += 8) {
    v8f mv, vv, root;
    adam_moments(g, m, v, k, a, mv, vv);
    __m256 x;
    std::memcpy(&x, &vv, sizeof x);
    x = _mm256_sqrt_ps(x);
    std::memcpy(&root, &x, sizeof root);
    adam_apply(w, k, a, mv, root);
  }
}
#endif

void adam_baseline(float* w, const float* g, float* m, float* v, int n, const AdamLanes& a) {
  for (int k = 0; k < n; k += 8) {
    v8f mv, vv, root;
    adam_moments(g, m, v, k, a, mv, vv);
#if defined(__x86_64__)
    __m128 x[2];
    std::memcpy(x, &vv, sizeof x);
    x[0] = _mm_sqrt_ps(x[0]);
    x[1] = _mm_sqrt_ps(x[1]);
    std::memcpy(&root, x, sizeof root);
#else
    for (int q = 0; q < 8; ++q) root[q] = __builtin_sqrtf(vv[q]);
#endif
    adam_apply(w, k, a, mv, root);
  }
}

void adam(float* w, const float* g, float* m, float* v, int n, const AdamLanes& a) {
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2") != 0;
  if (avx2) return adam_avx2(w, g, m, v, n, a);
#endif
  adam_baseline(w, g, m, v, n, a);
}

int stretch_ratio(std::uint64_t num, std::uint64_t den) {
  std::uint64_t p = (num << 16) / den;
  p = p < 16 ? 16 : (p > 65520 ? 65520 : p);
  return stretch(logistic_tables(), static_cast<std::uint32_t>(p));
}

}  // namespace

std::uint64_t LstmInput::memory_bytes() {
  return float_count(kCells, kHorizon) * sizeof(float) + sizeof(LstmInput);
}

std::unique_ptr<LstmInput> LstmInput::create() {
  std::unique_ptr<LstmInput> in(new (std::nothrow) LstmInput(kCells, kHorizon));
  if (in == nullptr || !in->allocate()) return nullptr;
  in->forward(0);
  return in;
}

bool LstmInput::allocate() {
  const std::uint64_t n = float_count(cells_, horizon_);
  memory_.reset(new (std::nothrow) float[n]());
  if (memory_ == nullptr) return false;
  const int h = cells_, g = 4 * h, t = horizon_;
  float* p = memory_.get();
  auto take = [&p](int count) {
    float* r = p;
    p += count;
    return r;
  };
  float** sets[4][5] = {{&wx_, &wh_, &bg_, &wy_, &by_},
                        {&gwx_, &gwh_, &gbg_, &gwy_, &gby_},
                        {&mwx_, &mwh_, &mbg_, &mwy_, &mby_},
                        {&vwx_, &vwh_, &vbg_, &vwy_, &vby_}};
  for (auto& s : sets) {
    *s[0] = take(256 * g);
    *s[1] = take(h * g);
    *s[2] = take(g);
    *s[3] = take(h * 256);
    *s[4] = take(256);
  }
  h_prev_ = take(t * h);
  c_prev_ = take(t * h);
  gates_ = take(t * g);
  tanh_c_ = take(t * h);
  h_ = take(t * h);
  probs_ = take(t * 256);
  h_now_ = take(h);
  c_now_ = take(h);
  scratch_ = take(8 * h + g + 256);
  std::uint32_t seed = 12345;
  fill_uniform(wx_, std::uint64_t{256} * g, 0.2f, seed);
  fill_uniform(wh_, static_cast<std::uint64_t>(h) * g, 0.2f, seed);
  fill_uniform(wy_, static_cast<std::uint64_t>(h) * 256, 0.2f, seed);
  for (int k = h; k < 2 * h; ++k) bg_[k] = 1.0f;  // forget gates start open
  return true;
}

// One step on `input` (the last byte): the window's next slot keeps what training needs, and the
// softmax becomes the next byte's frequencies.
KOLMO_LSTM_CLONES void LstmInput::forward(std::uint8_t input) {
  const int h = cells_, g = 4 * h, t = step_;
  inputs_[t] = input;
  std::memcpy(h_prev_ + t * h, h_now_, sizeof(float) * h);
  std::memcpy(c_prev_ + t * h, c_now_, sizeof(float) * h);
  float* gates = gates_ + t * g;
  std::memcpy(gates, bg_, sizeof(float) * g);
  add_to(gates, wx_ + input * g, g);
  for (int j = 0; j < h; ++j) axpy(gates, h_now_[j], wh_ + j * g, g);
  activate<Activation::kSigmoid>(gates, 3 * h);
  activate<Activation::kTanh>(gates + 3 * h, h);
  float* tanh_c = tanh_c_ + t * h;
  for (int k = 0; k < h; ++k) {
    c_now_[k] = gates[h + k] * c_now_[k] + gates[k] * gates[3 * h + k];
    tanh_c[k] = c_now_[k];
  }
  activate<Activation::kTanh>(tanh_c, h);
  for (int k = 0; k < h; ++k) h_now_[k] = gates[2 * h + k] * tanh_c[k];
  std::memcpy(h_ + t * h, h_now_, sizeof(float) * h);
  float* probs = probs_ + t * 256;
  std::memcpy(probs, by_, sizeof(float) * 256);
  for (int j = 0; j < h; ++j) axpy(probs, h_now_[j], wy_ + j * 256, 256);
  // Softmax, then integer frequencies: 1 each plus the rest of kTotal in proportion (truncated);
  // what truncation leaves goes to the most probable byte.
  int best = 0;
  for (int k = 1; k < 256; ++k) best = probs[k] > probs[best] ? k : best;
  const float top = probs[best];
  activate<Activation::kExp>(probs, 256, top);
  float sum = 0;
  for (int k = 0; k < 256; ++k) sum += probs[k];
  const float inverse = 1.0f / sum;
  const float scale = static_cast<float>(kTotal - 256) * inverse;
  std::uint32_t given = 0;
  for (int k = 0; k < 256; ++k) {
    freq_[k] = 1 + static_cast<std::uint32_t>(probs[k] * scale);
    given += freq_[k];
    probs[k] *= inverse;
  }
  freq_[best] = freq_[best] + kTotal - given;  // kTotal - given is a few units at most
  for (int k = 0; k < 256; ++k) cum_[k + 1] = cum_[k] + freq_[k];
}

void LstmInput::end_byte(std::uint8_t byte) {
  targets_[step_] = byte;
  if (++step_ == horizon_) {
    train();
    step_ = 0;
  }
  forward(byte);
}

// Back-propagation through the window's steps (newest first), gradients summed, then Adam.
KOLMO_LSTM_CLONES void LstmInput::train() {
  const int h = cells_, g = 4 * h;
  float* dh = scratch_;
  float* dh_next = dh + h;
  float* dc_next = dh_next + h;
  float* dgates = dc_next + h;
  float* dlogits = dgates + g;
  std::memset(gwh_, 0, sizeof(float) * h * g);
  std::memset(gbg_, 0, sizeof(float) * g);
  std::memset(gwy_, 0, sizeof(float) * h * 256);
  std::memset(gby_, 0, sizeof(float) * 256);
  std::memset(dh_next, 0, sizeof(float) * 2 * h);
  const float clip = kLearning.clip;
  for (int t = step_ - 1; t >= 0; --t) {
    const float* probs = probs_ + t * 256;
    std::memcpy(dlogits, probs, sizeof(float) * 256);
    dlogits[targets_[t]] -= 1.0f;
    add_to(gby_, dlogits, 256);
    const float* ht = h_ + t * h;
    for (int j = 0; j < h; ++j) {
      axpy(gwy_ + j * 256, ht[j], dlogits, 256);
      dh[j] = dh_next[j] + dot(wy_ + j * 256, dlogits, 256);
    }
    const float* gates = gates_ + t * g;
    const float* tanh_c = tanh_c_ + t * h;
    const float* c_prev = c_prev_ + t * h;
    for (int k = 0; k < h; ++k) {
      const float i = gates[k], f = gates[h + k], o = gates[2 * h + k], c = gates[3 * h + k];
      const float tc = tanh_c[k];
      const float dc = dc_next[k] + dh[k] * o * (1.0f - tc * tc);
      float d[4] = {dc * c * i * (1.0f - i), dc * c_prev[k] * f * (1.0f - f),
                    dh[k] * tc * o * (1.0f - o), dc * i * (1.0f - c * c)};
      for (int q = 0; q < 4; ++q) {
        d[q] = d[q] > clip ? clip : (d[q] < -clip ? -clip : d[q]);
        dgates[q * h + k] = d[q];
      }
      dc_next[k] = dc * f;
    }
    add_to(gbg_, dgates, g);
    // The input's embedding row: its gradient is zeroed when the window first uses it.
    const int x = inputs_[t];
    if (!row_used_[x]) {
      row_used_[x] = true;
      std::memset(gwx_ + x * g, 0, sizeof(float) * g);
    }
    add_to(gwx_ + x * g, dgates, g);
    const float* hp = h_prev_ + t * h;
    for (int j = 0; j < h; ++j) {
      axpy(gwh_ + j * g, hp[j], dgates, g);
      dh_next[j] = dot(wh_ + j * g, dgates, g);
    }
  }
  adam_step();
}

void LstmInput::adam_step() {
  const Learning& l = kLearning;
  const int h = cells_, g = 4 * h;
  beta1_power_ *= l.beta1;
  beta2_power_ *= l.beta2;
  // Adam's bias correction; with beta1 = 0 only the second moment's.
  const AdamLanes a(l, l.rate * std::sqrt(1.0f - beta2_power_) / (1.0f - beta1_power_));
  adam(wh_, gwh_, mwh_, vwh_, h * g, a);
  adam(bg_, gbg_, mbg_, vbg_, g, a);
  adam(wy_, gwy_, mwy_, vwy_, h * 256, a);
  adam(by_, gby_, mby_, vby_, 256, a);
  for (int x = 0; x < 256; ++x) {
    if (!row_used_[x]) continue;
    row_used_[x] = false;
    adam(wx_ + x * g, gwx_ + x * g, mwx_ + x * g, vwx_ + x * g, g, a);
  }
}

void LstmInput::predict(std::uint32_t c0, int bit_pos, int* inputs) const {
  const std::uint32_t width = 256u >> bit_pos;
  const std::uint32_t lo = (c0 - (1u << bit_pos)) * width;
  const std::uint32_t mid = lo + width / 2, hi = lo + width;
  const std::uint64_t ones = cum_[hi] - cum_[mid];
  const std::uint64_t mass = cum_[hi] - cum_[lo];  // > 0: every byte has a frequency >= 1
  const int st = stretch_ratio(ones, mass);
  inputs[0] = st;
  // Scaled by the share of the byte's mass still under this node (0..256): how well the LSTM
  // foresaw the bits so far.
  const std::uint64_t share = (mass << 8) / kTotal;
  inputs[1] = static_cast<int>((std::int64_t{st} * static_cast<std::int64_t>(share)) >> 8);
}

}  // namespace kolmo::cm
