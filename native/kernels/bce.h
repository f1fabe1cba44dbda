// Binary cross-entropy, mean over all E elements, forward and backward, in two variants:
//
//   from logits (torch.nn.BCEWithLogitsLoss), sigmoid fused and overflow-free:
//     loss_i = max(x, 0) - x*t + log1p(exp(-|x|))
//     dx_i   = (sigmoid(x) - t) * g / E
//   from probabilities (torch.nn.BCELoss), logs clamped at -100 and the gradient's denominator
//   at 1e-12 as ATen does (aten/src/ATen/native/Loss.cpp):
//     loss_i = (t - 1) * max(log1p(-p), -100) - t * max(log p, -100)
//     dx_i   = (p - t) * (g / E) / max((1 - p) * p, 1e-12)
//
//   x    [E]   logits, or probabilities p in [0, 1]
//   t    [E]   targets in [0, 1] (soft labels allowed); not differentiated
//   loss [1]   mean of loss_i
//   g    [1]   upstream gradient of loss
//   dx   [E]
//
// Per element, forward: logits 4 flops + 2 transcendentals + 2 comparisons, probabilities
// 5 flops + 2 transcendentals + 2 comparisons; then E - 1 adds and 1 divide for the mean.
// Backward: g / E once (1 flop), then per element logits sigmoid + 2 flops, probabilities
// 5 flops + 1 comparison.
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"
#include "kernels/sigmoid.h"

namespace sj {

struct BceShape {
  int64_t size = 1;    // E
  bool logits = true;  // true: x are logits (fused sigmoid); false: x are probabilities

  void validate() const;  // E_SHAPE unless E > 0
  std::string describe() const;
};

// E_VALUE naming the first offending element: a target outside [0, 1] or NaN, or (probabilities)
// an input outside [0, 1] or NaN, which torch.nn.BCELoss rejects too. The fast forward runs the
// same check as it goes.
void bceCheckValues(const BceShape& s, const float* x, const float* t);
// The same check over elements [begin, end) only (the fast forward checks its blocks).
void bceCheckValues(const BceShape& s, const float* x, const float* t, int64_t begin, int64_t end);
// Index of the first value in [begin, end) outside [0, 1] (NaN included), or -1: the rule for
// targets, and for probabilities fed to the probability variant.
int64_t firstOutsideUnitInterval(const float* v, int64_t begin, int64_t end);

Cost bceForwardCost(const BceShape& s);
Cost bceBackwardInputCost(const BceShape& s);

// ---- reference loops -------------------------------------------------------------------------

template <class T>
T bceElementLoss(bool logits, T x, T t) {
  if (logits) return maxOf(x, T(0)) - x * t + log1p(exp(-absValue(x)));
  return (t - T(1)) * maxOf(log1p(-x), T(-100)) - t * maxOf(log(x), T(-100));
}

template <class T>
void bceForwardReference(const BceShape& s, const T* x, const T* t, T* loss) {
  T sum = bceElementLoss(s.logits, x[0], t[0]);
  for (int64_t i = 1; i < s.size; ++i) sum = sum + bceElementLoss(s.logits, x[i], t[i]);
  loss[0] = sum / T(static_cast<double>(s.size));
}

constexpr double kBceGradientEpsilon = 1e-12;

template <class T>
void bceBackwardInputReference(const BceShape& s, const T* x, const T* t, const T* g, T* dx) {
  const T scale = g[0] / T(static_cast<double>(s.size));
  for (int64_t i = 0; i < s.size; ++i) {
    if (s.logits) {
      dx[i] = (sigmoidOf(x[i]) - t[i]) * scale;
    } else {
      dx[i] = (x[i] - t[i]) * scale / maxOf((T(1) - x[i]) * x[i], T(kBceGradientEpsilon));
    }
  }
}

// ---- CPU kernels (kernels/cpu/bce.cpp) -----------------------------------------------------------

// The sum is accumulated in double over fixed blocks of elements whose partial sums are added in
// block order, so the result does not depend on the thread count.
void bceForward(ThreadPool& pool, const BceShape& s, const float* x, const float* t, float* loss);
void bceBackwardInput(ThreadPool& pool, const BceShape& s, const float* x, const float* t, const float* g, float* dx);

// ---- CUDA kernels (kernels/cuda/bce.cu) ----------------------------------------------------------
// All pointers are device memory, loss and g included ([1] each).
//
// No value check on the device (it would need a host synchronisation): the network checks the
// targets on the host before they are copied (Network::checkInputs), and the probabilities of the
// "bce" loss come from a sigmoid. A probability outside [0, 1] gives a NaN loss here.

namespace cuda {

// The mean is a deterministic two-pass sum: fixed chunks of elements summed in double by one block
// each, then the chunk sums in chunk order by one block. Bit-identical run to run.
void bceForward(CudaStream stream, const BceShape& s, const float* x, const float* t, float* loss);
void bceBackwardInput(CudaStream stream, const BceShape& s, const float* x, const float* t, const float* g, float* dx);

}  // namespace cuda

}  // namespace sj
