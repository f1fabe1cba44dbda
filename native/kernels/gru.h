// One GRU layer (gate order r, z, n as PyTorch), uni- or bidirectional, batch-first, initial
// hidden state zero. A multi-layer GRU is a stack of these calls.
//
//   x     [N][T][I]          input
//   wih   [D][3H][I]         input weights per direction d (rows r, z, n), D = 2 if bidirectional
//   whh   [D][3H][H]         hidden weights
//   bih   [D][3H]            input bias   (optional, with bhh)
//   bhh   [D][3H]            hidden bias
//   y     [N][T][D*H]        output: the hidden states; forward direction in y[..., 0:H], reverse
//                            direction (which runs from t = T-1 down to 0) in y[..., H:2H]
//
//   r   = sigmoid(W_ir x_t + b_ir + W_hr h + b_hr)
//   z   = sigmoid(W_iz x_t + b_iz + W_hz h + b_hz)
//   n   = tanh(W_in x_t + b_in + r * (W_hn h + b_hn))        linearBeforeReset (PyTorch's GRU)
//   n   = tanh(W_in x_t + b_in + W_hn (r * h) + b_hn)        !linearBeforeReset (the GRU paper's
//                                                            form: Cho et al. 2014)
//   h_t = n + z * (h - n)                  (= (1 - z) * n + z * h)
//
// The two forms are ONNX GRU's attribute linear_before_reset = 1 and 0
// (onnx.ai/onnx/operators/onnx__GRU.html); PyTorch exports 1 and Keras' reset_after=False is 0.
// With 0 the candidate's matrix product needs r first, so a step has two dependent products.
//
// Tensors a pass keeps for the next ones (opaque to the caller, sizes from the shape):
//   gates      [N][T][D][4H]   forward output:  r, z, n, and in the fourth block the hidden-side
//                              input of the n row: W_hn h_prev + b_hn (linearBeforeReset), or
//                              q = r * h_prev (not), which dW_hn needs
//   gateGrads  [N][T][D][4H]   backward-input output: da_r, da_z, da_n, and the hidden-side
//                              gradient of the n row: da_n * r (linearBeforeReset) or da_n (not);
//                              the input side (W_ih, b_ih, x) uses the first three, the hidden side
//                              (W_hh, b_hh, h_prev) r, z and the fourth.
// y doubles as the hidden-state history (h_prev of step t is y at the previous step of the same
// direction), so it must stay untouched between forward and backward.
//
// Passes: forward; backward-input (back-propagation through time over the gates, plus dx when
// `inputGradient`); backward-weight (dW_ih, dW_hh); backward-bias (db_ih, db_hh). The upstream
// gradient is dy only (no separate final-state gradient).
//
// Useful work only: at the first step of each direction h_prev = 0, so the reference skips
// W_hh h_prev there (gh = b_hh), the gradient with respect to that zero state, and its dW_hh term
// (and, without linearBeforeReset, q = r * 0 and the reset gate's gradient, which is zero); the
// cost formulas count exactly what the reference executes (the tests prove it on the counting
// scalar), and the fast kernels skip the same work.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/cost.h"
#include "core/host_device.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"
#include "kernels/sigmoid.h"

namespace sj {

struct GruShape {
  int64_t n = 1;       // batch
  int64_t t = 1;       // time steps
  int64_t input = 1;   // I
  int64_t hidden = 1;  // H
  bool bidirectional = false;
  bool bias = true;
  bool inputGradient = true;  // backward-input also computes dx (a first layer skips it)
  bool linearBeforeReset = true;  // the candidate's form: see the equations above

