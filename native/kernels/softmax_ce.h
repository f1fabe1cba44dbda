// Softmax cross-entropy from logits (torch.nn.CrossEntropyLoss with class-probability targets),
// forward and backward, mean over the rows. Each row is one sample's scores over C classes (the
// last per-sample axis), softmax and log fused through a stable log-sum-exp:
//
//   lse_r  = m + log sum_c exp(x_rc - m),  m = max_c x_rc
//   loss_r = sum_c t_rc (lse_r - x_rc)           (= -sum_c t_rc log softmax(x_r)_c)
//   loss   = sum_r loss_r / R
//   dx_rc  = (softmax(x_r)_c * sum_c' t_rc' - t_rc) * g / R   (softmax_c - t_c for a one-hot row)
//
//   x    [R][C]   logits
//   t    [R][C]   targets: one-hot rows or class probabilities (each in [0, 1]: the network checks
//                 them as for BCE); not differentiated
//   loss [1], g [1], dx [R][C]
//
// Per row, forward: 5C - 1 flops, C + 1 transcendentals (C exps, 1 log), C - 1 comparisons (the
// max); then R - 1 adds and 1 divide for the mean. Backward: g / R once (1 flop), then per row
// 6C - 1 flops, C exps, C - 1 comparisons.
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

struct SoftmaxCeShape {
  int64_t rows = 1;     // R: samples times any leading per-sample axes
  int64_t classes = 1;  // C
  int64_t size() const { return rows * classes; }
  void validate() const;  // E_SHAPE unless R > 0 and C > 1
  std::string describe() const;
};

Cost softmaxCeForwardCost(const SoftmaxCeShape& s);
Cost softmaxCeBackwardInputCost(const SoftmaxCeShape& s);

// ---- reference loops -------------------------------------------------------------------------

// loss_r of one row: x, t [C]. Shared by the reference and the CPU kernel.
template <class T>
T softmaxCeRowLoss(int64_t C, const T* x, const T* t) {
  T top = x[0];
  for (int64_t c = 1; c < C; ++c) top = maxOf(top, x[c]);
  T sum = exp(x[0] - top);
  for (int64_t c = 1; c < C; ++c) sum = sum + exp(x[c] - top);
  const T lse = top + log(sum);
  T loss = t[0] * (lse - x[0]);
  for (int64_t c = 1; c < C; ++c) loss = loss + t[c] * (lse - x[c]);
  return loss;
}

// dx of one row for the scale g / R: x, t, dx [C]. Shared by the reference and the CPU kernel.
template <class T>
void softmaxCeRowGradient(int64_t C, const T* x, const T* t, T scale, T* dx) {
  T top = x[0];
  for (int64_t c = 1; c < C; ++c) top = maxOf(top, x[c]);
  for (int64_t c = 0; c < C; ++c) dx[c] = exp(x[c] - top);
  T sum = dx[0], targets = t[0];
  for (int64_t c = 1; c < C; ++c) sum = sum + dx[c];
  for (int64_t c = 1; c < C; ++c) targets = targets + t[c];
  const T k = targets / sum;  // softmax_c * sum t = exp_c * k
  for (int64_t c = 0; c < C; ++c) dx[c] = (dx[c] * k - t[c]) * scale;
}

template <class T>
void softmaxCeForwardReference(const SoftmaxCeShape& s, const T* x, const T* t, T* loss) {
  T sum = softmaxCeRowLoss(s.classes, x, t);
  for (int64_t r = 1; r < s.rows; ++r) sum = sum + softmaxCeRowLoss(s.classes, x + r * s.classes, t + r * s.classes);
  loss[0] = sum / T(static_cast<double>(s.rows));
}

template <class T>
void softmaxCeBackwardInputReference(const SoftmaxCeShape& s, const T* x, const T* t, const T* g, T* dx) {
  const T scale = g[0] / T(static_cast<double>(s.rows));
  for (int64_t r = 0; r < s.rows; ++r) softmaxCeRowGradient(s.classes, x + r * s.classes, t + r * s.classes, scale, dx + r * s.classes);
}

// ---- CPU kernels (kernels/cpu/softmax_ce.cpp) ----------------------------------------------------
// The loss sums the rows in double over fixed blocks of rows, the block sums added in block order:
// the result does not depend on the thread count.
void softmaxCeForward(ThreadPool& pool, const SoftmaxCeShape& s, const float* x, const float* t, float* loss);
void softmaxCeBackwardInput(ThreadPool& pool, const SoftmaxCeShape& s, const float* x, const float* t, const float* g, float* dx);

// ---- CUDA kernels (kernels/cuda/softmax_ce.cu) ---------------------------------------------------
// All pointers are device memory (loss and g [1] each). One thread per row; the row losses are
// summed in row order in double by one thread (the batch is small): bit-identical run to run.
namespace cuda {

void softmaxCeForward(CudaStream stream, const SoftmaxCeShape& s, const float* x, const float* t, float* loss);
void softmaxCeBackwardInput(CudaStream stream, const SoftmaxCeShape& s, const float* x, const float* t, const float* g, float* dx);

}  // namespace cuda

}  // namespace sj
