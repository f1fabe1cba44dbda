// The gated linear unit of the DCASE task 4 baseline (DESED_task, desed_task/nnet/CNN.py, class
// GLU): a linear map over the channels at every position, gated by the sigmoid of the input.
//
//   x    [N][C][H][W]   input; P = H*W positions, E = N*C*P
//   w    [C][C]         weight, [Cout][Cin] (nn.Linear(C, C) applied to x.permute(0, 2, 3, 1))
//   b    [C]            bias (optional; the baseline has one)
//   lin  [N][C][H][W]   lin[n][co][p] = sum over ci of w[co][ci] * x[n][ci][p] + b[co]
//   sig  [N][C][H][W]   sig = sigmoid(x), the overflow-free sigmoidOf of sigmoid.h
//   y    [N][C][H][W]   y = lin * sig
//
// The forward saves lin and sig; the backward passes read them instead of recomputing:
//   g  = dy * sig                            (the gradient of lin)
//   dx = w^T g + dy * lin * sig * (1 - sig)  = w^T g + g * lin * (1 - sig)
//   dw = sum over n, p of g x^T;  db = sum over n, p of g
// The fast kernels feed g to the packed GEMM through a packer that multiplies while it packs, so
// g is never stored.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"
#include "kernels/sigmoid.h"

namespace sj {

struct GluShape {
  int64_t n = 1, c = 1, h = 1, w = 1;
  bool bias = true;

  int64_t size() const { return n * c * h * w; }  // E
  int64_t weightSize() const { return c * c; }
  void validate() const;  // E_SHAPE naming the offending dimension
  std::string describe() const;
};

Cost gluForwardCost(const GluShape& s);
Cost gluBackwardInputCost(const GluShape& s);
Cost gluBackwardWeightCost(const GluShape& s);
Cost gluBackwardBiasCost(const GluShape& s);

// ---- reference loops -------------------------------------------------------------------------

// lin = w . x + b over channels, sig = sigmoid(x), y = lin * sig
template <class T>
void gluForwardReference(const GluShape& s, const T* x, const T* w, const T* b, T* lin, T* sig, T* y) {
  const int64_t plane = s.h * s.w;
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t co = 0; co < s.c; ++co)
      for (int64_t p = 0; p < plane; ++p) {
        T acc = T(0);
        for (int64_t ci = 0; ci < s.c; ++ci) acc = mac(acc, w[co * s.c + ci], x[(n * s.c + ci) * plane + p]);
        const int64_t at = (n * s.c + co) * plane + p;
        lin[at] = s.bias ? acc + b[co] : acc;
        sig[at] = sigmoidOf(x[at]);
        y[at] = lin[at] * sig[at];
      }
}

// dx = w^T (dy * sig) + dy * lin * sig * (1 - sig)
template <class T>
void gluBackwardInputReference(const GluShape& s, const T* dy, const T* w, const T* lin, const T* sig, T* dx) {
  const int64_t plane = s.h * s.w, e = s.size();
  std::vector<T> g(e);
  for (int64_t i = 0; i < e; ++i) {
    g[i] = dy[i] * sig[i];
    dx[i] = g[i] * lin[i] * (T(1) - sig[i]);
  }
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t ci = 0; ci < s.c; ++ci)
      for (int64_t p = 0; p < plane; ++p) {
        T acc = dx[(n * s.c + ci) * plane + p];
        for (int64_t co = 0; co < s.c; ++co) acc = mac(acc, w[co * s.c + ci], g[(n * s.c + co) * plane + p]);
        dx[(n * s.c + ci) * plane + p] = acc;
      }
}

// dw[co][ci] = sum over n, p of dy[n][co][p] * sig[n][co][p] * x[n][ci][p]
template <class T>
void gluBackwardWeightReference(const GluShape& s, const T* dy, const T* sig, const T* x, T* dw) {
  const int64_t plane = s.h * s.w, e = s.size();
  std::vector<T> g(e);
  for (int64_t i = 0; i < e; ++i) g[i] = dy[i] * sig[i];
  for (int64_t co = 0; co < s.c; ++co)
    for (int64_t ci = 0; ci < s.c; ++ci) {
      T acc = T(0);
      for (int64_t n = 0; n < s.n; ++n)
        for (int64_t p = 0; p < plane; ++p) acc = mac(acc, g[(n * s.c + co) * plane + p], x[(n * s.c + ci) * plane + p]);
      dw[co * s.c + ci] = acc;
    }
}

// db[co] = sum over n, p of dy * sig
template <class T>
void gluBackwardBiasReference(const GluShape& s, const T* dy, const T* sig, T* db) {
  const int64_t plane = s.h * s.w;
  for (int64_t co = 0; co < s.c; ++co) {
    T acc = T(0);
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t p = 0; p < plane; ++p) acc = mac(acc, dy[(n * s.c + co) * plane + p], sig[(n * s.c + co) * plane + p]);
    db[co] = acc;
  }
}

// ---- CPU kernels (kernels/cpu/glu.cpp) -----------------------------------------------------------

void gluForward(ThreadPool& pool, const GluShape& s, const float* x, const float* w, const float* b, float* lin, float* sig, float* y);
void gluBackwardInput(ThreadPool& pool, const GluShape& s, const float* dy, const float* w, const float* lin, const float* sig, float* dx);
void gluBackwardWeight(ThreadPool& pool, const GluShape& s, const float* dy, const float* sig, const float* x, float* dw);
void gluBackwardBias(ThreadPool& pool, const GluShape& s, const float* dy, const float* sig, float* db);

// ---- CUDA kernels (kernels/cuda/glu.cu) ----------------------------------------------------------
// The channel mix is a GEMM on the tiled SGEMM core of kernels/cuda/gemm_tile.cuh; the gate, the bias and the
// element-wise terms of the gradient are applied as its tiles load and store.

namespace cuda {

void gluForward(CudaStream stream, const GluShape& s, const float* x, const float* w, const float* b, float* lin, float* sig, float* y);
void gluBackwardInput(CudaStream stream, const GluShape& s, const float* dy, const float* w, const float* lin, const float* sig, float* dx);
void gluBackwardWeight(CudaStream stream, const GluShape& s, const float* dy, const float* sig, const float* x, float* dw);
void gluBackwardBias(CudaStream stream, const GluShape& s, const float* dy, const float* sig, float* db);

}  // namespace cuda

}  // namespace sj
