#include "kernels/binary.h"

#include "cuda/launch.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

// y[i] = a[ia(i)] op b[ib(i)]; the shape travels by value (a few dozen integers).
__global__ void binaryForwardKernel(BinaryShape s, const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ y) {
  const int64_t n = s.size();
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) {
    const float av = a[broadcastOffset(s, s.a, i)], bv = b[broadcastOffset(s, s.b, i)];
    float v = av + bv;
    if (s.op == BinaryOp::Sub) v = av - bv;
    if (s.op == BinaryOp::Mul) v = av * bv;
    if (s.op == BinaryOp::Div) v = av / bv;
    y[i] = v;
  }
}

// One thread per operand element gathers its fan-out terms in double, as the CPU kernel does.
__global__ void binaryBackwardKernel(BinaryShape s, BinarySide side, const float* __restrict__ a, const float* __restrict__ b,
                                     const float* __restrict__ dy, float* __restrict__ d) {
  const int64_t elements = s.sizeOf(side), fanOut = s.size() / elements;
  const int64_t* own = s.dimsOf(side);
  const bool first = side == BinarySide::A;
  for (int64_t j = gridStrideStart(); j < elements; j += gridStrideStep()) {
    double sum = 0.0;
    for (int64_t r = 0; r < fanOut; ++r) {
      const int64_t i = broadcastTarget(s, own, j, r);
      const double av = a[broadcastOffset(s, s.a, i)], bv = b[broadcastOffset(s, s.b, i)], g = dy[i];
      double term = g;
      if (s.op == BinaryOp::Sub && !first) term = -g;
      if (s.op == BinaryOp::Mul) term = g * (first ? bv : av);
      if (s.op == BinaryOp::Div) term = first ? g / bv : -(g * av / (bv * bv));
      sum += term;
    }
    d[j] = static_cast<float>(sum);
  }
}

}  // namespace

void binaryForward(CudaStream stream, const BinaryShape& s, const float* a, const float* b, float* y) {
  launch("binaryForward", binaryForwardKernel, elementwiseGrid(s.size()), dim3(kElementwiseThreads), 0, stream, s, a, b, y);
}

void binaryBackward(CudaStream stream, const BinaryShape& s, BinarySide side, const float* a, const float* b, const float* dy, float* d) {
  launch("binaryBackward", binaryBackwardKernel, elementwiseGrid(s.sizeOf(side)), dim3(kElementwiseThreads), 0, stream, s, side, a, b, dy, d);
}

}  // namespace sj::cuda
