// Reduction of a tensor over any set of its axes: sum, mean or max, forward and backward (ONNX
// ReduceSum, ReduceMean, ReduceMax; numpy's sum/mean/max with a tuple of axes).
//
//   x   [X]    a whole tensor (the batch included), rank <= kReduceMaxRank
//   y   [Y]    Y: X's kept axes (a reduced axis becomes 1, or goes: the layout is the same)
//              sum:  y[o] = sum over r of x[o, r]        (r: the n = product of reduced axes)
//              mean: y[o] = (sum over r of x[o, r]) * (1/n)
//              max:  y[o] = max over r of x[o, r]
//   dy  [Y]    upstream gradient
//   dx  [X]    sum: dy[o]; mean: dy[o] * (1/n); max: dy[o] at the first maximal element of x[o, :]
//              (in row-major order of the reduced axes), 0 elsewhere
//
// Ties under max: the gradient goes to the first maximal element only, as PyTorch's max(dim) does
// (it returns the index of the first maximal value); PyTorch's amax spreads it evenly over the ties
// instead. The two agree wherever the maximum is unique.
//
// Cost per output (n values each), counted as mean.h does: sum n adds (from 0); mean one reciprocal
// per call, n adds and a scale; max n - 1 comparisons. Backward: sum a copy (no FLOPs); mean one
// reciprocal and a multiply per input element; max n - 1 comparisons to find the element again.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/cost.h"
#include "core/host_device.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

enum class ReduceOp { Sum, Mean, Max };
const char* reduceOpName(ReduceOp op);

constexpr int kReduceMaxRank = 8;

struct ReduceShape {
  ReduceOp op = ReduceOp::Sum;
  int rank = 1;
  int64_t x[kReduceMaxRank] = {1};
  bool reduced[kReduceMaxRank] = {false};

  void validate() const;  // E_SHAPE naming the offending dimension
  std::string describe() const;
  SJ_HOST_DEVICE int64_t size() const { return count(false) * count(true); }
  SJ_HOST_DEVICE int64_t outputs() const { return count(false); }
  SJ_HOST_DEVICE int64_t n() const { return count(true); }

 private:
  SJ_HOST_DEVICE int64_t count(bool ofReduced) const {
    int64_t c = 1;
    for (int d = 0; d < rank; ++d)
      if (reduced[d] == ofReduced) c *= x[d];
    return c;
  }
};

// The shape of a reduction of x over `axes` (of the whole tensor, each once, 0-based).
ReduceShape reduceShape(ReduceOp op, const std::vector<int64_t>& x, const std::vector<int>& axes);

// Offset in x of the r-th element (row-major over the reduced axes) of output o (row-major over
// the kept axes).
SJ_HOST_DEVICE inline int64_t reduceOffset(const ReduceShape& s, int64_t o, int64_t r) {
  int64_t offset = 0, stride = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    int64_t& index = s.reduced[d] ? r : o;
    offset += (index % s.x[d]) * stride;
    index /= s.x[d];
    stride *= s.x[d];
  }
  return offset;
}

Cost reduceForwardCost(const ReduceShape& s);
Cost reduceBackwardInputCost(const ReduceShape& s);

// ---- reference loops -------------------------------------------------------------------------

template <class T>
void reduceForwardReference(const ReduceShape& s, const T* x, T* y) {
  const int64_t n = s.n();
  if (s.op == ReduceOp::Max) {
    for (int64_t o = 0; o < s.outputs(); ++o) {
      T top = x[reduceOffset(s, o, 0)];
      for (int64_t r = 1; r < n; ++r) top = maxOf(top, x[reduceOffset(s, o, r)]);
      y[o] = top;
    }
    return;
  }
  const T scale = s.op == ReduceOp::Mean ? T(1) / T(static_cast<double>(n)) : T(1);
  for (int64_t o = 0; o < s.outputs(); ++o) {
    T acc = T(0);
    for (int64_t r = 0; r < n; ++r) acc = acc + x[reduceOffset(s, o, r)];
    y[o] = s.op == ReduceOp::Mean ? acc * scale : acc;
  }
}

// The r of the first maximal element of output o's values.
template <class T>
int64_t reduceArgmax(const ReduceShape& s, const T* x, int64_t o) {
  int64_t best = 0;
  T top = x[reduceOffset(s, o, 0)];
  for (int64_t r = 1; r < s.n(); ++r) {
    const T v = x[reduceOffset(s, o, r)];
    if (v > top) top = v, best = r;
  }
  return best;
}

// x is read by max only.
template <class T>
void reduceBackwardInputReference(const ReduceShape& s, const T* x, const T* dy, T* dx) {
  const int64_t n = s.n();
  const T scale = s.op == ReduceOp::Mean ? T(1) / T(static_cast<double>(n)) : T(1);
  for (int64_t o = 0; o < s.outputs(); ++o) {
    const int64_t best = s.op == ReduceOp::Max ? reduceArgmax(s, x, o) : -1;
    for (int64_t r = 0; r < n; ++r) {
      T& d = dx[reduceOffset(s, o, r)];
      if (s.op == ReduceOp::Sum) d = dy[o];
      if (s.op == ReduceOp::Mean) d = dy[o] * scale;
      if (s.op == ReduceOp::Max) d = r == best ? dy[o] : T(0);
    }
  }
}

// ---- CPU kernels (kernels/cpu/reduce.cpp) --------------------------------------------------------
// Threads split the outputs; each sums its values in double in the reference's order.

void reduceForward(ThreadPool& pool, const ReduceShape& s, const float* x, float* y);
void reduceBackwardInput(ThreadPool& pool, const ReduceShape& s, const float* x, const float* dy, float* dx);

// ---- CUDA kernels (kernels/cuda/reduce.cu) -------------------------------------------------------
// One thread per output, as the CPU: no atomics, the same order, sums in double.

namespace cuda {

void reduceForward(CudaStream stream, const ReduceShape& s, const float* x, float* y);
void reduceBackwardInput(CudaStream stream, const ReduceShape& s, const float* x, const float* dy, float* dx);

}  // namespace cuda

}  // namespace sj