  int64_t directions() const { return bidirectional ? 2 : 1; }
  // Time index of step `step` (0 = first processed) of direction d.
  int64_t timeAt(int64_t d, int64_t step) const { return d == 0 ? step : t - 1 - step; }
  int64_t inputSize() const { return n * t * input; }
  int64_t outputSize() const { return n * t * directions() * hidden; }
  int64_t inputWeightSize() const { return directions() * 3 * hidden * input; }
  int64_t hiddenWeightSize() const { return directions() * 3 * hidden * hidden; }
  int64_t biasSize() const { return directions() * 3 * hidden; }  // each of bih, bhh
  int64_t gatesSize() const { return n * t * directions() * 4 * hidden; }  // gates and gateGrads
  void validate() const;  // E_SHAPE naming the offending dimension
  std::string describe() const;
};

// Let D = directions, S = N*T steps per direction, P = N*(T-1) steps with a previous state, and
// L = 1 with linearBeforeReset, 0 without.
//   forward:          macs 3H*D*(S*I + P*H); flops 2*macs + 3H*D*(S + P) [bias] + (6 + L)*H*D*S
//                     + (1 - L)*H*D*P [q] + 10H*D*S [sigmoids]; transcendentals 3H*D*S;
//                     comparisons 4H*D*S  (sigmoid: sigmoidOf, 3 flops + 1 exp + 2 comparisons)
//   backward-input:   macs 3H*D*(P*H + S*I [dx]); flops 2*macs + H*D*N*(16T - 2) with L,
//                     H*D*N*(17T - 8) without
//   backward-weight:  macs 3H*D*(S*I + P*H); flops 2*macs
//   backward-bias:    flops 4H*D*S
Cost gruForwardCost(const GruShape& s);
Cost gruBackwardInputCost(const GruShape& s);
Cost gruBackwardWeightCost(const GruShape& s);
Cost gruBackwardBiasCost(const GruShape& s);

// ---- reference loops -------------------------------------------------------------------------

// x [N][T][I], wih [D][3H][I], whh [D][3H][H], bih/bhh [D][3H] (ignored without bias)
//   -> y [N][T][D*H], gates [N][T][D][4H]
template <class T>
void gruForwardReference(const GruShape& s, const T* x, const T* wih, const T* whh, const T* bih, const T* bhh, T* y, T* gates) {
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 3 * H;
  std::vector<T> gi(G), gh(G);
  for (int64_t d = 0; d < D; ++d) {
    const T* wi = wih + d * G * I;
    const T* wh = whh + d * G * H;
    const T* bi = bih + d * G;
    const T* bh = bhh + d * G;
    // gh[j] = W_hh row j . v + b_hh[j], with v = 0 (not multiplied) when null
    auto hiddenRow = [&](int64_t j, const T* v) {
      if (v) {
        T acc = T(0);
        for (int64_t k = 0; k < H; ++k) acc = mac(acc, wh[j * H + k], v[k]);
        gh[j] = s.bias ? acc + bh[j] : acc;
      } else {
        gh[j] = s.bias ? bh[j] : T(0);
      }
    };
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t step = 0; step < s.t; ++step) {
        const int64_t t = s.timeAt(d, step);
        const T* xt = x + (n * s.t + t) * I;
        const T* hPrev = step == 0 ? nullptr : y + (n * s.t + s.timeAt(d, step - 1)) * D * H + d * H;
        for (int64_t j = 0; j < G; ++j) {
          T acc = T(0);
          for (int64_t k = 0; k < I; ++k) acc = mac(acc, wi[j * I + k], xt[k]);
          gi[j] = s.bias ? acc + bi[j] : acc;
        }
        T* g = gates + ((n * s.t + t) * D + d) * 4 * H;
        T* ht = y + (n * s.t + t) * D * H + d * H;
        for (int64_t j = 0; j < (s.linearBeforeReset ? G : 2 * H); ++j) hiddenRow(j, hPrev);
        for (int64_t j = 0; j < H; ++j) {
          g[j] = sigmoidOf(gi[j] + gh[j]);
          g[H + j] = sigmoidOf(gi[H + j] + gh[H + j]);
        }
        if (!s.linearBeforeReset) {
          for (int64_t j = 0; j < H; ++j) g[3 * H + j] = hPrev ? g[j] * hPrev[j] : T(0);  // q = r * h_prev
          for (int64_t j = 2 * H; j < G; ++j) hiddenRow(j, hPrev ? g + 3 * H : nullptr);  // W_hn q + b_hn
        }
        for (int64_t j = 0; j < H; ++j) {
          const T r = g[j], z = g[H + j];
          const T nn = s.linearBeforeReset ? tanh(gi[2 * H + j] + r * gh[2 * H + j]) : tanh(gi[2 * H + j] + gh[2 * H + j]);
          const T h = hPrev ? hPrev[j] : T(0);
          g[2 * H + j] = nn;
          if (s.linearBeforeReset) g[3 * H + j] = gh[2 * H + j];
          ht[j] = nn + z * (h - nn);
        }
      }
  }
}

