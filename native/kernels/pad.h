// Constant padding of a tensor on any of its axes (ONNX Pad, mode "constant"; numpy.pad with
// constant_values), forward and backward.
//
//   x   [X]   a whole tensor (the batch included), rank <= kConstantPadMaxRank
//   y   [Y]   Y[d] = begin[d] + X[d] + end[d]; y = x where the coordinates minus begin fall inside
//             x, `value` elsewhere
//   dy  [Y]
//   dx  [X]   dx = dy at the same element of y (the padding's gradient goes nowhere)
//
// (The front end's padding of a clip to a fixed length is kernels/pad_crop.h; this is the layers'.)
// A copy: no FLOPs. The forward reads x and writes y; the backward reads the X elements of dy that
// x feeds and writes dx.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/cost.h"
#include "core/host_device.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"

namespace sj {

constexpr int kConstantPadMaxRank = 8;

struct ConstantPadShape {
  int rank = 1;
  int64_t x[kConstantPadMaxRank] = {1}, begin[kConstantPadMaxRank] = {0}, y[kConstantPadMaxRank] = {1};
  float value = 0.f;

  void validate() const;  // E_SHAPE naming the shape
  std::string describe() const;
  SJ_HOST_DEVICE int64_t inputSize() const { return count(x); }
  SJ_HOST_DEVICE int64_t outputSize() const { return count(y); }

 private:
  SJ_HOST_DEVICE int64_t count(const int64_t* d) const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= d[i];
    return n;
  }
};

// x padded by begin[d] before and end[d] after each axis d; E_VALUE for a negative pad.
ConstantPadShape constantPadShape(const std::vector<int64_t>& x, const std::vector<int64_t>& begin, const std::vector<int64_t>& end, float value);

// The offset in x of output element e, or -1 where e is padding.
SJ_HOST_DEVICE inline int64_t constantPadSource(const ConstantPadShape& s, int64_t e) {
  int64_t offset = 0, stride = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    const int64_t c = e % s.y[d] - s.begin[d];
    e /= s.y[d];
    if (c < 0 || c >= s.x[d]) return -1;
    offset += c * stride;
    stride *= s.x[d];
  }
  return offset;
}

// The offset in y of input element i.
SJ_HOST_DEVICE inline int64_t constantPadTarget(const ConstantPadShape& s, int64_t i) {
  int64_t offset = 0, stride = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    offset += (i % s.x[d] + s.begin[d]) * stride;
    i /= s.x[d];
    stride *= s.y[d];
  }
  return offset;
}

Cost constantPadForwardCost(const ConstantPadShape& s);
Cost constantPadBackwardInputCost(const ConstantPadShape& s);

// ---- reference loops -------------------------------------------------------------------------

template <class T>
void constantPadForwardReference(const ConstantPadShape& s, const T* x, T* y) {
  for (int64_t e = 0; e < s.outputSize(); ++e) {
    const int64_t from = constantPadSource(s, e);
    y[e] = from < 0 ? T(s.value) : x[from];
  }
}

template <class T>
void constantPadBackwardInputReference(const ConstantPadShape& s, const T* dy, T* dx) {
  for (int64_t i = 0; i < s.inputSize(); ++i) dx[i] = dy[constantPadTarget(s, i)];
}

// ---- CPU kernels (kernels/cpu/pad.cpp) -----------------------------------------------------------

void constantPadForward(ThreadPool& pool, const ConstantPadShape& s, const float* x, float* y);
void constantPadBackwardInput(ThreadPool& pool, const ConstantPadShape& s, const float* dy, float* dx);

// ---- CUDA kernels (kernels/cuda/pad.cu) ----------------------------------------------------------
// One thread per output element (forward) and per input element (backward): gathers, no atomics.

namespace cuda {

void constantPadForward(CudaStream stream, const ConstantPadShape& s, const float* x, float* y);
void constantPadBackwardInput(CudaStream stream, const ConstantPadShape& s, const float* dy, float* dx);

}  // namespace cuda

}  // namespace sj
