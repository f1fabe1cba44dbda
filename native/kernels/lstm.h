// One LSTM layer (PyTorch equations and gate order i, f, g, o), uni- or bidirectional, batch-first,
// initial hidden and cell states zero. A multi-layer LSTM is a stack of these calls.
//
//   x     [N][T][I]          input
//   wih   [D][4H][I]         input weights per direction d (rows i, f, g, o), D = 2 if bidirectional
//   whh   [D][4H][H]         hidden weights
//   bih   [D][4H]            input bias   (optional, with bhh)
//   bhh   [D][4H]            hidden bias
//   y     [N][T][D*H]        output: the hidden states; forward direction in y[..., 0:H], reverse
//                            direction (which runs from t = T-1 down to 0) in y[..., H:2H]
//
//   i   = sigmoid(W_ii x_t + b_ii + W_hi h + b_hi)
//   f   = sigmoid(W_if x_t + b_if + W_hf h + b_hf)
//   g   = tanh(W_ig x_t + b_ig + W_hg h + b_hg)
//   o   = sigmoid(W_io x_t + b_io + W_ho h + b_ho)
//   c_t = f * c + i * g
//   h_t = o * tanh(c_t)
//
// Tensors a pass keeps for the next ones (opaque to the caller, sizes from the shape):
//   state      [N][T][D][5H]   forward output: i, f, g, o, c_t
//   gateGrads  [N][T][D][4H]   backward-input output: da_i, da_f, da_g, da_o, the gradients of the
//                              gate pre-activations; both the input side (W_ih, b_ih, x) and the
//                              hidden side (W_hh, b_hh, h_prev) use all four.
// y doubles as the hidden-state history (h_prev of step t is y at the previous step of the same
// direction), so it must stay untouched between forward and backward.
//
// Passes: forward; backward-input (back-propagation through time over the gates, plus dx when
// `inputGradient`); backward-weight (dW_ih, dW_hh); backward-bias (db_ih, db_hh, equal). The
// upstream gradient is dy only (no separate final-state gradients).
//
// Useful work only: at the first step of each direction h_prev = 0 and c_prev = 0, so the
// reference skips W_hh h_prev there (the hidden pre-activation is b_hh), the gradients with
// respect to those zero states, da_f (which multiplies c_prev) and its dW_hh term; the cost
// formulas count exactly what the reference executes (the tests prove it on the counting
// scalar), and the fast kernels skip the same work.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/cost.h"
#include "core/host_device.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/activation.h"
#include "kernels/scalar_math.h"
#include "kernels/sigmoid.h"

namespace sj {

struct LstmShape {
  int64_t n = 1;       // batch
  int64_t t = 1;       // time steps
  int64_t input = 1;   // I
  int64_t hidden = 1;  // H
  bool bidirectional = false;
  bool bias = true;
  bool inputGradient = true;  // backward-input also computes dx (a first layer skips it)

