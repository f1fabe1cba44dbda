// 2-D batch normalisation (PyTorch BatchNorm2d, affine, tracking running statistics).
//
//   x            [N][C][H][W]   input;  m = N*H*W values per channel, E = N*C*H*W
//   gamma, beta  [C]            scale and shift
//   runningMean  [C]            updated in place by the training forward, read in inference
//   runningVar   [C]            likewise (the unbiased variance is tracked, as in PyTorch)
//   mean, rstd   [C]            saved by the forward for the backward passes:
//                                 training:  batch mean and 1/sqrt(biased batch variance + eps)
//                                 inference: runningMean and 1/sqrt(runningVar + eps)
//   y            [N][C][H][W]   y = (x - mean) * (gamma * rstd) + beta
//
// Training computes the statistics in two passes (mean, then the sum of squared deviations), which
// stays accurate when |mean| is large against the spread. PyTorch rejects training with a single
// value per channel (the unbiased variance divides by m - 1 = 0), and so does validate().
//
// Every pass recomputes what it needs from x and the saved mean/rstd: nothing else is cached, and
// each pass is counted on its own, as it runs. The backward passes other than backward-input are
// the same in both modes, given the saved mean and rstd.
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

struct BatchNorm2dShape {
  int64_t n = 1, c = 1, h = 1, w = 1;
  double eps = 1e-5;
  double momentum = 0.1;  // running = (1 - momentum) * running + momentum * batch statistic
  bool training = true;   // batch statistics (and running-statistic updates) or running statistics

  int64_t perChannel() const { return n * h * w; }  // m
  int64_t size() const { return n * c * h * w; }    // E
  void validate() const;  // E_SHAPE for a dimension (or m = 1 in training), E_VALUE for eps or momentum
  std::string describe() const;
};

Cost batchnorm2dForwardCost(const BatchNorm2dShape& s);
Cost batchnorm2dBackwardInputCost(const BatchNorm2dShape& s);
Cost batchnorm2dBackwardWeightCost(const BatchNorm2dShape& s);
Cost batchnorm2dBackwardBiasCost(const BatchNorm2dShape& s);

// ---- reference loops -------------------------------------------------------------------------

// Training: mean, rstd from the batch; runningMean/runningVar updated in place.
// Inference: mean = runningMean, rstd = 1/sqrt(runningVar + eps); running statistics untouched.
// Both: y = (x - mean) * (gamma * rstd) + beta.
template <class T>
void batchnorm2dForwardReference(const BatchNorm2dShape& s, const T* x, const T* gamma, const T* beta, T* runningMean, T* runningVar,
                                 T* mean, T* rstd, T* y) {
  const int64_t plane = s.h * s.w, m = s.perChannel();
  for (int64_t c = 0; c < s.c; ++c) {
    T mu, r;
    if (s.training) {
      T sum = T(0);
      for (int64_t n = 0; n < s.n; ++n)
        for (int64_t i = 0; i < plane; ++i) sum = sum + x[(n * s.c + c) * plane + i];
      mu = sum / T(static_cast<double>(m));
      T squares = T(0);
      for (int64_t n = 0; n < s.n; ++n)
        for (int64_t i = 0; i < plane; ++i) {
          const T d = x[(n * s.c + c) * plane + i] - mu;
          squares = mac(squares, d, d);
        }
      r = T(1) / sqrt(squares / T(static_cast<double>(m)) + T(s.eps));
      runningMean[c] = T(1.0 - s.momentum) * runningMean[c] + T(s.momentum) * mu;
      runningVar[c] = T(1.0 - s.momentum) * runningVar[c] + T(s.momentum) * (squares / T(static_cast<double>(m - 1)));
    } else {
      mu = runningMean[c];
      r = T(1) / sqrt(runningVar[c] + T(s.eps));
    }
    mean[c] = mu;
    rstd[c] = r;
    const T a = gamma[c] * r;
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t i = 0; i < plane; ++i) {
        const int64_t at = (n * s.c + c) * plane + i;
        y[at] = (x[at] - mu) * a + beta[c];
      }
  }
}