// Back-propagation through time.
// dy [N][T][D*H], y [N][T][D*H], gates [N][T][D][4H], wih [D][3H][I], whh [D][3H][H]
//   -> gateGrads [N][T][D][4H], dx [N][T][I] (only when s.inputGradient; may be null otherwise)
template <class T>
void gruBackwardInputReference(const GruShape& s, const T* dy, const T* y, const T* gates, const T* wih, const T* whh, T* gateGrads,
                               T* dx) {
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 3 * H;
  std::vector<T> dh(H), carry(H), dq(H);  // carry: gradient reaching h_t from step t+1; dq: of q
  for (int64_t d = 0; d < D; ++d) {
    const T* wh = whh + d * G * H;
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t step = s.t - 1; step >= 0; --step) {
        const int64_t t = s.timeAt(d, step);
        const T* hPrev = step == 0 ? nullptr : y + (n * s.t + s.timeAt(d, step - 1)) * D * H + d * H;
        const T* g = gates + ((n * s.t + t) * D + d) * 4 * H;
        T* gg = gateGrads + ((n * s.t + t) * D + d) * 4 * H;
        const T* dyt = dy + (n * s.t + t) * D * H + d * H;
        for (int64_t j = 0; j < H; ++j) dh[j] = step == s.t - 1 ? dyt[j] : dyt[j] + carry[j];
        for (int64_t j = 0; j < H; ++j) {
          const T r = g[j], z = g[H + j], nn = g[2 * H + j];
          const T h = hPrev ? hPrev[j] : T(0);
          const T omz = T(1) - z;
          const T dn = dh[j] * omz;
          const T dz = dh[j] * (h - nn);
          const T dan = dn * (T(1) - nn * nn);
          gg[H + j] = dz * (z * omz);
          gg[2 * H + j] = dan;
          if (s.linearBeforeReset) {
            gg[j] = (dan * g[3 * H + j]) * (r * (T(1) - r));  // da_r = da_n (W_hn h_prev + b_hn) r (1 - r)
            gg[3 * H + j] = dan * r;
          } else {
            gg[j] = T(0);  // h_prev = 0 at the first step, where nothing overwrites it
            gg[3 * H + j] = dan;
          }
        }
        if (!hPrev) continue;  // the initial state is a constant: no gradient wanted
        if (!s.linearBeforeReset) {
          // dq = W_hn^T da_n, then da_r = dq * h_prev * r (1 - r)
          for (int64_t k = 0; k < H; ++k) {
            T acc = T(0);
            for (int64_t j = 0; j < H; ++j) acc = mac(acc, gg[2 * H + j], wh[(2 * H + j) * H + k]);
            dq[k] = acc;
          }
          for (int64_t k = 0; k < H; ++k) gg[k] = (dq[k] * hPrev[k]) * (g[k] * (T(1) - g[k]));
        }
        // dh_prev = dh * z [+ dq * r] + W_hh^T [da_r, da_z, da_n * r] (linearBeforeReset; without
        // it, the n rows' share is dq * r and the sum runs over the r and z rows)
        for (int64_t k = 0; k < H; ++k) {
          T acc = dh[k] * g[H + k];
          if (!s.linearBeforeReset) acc = acc + dq[k] * g[k];
          for (int64_t j = 0; j < (s.linearBeforeReset ? G : 2 * H); ++j) acc = mac(acc, gg[j < 2 * H ? j : j + H], wh[j * H + k]);
          carry[k] = acc;
        }
      }
  }
  if (!s.inputGradient) return;
  // dx_t = sum over directions of W_ih^T [da_r, da_z, da_n]
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t t = 0; t < s.t; ++t)
      for (int64_t k = 0; k < I; ++k) {
        T acc = T(0);
        for (int64_t d = 0; d < D; ++d) {
          const T* gg = gateGrads + ((n * s.t + t) * D + d) * 4 * H;
          for (int64_t j = 0; j < G; ++j) acc = mac(acc, gg[j], wih[(d * G + j) * I + k]);
        }
        dx[(n * s.t + t) * I + k] = acc;
      }
}

// gateGrads [N][T][D][4H], gates [N][T][D][4H] (read only without linearBeforeReset), x [N][T][I],
// y [N][T][D*H] -> dwih [D][3H][I], dwhh [D][3H][H]
//   dW_ih = sum over steps of [da_r, da_z, da_n]^T x_t
//   dW_hh = sum over steps with a previous state of [da_r, da_z, da_n * r]^T h_prev
//           (linearBeforeReset), or of [da_r, da_z]^T h_prev for the r and z rows and da_n^T q for
//           the n rows (not)
template <class T>
void gruBackwardWeightReference(const GruShape& s, const T* gateGrads, const T* gates, const T* x, const T* y, T* dwih, T* dwhh) {
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 3 * H;
  for (int64_t d = 0; d < D; ++d)
    for (int64_t j = 0; j < G; ++j) {
      for (int64_t k = 0; k < I; ++k) {
        T acc = T(0);
        for (int64_t n = 0; n < s.n; ++n)
          for (int64_t t = 0; t < s.t; ++t) acc = mac(acc, gateGrads[((n * s.t + t) * D + d) * 4 * H + j], x[(n * s.t + t) * I + k]);
        dwih[(d * G + j) * I + k] = acc;
      }
      const int64_t col = j < 2 * H ? j : j + H;  // hidden side of the n gate: the fourth block
      const bool fromQ = !s.linearBeforeReset && j >= 2 * H;
      for (int64_t k = 0; k < H; ++k) {
        T acc = T(0);
        for (int64_t n = 0; n < s.n; ++n)
          for (int64_t step = 1; step < s.t; ++step) {
            const int64_t t = s.timeAt(d, step), tPrev = s.timeAt(d, step - 1);
            const T v = fromQ ? gates[((n * s.t + t) * D + d) * 4 * H + 3 * H + k] : y[(n * s.t + tPrev) * D * H + d * H + k];
            acc = mac(acc, gateGrads[((n * s.t + t) * D + d) * 4 * H + col], v);
          }
        dwhh[(d * G + j) * H + k] = acc;
      }
    }
}