  int64_t directions() const { return bidirectional ? 2 : 1; }
  // Time index of step `step` (0 = first processed) of direction d.
  int64_t timeAt(int64_t d, int64_t step) const { return d == 0 ? step : t - 1 - step; }
  int64_t inputSize() const { return n * t * input; }
  int64_t outputSize() const { return n * t * directions() * hidden; }
  int64_t inputWeightSize() const { return directions() * 4 * hidden * input; }
  int64_t hiddenWeightSize() const { return directions() * 4 * hidden * hidden; }
  int64_t biasSize() const { return directions() * 4 * hidden; }  // each of bih, bhh
  int64_t stateSize() const { return n * t * directions() * 5 * hidden; }
  int64_t gateGradsSize() const { return n * t * directions() * 4 * hidden; }
  void validate() const;  // E_SHAPE naming the offending dimension
  std::string describe() const;
};

// Let D = directions, S = N*T steps per direction, P = N*(T-1) steps with a previous state.
//   forward:          macs 4H*D*(S*I + P*H); flops 2*macs + 4H*D*(S + P) [bias] + 15H*D*S + 2H*D*P;
//                     transcendentals 5H*D*S; comparisons 6H*D*S  (sigmoid: sigmoidOf, 3 flops,
//                     1 exp, 2 comparisons)
//   backward-input:   macs 4H*D*(P*H + S*I [dx]); flops 2*macs + H*D*N*(23T - 7);
//                     transcendentals H*D*S (tanh c_t again)
//   backward-weight:  macs 4H*D*(S*I + P*H); flops 2*macs
//   backward-bias:    flops 4H*D*S
Cost lstmForwardCost(const LstmShape& s);
Cost lstmBackwardInputCost(const LstmShape& s);
Cost lstmBackwardWeightCost(const LstmShape& s);
Cost lstmBackwardBiasCost(const LstmShape& s);

// ---- reference loops -------------------------------------------------------------------------

// x [N][T][I], wih [D][4H][I], whh [D][4H][H], bih/bhh [D][4H] (ignored without bias)
//   -> y [N][T][D*H], state [N][T][D][5H]
template <class T>
void lstmForwardReference(const LstmShape& s, const T* x, const T* wih, const T* whh, const T* bih, const T* bhh, T* y, T* state) {
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 4 * H;
  std::vector<T> gi(G), gh(G);
  for (int64_t d = 0; d < D; ++d) {
    const T* wi = wih + d * G * I;
    const T* wh = whh + d * G * H;
    const T* bi = bih + d * G;
    const T* bh = bhh + d * G;
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t step = 0; step < s.t; ++step) {
        const int64_t t = s.timeAt(d, step);
        const T* xt = x + (n * s.t + t) * I;
        const int64_t tPrev = step == 0 ? -1 : s.timeAt(d, step - 1);
        const T* hPrev = step == 0 ? nullptr : y + (n * s.t + tPrev) * D * H + d * H;
        const T* cPrev = step == 0 ? nullptr : state + ((n * s.t + tPrev) * D + d) * 5 * H + 4 * H;
        for (int64_t j = 0; j < G; ++j) {
          T acc = T(0);
          for (int64_t k = 0; k < I; ++k) acc = mac(acc, wi[j * I + k], xt[k]);
          gi[j] = s.bias ? acc + bi[j] : acc;
          if (hPrev) {
            acc = T(0);
            for (int64_t k = 0; k < H; ++k) acc = mac(acc, wh[j * H + k], hPrev[k]);
            gh[j] = s.bias ? acc + bh[j] : acc;
          } else {
            gh[j] = s.bias ? bh[j] : T(0);
          }
        }
        T* st = state + ((n * s.t + t) * D + d) * 5 * H;
        T* ht = y + (n * s.t + t) * D * H + d * H;
        for (int64_t j = 0; j < H; ++j) {
          const T ig = sigmoidOf(gi[j] + gh[j]);
          const T fg = sigmoidOf(gi[H + j] + gh[H + j]);
          const T gg = tanh(gi[2 * H + j] + gh[2 * H + j]);
          const T og = sigmoidOf(gi[3 * H + j] + gh[3 * H + j]);
          const T c = cPrev ? fg * cPrev[j] + ig * gg : ig * gg;
          st[j] = ig;
          st[H + j] = fg;
          st[2 * H + j] = gg;
          st[3 * H + j] = og;
          st[4 * H + j] = c;
          ht[j] = og * tanh(c);
        }
      }
  }
}

