// The cm model's optional LSTM input (params flag bit 2, option `lstm`; docs/cm.md "LSTM input"):
// a small byte-level LSTM trained online over the block's bytes, whose next-byte distribution
// becomes one prediction per bit, as paq8px's LstmModel and cmix do.
//
// Network. One LSTM layer of kCells cells; its input is the last byte (one-hot, i.e. a learnt
// embedding row of the gate weights), its output a 256-way softmax over the next byte. Training
// is truncated back-propagation through time: every kHorizon bytes, over those kHorizon steps,
// then one Adam step (the embedding rows of the bytes not seen in the window are left alone).
//
// Bits. The softmax is turned into integer frequencies (kTotal in all, every byte at least 1) and
// their cumulative sums; P(bit) is the mass of the bytes under the current bit-tree node whose
// next bit is 1 over the node's mass. From the frequencies on, everything is integer.
//
// Determinism. The float code runs in one fixed order written out in cm_lstm.cc (8-lane vectors
// whose lanes are independent sums, horizontal sums in a fixed order, -ffp-contract=off, no libm:
// exp/sigmoid/tanh are our own; sqrt and division are correctly rounded IEEE operations), so the
// encoder and decoder get the same bits with any compiler, optimisation level, instruction set
// (the AVX2 and baseline clones of the kernels) or thread count.
#pragma once

#include <cstdint>
#include <memory>

// The kernels are compiled twice, for AVX2 and for the baseline, and picked at load time; the
// explicit lanes make both give the same bits. (On the declarations: clang wants it there.)
#if defined(__x86_64__) && !defined(__AVX2__)
#define KOLMO_LSTM_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define KOLMO_LSTM_CLONES
#endif

namespace kolmo::cm {

class LstmInput {
 public:
  static constexpr int kInputs = 2;
  static constexpr int kCells = 96;    // kept a multiple of 8
  static constexpr int kHorizon = 10;  // bytes per training window
  static constexpr int kMaxHorizon = 64;
  static constexpr std::uint32_t kTotal = std::uint32_t{1} << 20;  // sum of the frequencies

  // Heap memory of one input (weights, Adam moments, gradients, the training window).
  static std::uint64_t memory_bytes();
  // Null when an allocation fails. The first byte's distribution is ready on return.
  static std::unique_ptr<LstmInput> create();

  // The mixer inputs for the next bit (stretches, +-2047): c0 is the bit-tree node of the byte
  // (1, then 1 followed by its known bits), bit_pos the number of known bits.
  void predict(std::uint32_t c0, int bit_pos, int* inputs) const;
  // Trains on the coded byte (every kHorizon bytes) and predicts the next byte's distribution.
  void end_byte(std::uint8_t byte);

  // The next byte's integer frequencies (256 entries, sum kTotal, each >= 1).
  const std::uint32_t* frequencies() const { return freq_; }

 private:
  LstmInput(int cells, int horizon) : cells_(cells), horizon_(horizon) {}
  bool allocate();
  KOLMO_LSTM_CLONES void forward(std::uint8_t input);
  KOLMO_LSTM_CLONES void train();
  void adam_step();

  // Float storage: one block, cut into the arrays below (all lengths are multiples of 8).
  std::unique_ptr<float[]> memory_;
  float *wx_ = nullptr, *wh_ = nullptr, *bg_ = nullptr, *wy_ = nullptr, *by_ = nullptr;
  float *gwx_ = nullptr, *gwh_ = nullptr, *gbg_ = nullptr, *gwy_ = nullptr, *gby_ = nullptr;
  float *mwx_ = nullptr, *mwh_ = nullptr, *mbg_ = nullptr, *mwy_ = nullptr, *mby_ = nullptr;
  float *vwx_ = nullptr, *vwh_ = nullptr, *vbg_ = nullptr, *vwy_ = nullptr, *vby_ = nullptr;
  // The training window: per step, its input byte, the state before it, its gates (i, f, o, g
  // after their activations), tanh of its cell, its output and its softmax.
  float *h_prev_ = nullptr, *c_prev_ = nullptr, *gates_ = nullptr, *tanh_c_ = nullptr;
  float *h_ = nullptr, *probs_ = nullptr;
  float *h_now_ = nullptr, *c_now_ = nullptr;  // the state after the last step
  float *scratch_ = nullptr;                   // backward pass: dh, dc, dgates, dlogits
  const int cells_, horizon_;
  std::uint8_t inputs_[kMaxHorizon] = {}, targets_[kMaxHorizon] = {};
  int step_ = 0;  // steps in the window so far
  bool row_used_[256] = {};
  float beta1_power_ = 1, beta2_power_ = 1;

  std::uint32_t freq_[256] = {};
  std::uint32_t cum_[257] = {};
};

}  // namespace kolmo::cm
