// Layer normalisation (PyTorch LayerNorm, ONNX LayerNormalization): each row is normalised over
// its own D values, with one weight and bias per position of the row.
//
//   x           [R][D]   input; R = batch * the per-sample axes before the normalised ones,
//                        D = the product of the normalised (trailing) axes, E = R * D
//   weight      [D]      scale (affine only)
//   bias        [D]      shift (affine only)
//   mean, rstd  [R]      saved by the forward for the backward passes:
//                        mean of the row, 1 / sqrt(biased variance of the row + eps)
//   y           [R][D]   y = (x - mean) * rstd * weight + bias   (affine)
//                        y = (x - mean) * rstd                     (not affine)
//
// The statistics take two passes over the row (the mean, then the sum of squared deviations from
// it), as batchnorm2d's do: accurate when |mean| is large against the spread. The variance is the
// biased one (divided by D), as PyTorch and ONNX use; there are no running statistics, so training
// and inference are the same computation.
//
// Every pass recomputes what it needs from x and the saved mean and rstd (x-hat is not stored),
// and is counted as it runs. With g = dy * weight (or dy), x-hat = (x - mean) * rstd:
//   dx      = rstd * (g - mean_row(g) - x-hat * mean_row(g * x-hat))
//   dweight = sum over rows of dy * x-hat
//   dbias   = sum over rows of dy
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

struct LayerNormShape {
  int64_t rows = 1, cols = 1;  // R, D
  double eps = 1e-5;
  bool affine = true;

  int64_t size() const { return rows * cols; }  // E
  void validate() const;  // E_SHAPE unless R, D > 0; E_VALUE unless eps is positive and finite
  std::string describe() const;
};

Cost layernormForwardCost(const LayerNormShape& s);
Cost layernormBackwardInputCost(const LayerNormShape& s);
Cost layernormBackwardWeightCost(const LayerNormShape& s);  // affine only
Cost layernormBackwardBiasCost(const LayerNormShape& s);    // affine only

// ---- reference loops -------------------------------------------------------------------------
// weight and bias are read only when affine (they may be null otherwise).

template <class T>
void layernormForwardReference(const LayerNormShape& s, const T* x, const T* weight, const T* bias, T* mean, T* rstd, T* y) {
  const int64_t D = s.cols;
  for (int64_t r = 0; r < s.rows; ++r) {
    const T* xr = x + r * D;
    T sum = T(0);
    for (int64_t d = 0; d < D; ++d) sum = sum + xr[d];
    const T mu = sum / T(static_cast<double>(D));
    T squares = T(0);
    for (int64_t d = 0; d < D; ++d) {
      const T dev = xr[d] - mu;
      squares = mac(squares, dev, dev);
    }
    const T rs = T(1) / sqrt(squares / T(static_cast<double>(D)) + T(s.eps));
    mean[r] = mu;
    rstd[r] = rs;
    T* yr = y + r * D;
    for (int64_t d = 0; d < D; ++d) yr[d] = s.affine ? (xr[d] - mu) * rs * weight[d] + bias[d] : (xr[d] - mu) * rs;
  }
}

// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * weight (affine) or dy
template <class T>
void layernormBackwardInputReference(const LayerNormShape& s, const T* dy, const T* x, const T* weight, const T* mean, const T* rstd, T* dx) {
  const int64_t D = s.cols;
  for (int64_t r = 0; r < s.rows; ++r) {
    const T* g = dy + r * D;
    const T* xr = x + r * D;
    const T mu = mean[r], rs = rstd[r];
    T sumG = T(0), sumGXhat = T(0);
    for (int64_t d = 0; d < D; ++d) {
      const T gd = s.affine ? g[d] * weight[d] : g[d];
      sumG = sumG + gd;
      sumGXhat = mac(sumGXhat, gd, (xr[d] - mu) * rs);
    }
    const T meanG = sumG / T(static_cast<double>(D)), meanGXhat = sumGXhat / T(static_cast<double>(D));
    T* out = dx + r * D;
    for (int64_t d = 0; d < D; ++d) {
      const T gd = s.affine ? g[d] * weight[d] : g[d];
      out[d] = (gd - meanG - (xr[d] - mu) * rs * meanGXhat) * rs;
    }
  }
}

// dweight[d] = sum over rows of dy * (x - mean) * rstd
template <class T>
void layernormBackwardWeightReference(const LayerNormShape& s, const T* dy, const T* x, const T* mean, const T* rstd, T* dweight) {
  const int64_t D = s.cols;
  for (int64_t d = 0; d < D; ++d) {
    T acc = T(0);
    for (int64_t r = 0; r < s.rows; ++r) acc = mac(acc, dy[r * D + d], (x[r * D + d] - mean[r]) * rstd[r]);
    dweight[d] = acc;
  }
}

// dbias[d] = sum over rows of dy
template <class T>
void layernormBackwardBiasReference(const LayerNormShape& s, const T* dy, T* dbias) {
  const int64_t D = s.cols;
  for (int64_t d = 0; d < D; ++d) {
    T acc = T(0);
    for (int64_t r = 0; r < s.rows; ++r) acc = acc + dy[r * D + d];
    dbias[d] = acc;
  }
}

// ---- CPU kernels (kernels/cpu/layernorm.cpp) -----------------------------------------------------

void layernormForward(ThreadPool& pool, const LayerNormShape& s, const float* x, const float* weight, const float* bias, float* mean,
                      float* rstd, float* y);
void layernormBackwardInput(ThreadPool& pool, const LayerNormShape& s, const float* dy, const float* x, const float* weight, const float* mean,
                            const float* rstd, float* dx);
void layernormBackwardWeight(ThreadPool& pool, const LayerNormShape& s, const float* dy, const float* x, const float* mean, const float* rstd,
                             float* dweight);
void layernormBackwardBias(ThreadPool& pool, const LayerNormShape& s, const float* dy, float* dbias);

// ---- CUDA kernels (kernels/cuda/layernorm.cu) ----------------------------------------------------
// All pointers are device memory.

namespace cuda {

void layernormForward(CudaStream stream, const LayerNormShape& s, const float* x, const float* weight, const float* bias, float* mean,
                      float* rstd, float* y);
void layernormBackwardInput(CudaStream stream, const LayerNormShape& s, const float* dy, const float* x, const float* weight,
                            const float* mean, const float* rstd, float* dx);
void layernormBackwardWeight(CudaStream stream, const LayerNormShape& s, const float* dy, const float* x, const float* mean,
                             const float* rstd, float* dweight);
void layernormBackwardBias(CudaStream stream, const LayerNormShape& s, const float* dy, float* dbias);

}  // namespace cuda

}  // namespace sj