// The gate gradients of one (sample, direction, step) row from dh (the whole gradient of h_t) and
// dc (the gradient of c_t from the later step; ignored at the last step). Writes da_i, da_f, da_g,
// da_o to gg and returns the gradient of c_prev (dc_t * f; not computed at the first step).
// Shared by the reference, the CPU kernel (Math = HostMath) and the CUDA one (cuda::DeviceMath).
template <class Math, class T>
SJ_HOST_DEVICE inline T lstmGateGradients(const T* st, int64_t H, int64_t j, T dh, T dcLater, bool last, bool first, const T* cPrev,
                                          T* gg) {
  const T ig = st[j], fg = st[H + j], gt = st[2 * H + j], og = st[3 * H + j], c = st[4 * H + j];
  const T tc = Math::tanhOf(c);
  const T dIn = dh * og * (T(1) - tc * tc);
  const T dc = last ? dIn : dIn + dcLater;
  gg[j] = (dc * gt) * (ig * (T(1) - ig));
  gg[2 * H + j] = (dc * ig) * (T(1) - gt * gt);
  gg[3 * H + j] = (dh * tc) * (og * (T(1) - og));
  if (first) {
    gg[H + j] = T(0);  // c_prev = 0: f has no influence
    return T(0);
  }
  gg[H + j] = (dc * cPrev[j]) * (fg * (T(1) - fg));
  return dc * fg;
}

// Back-propagation through time.
// dy [N][T][D*H], state [N][T][D][5H], wih [D][4H][I], whh [D][4H][H]
//   -> gateGrads [N][T][D][4H], dx [N][T][I] (only when s.inputGradient; may be null otherwise)
template <class T>
void lstmBackwardInputReference(const LstmShape& s, const T* dy, const T* state, const T* wih, const T* whh, T* gateGrads, T* dx) {
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 4 * H;
  std::vector<T> carryH(H), carryC(H);  // gradients reaching h_t and c_t from step t+1
  for (int64_t d = 0; d < D; ++d) {
    const T* wh = whh + d * G * H;
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t step = s.t - 1; step >= 0; --step) {
        const int64_t t = s.timeAt(d, step);
        const bool last = step == s.t - 1, first = step == 0;
        const T* st = state + ((n * s.t + t) * D + d) * 5 * H;
        const T* cPrev = first ? nullptr : state + ((n * s.t + s.timeAt(d, step - 1)) * D + d) * 5 * H + 4 * H;
        T* gg = gateGrads + ((n * s.t + t) * D + d) * G;
        const T* dyt = dy + (n * s.t + t) * D * H + d * H;
        for (int64_t j = 0; j < H; ++j) {
          const T dh = last ? dyt[j] : dyt[j] + carryH[j];
          carryC[j] = lstmGateGradients<HostMath>(st, H, j, dh, carryC[j], last, first, cPrev, gg);
        }
        if (first) continue;  // the initial state is a constant: no gradient wanted
        // dh_prev = W_hh^T [da_i, da_f, da_g, da_o]
        for (int64_t k = 0; k < H; ++k) {
          T acc = T(0);
          for (int64_t j = 0; j < G; ++j) acc = mac(acc, gg[j], wh[j * H + k]);
          carryH[k] = acc;
        }
      }
  }
  if (!s.inputGradient) return;
  // dx_t = sum over directions of W_ih^T [da_i, da_f, da_g, da_o]
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t t = 0; t < s.t; ++t)
      for (int64_t k = 0; k < I; ++k) {
        T acc = T(0);
        for (int64_t d = 0; d < D; ++d) {
          const T* gg = gateGrads + ((n * s.t + t) * D + d) * G;
          for (int64_t j = 0; j < G; ++j) acc = mac(acc, gg[j], wih[(d * G + j) * I + k]);
        }
        dx[(n * s.t + t) * I + k] = acc;
      }
}