// Training (through the batch statistics), with xhat = (x - mean) * rstd:
//   dx = gamma * rstd * (dy - mean(dy) - xhat * mean(dy * xhat))
// Inference (statistics are constants): dx = dy * gamma * rstd; x and mean are not read.
template <class T>
void batchnorm2dBackwardInputReference(const BatchNorm2dShape& s, const T* dy, const T* x, const T* gamma, const T* mean, const T* rstd,
                                       T* dx) {
  const int64_t plane = s.h * s.w, m = s.perChannel();
  for (int64_t c = 0; c < s.c; ++c) {
    const T scale = gamma[c] * rstd[c];
    if (!s.training) {
      for (int64_t n = 0; n < s.n; ++n)
        for (int64_t i = 0; i < plane; ++i) dx[(n * s.c + c) * plane + i] = dy[(n * s.c + c) * plane + i] * scale;
      continue;
    }
    T sumDy = T(0), sumDyDev = T(0);  // sum dy, sum dy * (x - mean)
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t i = 0; i < plane; ++i) {
        const int64_t at = (n * s.c + c) * plane + i;
        sumDy = sumDy + dy[at];
        sumDyDev = mac(sumDyDev, dy[at], x[at] - mean[c]);
      }
    const T meanDy = sumDy / T(static_cast<double>(m));
    const T k = sumDyDev * rstd[c] * rstd[c] / T(static_cast<double>(m));  // mean(dy * xhat) * rstd
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t i = 0; i < plane; ++i) {
        const int64_t at = (n * s.c + c) * plane + i;
        dx[at] = (dy[at] - meanDy - (x[at] - mean[c]) * k) * scale;
      }
  }
}

// dgamma[c] = sum over n, h, w of dy * (x - mean) * rstd
template <class T>
void batchnorm2dBackwardWeightReference(const BatchNorm2dShape& s, const T* dy, const T* x, const T* mean, const T* rstd, T* dgamma) {
  const int64_t plane = s.h * s.w;
  for (int64_t c = 0; c < s.c; ++c) {
    T acc = T(0);
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t i = 0; i < plane; ++i) {
        const int64_t at = (n * s.c + c) * plane + i;
        acc = mac(acc, dy[at], x[at] - mean[c]);
      }
    dgamma[c] = acc * rstd[c];
  }
}

// dbeta[c] = sum over n, h, w of dy
template <class T>
void batchnorm2dBackwardBiasReference(const BatchNorm2dShape& s, const T* dy, T* dbeta) {
  const int64_t plane = s.h * s.w;
  for (int64_t c = 0; c < s.c; ++c) {
    T acc = T(0);
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t i = 0; i < plane; ++i) acc = acc + dy[(n * s.c + c) * plane + i];
    dbeta[c] = acc;
  }
}

// ---- CPU kernels (kernels/cpu/batchnorm2d.cpp) ---------------------------------------------------

void batchnorm2dForward(ThreadPool& pool, const BatchNorm2dShape& s, const float* x, const float* gamma, const float* beta,
                        float* runningMean, float* runningVar, float* mean, float* rstd, float* y);
void batchnorm2dBackwardInput(ThreadPool& pool, const BatchNorm2dShape& s, const float* dy, const float* x, const float* gamma,
                              const float* mean, const float* rstd, float* dx);
void batchnorm2dBackwardWeight(ThreadPool& pool, const BatchNorm2dShape& s, const float* dy, const float* x, const float* mean,
                               const float* rstd, float* dgamma);
void batchnorm2dBackwardBias(ThreadPool& pool, const BatchNorm2dShape& s, const float* dy, float* dbeta);

// ---- CUDA kernels (kernels/cuda/batchnorm2d.cu) --------------------------------------------------
// All pointers are device memory.

namespace cuda {

void batchnorm2dForward(CudaStream stream, const BatchNorm2dShape& s, const float* x, const float* gamma, const float* beta,
                        float* runningMean, float* runningVar, float* mean, float* rstd, float* y);
void batchnorm2dBackwardInput(CudaStream stream, const BatchNorm2dShape& s, const float* dy, const float* x, const float* gamma,
                              const float* mean, const float* rstd, float* dx);
void batchnorm2dBackwardWeight(CudaStream stream, const BatchNorm2dShape& s, const float* dy, const float* x, const float* mean,
                               const float* rstd, float* dgamma);
void batchnorm2dBackwardBias(CudaStream stream, const BatchNorm2dShape& s, const float* dy, float* dbeta);

}  // namespace cuda

}  // namespace sj