// Where the summed gradient of gate column `col` (of gateGrads' last two axes, [D][4H]) goes: per
// direction, columns 0..2H (r, z) feed both biases, 2H..3H b_ih's n rows, 3H..4H b_hh's n rows.
// Shared by the CPU kernels and the CUDA one.
template <class T>
SJ_HOST_DEVICE inline void routeGruBiasGradient(int64_t col, int64_t H, T sum, T* dbih, T* dbhh) {
  const int64_t G = 3 * H, d = col / (4 * H), c = col % (4 * H);
  if (c < 2 * H) {
    dbih[d * G + c] = sum;
    dbhh[d * G + c] = sum;
  } else if (c < 3 * H) {
    dbih[d * G + c] = sum;
  } else {
    dbhh[d * G + c - H] = sum;
  }
}

// gateGrads [N][T][D][4H] -> dbih [D][3H], dbhh [D][3H]. The r and z rows of both biases get the
// same gradient, summed once.
template <class T>
void gruBackwardBiasReference(const GruShape& s, const T* gateGrads, T* dbih, T* dbhh) {
  const int64_t D = s.directions(), H = s.hidden;
  for (int64_t d = 0; d < D; ++d)
    for (int64_t c = 0; c < 4 * H; ++c) {
      T acc = T(0);
      for (int64_t row = 0; row < s.n * s.t; ++row) acc = acc + gateGrads[(row * D + d) * 4 * H + c];
      routeGruBiasGradient(d * 4 * H + c, H, acc, dbih, dbhh);
    }
}

// ---- CPU kernels (kernels/cpu/gru.cpp) -----------------------------------------------------------
// Same tensors as the reference loops. Biases may be null when !s.bias; dx may be null when
// !s.inputGradient. Deterministic: the result does not depend on the pool's thread count.

void gruForward(ThreadPool& pool, const GruShape& s, const float* x, const float* wih, const float* whh, const float* bih,
                const float* bhh, float* y, float* gates);
void gruBackwardInput(ThreadPool& pool, const GruShape& s, const float* dy, const float* y, const float* gates, const float* wih,
                      const float* whh, float* gateGrads, float* dx);
void gruBackwardWeight(ThreadPool& pool, const GruShape& s, const float* gateGrads, const float* gates, const float* x, const float* y,
                       float* dwih, float* dwhh);
void gruBackwardBias(ThreadPool& pool, const GruShape& s, const float* gateGrads, float* dbih, float* dbhh);

// ---- CUDA kernels (kernels/cuda/gru.cu) ----------------------------------------------------------
// One call = one layer, both directions.
//
// How the work is cut (kernels/cuda/gru.cu explains each kernel):
//   forward:         one GEMM on the shared SGEMM core for W_ih x over all steps and directions,
//                    then one launch per time step (both directions in it) that computes W_hh
//                    h_prev for its slice of hidden units and applies the gate equations in the
//                    same block;
//   backward-input:  W_hh transposed once (the permute kernel), then one launch per step (last to
//                    first) that computes W_hh^T [da_r, da_z, da_n r] of the later step for its
//                    slice of units and the gate gradients of this step; dx as one GEMM over all
//                    steps afterwards;
//   backward-weight: GEMMs over all steps (dW_ih; dW_hh one per direction), split along the steps
//                    by the core when the weights alone would not fill the GPU, the splits summed
//                    in a fixed order;
//   backward-bias:   the shared column sums of the gate gradients, in double, a fixed-order tree
//                    per column.
// No floating-point atomics anywhere: the same inputs give bit-identical outputs run to run.

namespace cuda {

void gruForward(CudaStream stream, const GruShape& s, const float* x, const float* wih, const float* whh, const float* bih,
                const float* bhh, float* y, float* gates);
void gruBackwardInput(CudaStream stream, const GruShape& s, const float* dy, const float* y, const float* gates, const float* wih,
                      const float* whh, float* gateGrads, float* dx);
void gruBackwardWeight(CudaStream stream, const GruShape& s, const float* gateGrads, const float* gates, const float* x, const float* y,
                       float* dwih, float* dwhh);
void gruBackwardBias(CudaStream stream, const GruShape& s, const float* gateGrads, float* dbih, float* dbhh);

}  // namespace cuda

}  // namespace sj