// gateGrads [N][T][D][4H], x [N][T][I], y [N][T][D*H] -> dwih [D][4H][I], dwhh [D][4H][H]
//   dW_ih = sum over steps of da^T x_t;  dW_hh = sum over steps with a previous state of da^T h_prev
template <class T>
void lstmBackwardWeightReference(const LstmShape& s, const T* gateGrads, const T* x, const T* y, T* dwih, T* dwhh) {
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 4 * H;
  for (int64_t d = 0; d < D; ++d)
    for (int64_t j = 0; j < G; ++j) {
      for (int64_t k = 0; k < I; ++k) {
        T acc = T(0);
        for (int64_t n = 0; n < s.n; ++n)
          for (int64_t t = 0; t < s.t; ++t) acc = mac(acc, gateGrads[((n * s.t + t) * D + d) * G + j], x[(n * s.t + t) * I + k]);
        dwih[(d * G + j) * I + k] = acc;
      }
      for (int64_t k = 0; k < H; ++k) {
        T acc = T(0);
        for (int64_t n = 0; n < s.n; ++n)
          for (int64_t step = 1; step < s.t; ++step) {
            const int64_t t = s.timeAt(d, step), tPrev = s.timeAt(d, step - 1);
            acc = mac(acc, gateGrads[((n * s.t + t) * D + d) * G + j], y[(n * s.t + tPrev) * D * H + d * H + k]);
          }
        dwhh[(d * G + j) * H + k] = acc;
      }
    }
}

// gateGrads [N][T][D][4H] -> dbih [D][4H], dbhh [D][4H]: both biases get the same column sums,
// summed once.
template <class T>
void lstmBackwardBiasReference(const LstmShape& s, const T* gateGrads, T* dbih, T* dbhh) {
  const int64_t width = s.directions() * 4 * s.hidden;
  for (int64_t c = 0; c < width; ++c) {
    T acc = T(0);
    for (int64_t row = 0; row < s.n * s.t; ++row) acc = acc + gateGrads[row * width + c];
    dbih[c] = acc;
    dbhh[c] = acc;
  }
}

// ---- CPU kernels (kernels/cpu/lstm.cpp) ----------------------------------------------------------
// Same tensors as the reference loops. Biases may be null when !s.bias; dx may be null when
// !s.inputGradient. Deterministic: the result does not depend on the pool's thread count.

void lstmForward(ThreadPool& pool, const LstmShape& s, const float* x, const float* wih, const float* whh, const float* bih,
                 const float* bhh, float* y, float* state);
void lstmBackwardInput(ThreadPool& pool, const LstmShape& s, const float* dy, const float* state, const float* wih, const float* whh,
                       float* gateGrads, float* dx);
void lstmBackwardWeight(ThreadPool& pool, const LstmShape& s, const float* gateGrads, const float* x, const float* y, float* dwih,
                        float* dwhh);
void lstmBackwardBias(ThreadPool& pool, const LstmShape& s, const float* gateGrads, float* dbih, float* dbhh);

// ---- CUDA kernels (kernels/cuda/lstm.cu) ---------------------------------------------------------
// One call = one layer, both directions. Plain kernels, one thread per output element, each
// summing in a fixed order (kernels/cuda/lstm.cu says why not the GRU's tiled form yet):
//   forward:         the input projection W_ih x for all steps and directions in one launch, then
//                    one launch per time step (both directions) for W_hh h_prev and the gates;
//   backward-input:  one launch per step (last to first): W_hh^T da of the later step and this
//                    step's gate gradients; dx in one launch afterwards;
//   backward-weight: one launch for dW_ih and one for dW_hh, each element a sum over the steps;
//   backward-bias:   the shared column sums of the gate gradients, in double.
// No floating-point atomics anywhere: the same inputs give bit-identical outputs run to run.

namespace cuda {

void lstmForward(CudaStream stream, const LstmShape& s, const float* x, const float* wih, const float* whh, const float* bih,
                 const float* bhh, float* y, float* state);
void lstmBackwardInput(CudaStream stream, const LstmShape& s, const float* dy, const float* state, const float* wih, const float* whh,
                       float* gateGrads, float* dx);
void lstmBackwardWeight(CudaStream stream, const LstmShape& s, const float* gateGrads, const float* x, const float* y, float* dwih,
                        float* dwhh);
void lstmBackwardBias(CudaStream stream, const LstmShape& s, const float* gateGrads, float* dbih, float* dbhh);

}  // namespace cuda

}  // namespace sj
