// Binary element-wise ops with numpy broadcasting: y = a + b, a - b, a * b, a / b.
//
//   a   [A]   an operand whose shape broadcasts to y's (a dimension of 1 repeats)
//   b   [B]   likewise
//   y   [Y]   y[i] = a[ia(i)] op b[ib(i)], ia(i): i's coordinates with a's broadcast ones at 0
//   dy  [Y]   gradient of the loss with respect to y
//   da  [A]   da[j] = sum over the i with ia(i) = j of dy[i] * d(a op b)/da: the gradient summed
//             over the axes a is broadcast along (numpy's rule, as in PyTorch's autograd)
//   db  [B]   likewise
//
// Shapes are whole tensors (the batch included) of one rank: a caller right-aligns them first
// (binaryShape). Per element: forward 1 FLOP; the gradient of a: + and - 1, * 2 (dy * b and the
// sum), / 2 (dy / b and the sum); of b: + and - 1, * 2, / 4 (dy * a / (b * b) and the sum).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/cost.h"
#include "core/host_device.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"

namespace sj {

enum class BinaryOp { Add, Sub, Mul, Div };
enum class BinarySide { A, B };  // which operand's gradient a backward call computes
const char* binaryOpName(BinaryOp op);

constexpr int kBinaryMaxRank = 8;

struct BinaryShape {
  BinaryOp op = BinaryOp::Add;
  int rank = 1;
  int64_t a[kBinaryMaxRank] = {1}, b[kBinaryMaxRank] = {1}, y[kBinaryMaxRank] = {1};

  // E_SHAPE unless each dimension of a and b is y's or 1, and y's is the larger.
  void validate() const;
  std::string describe() const;
  SJ_HOST_DEVICE int64_t size() const { return count(y); }
  SJ_HOST_DEVICE int64_t sizeOf(BinarySide side) const { return count(side == BinarySide::A ? a : b); }
  SJ_HOST_DEVICE const int64_t* dimsOf(BinarySide side) const { return side == BinarySide::A ? a : b; }

 private:
  SJ_HOST_DEVICE int64_t count(const int64_t* d) const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= d[i];
    return n;
  }
};

// The shape of y = a op b for two shapes of the same rank (at most kBinaryMaxRank); E_SHAPE, naming
// both, when a dimension differs and neither is 1.
BinaryShape binaryShape(BinaryOp op, const std::vector<int64_t>& a, const std::vector<int64_t>& b);
// numpy's broadcast of two shapes of any ranks (right-aligned); E_SHAPE when they do not broadcast.
std::vector<int64_t> broadcastShapes(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

Cost binaryForwardCost(const BinaryShape& s);
Cost binaryBackwardCost(const BinaryShape& s, BinarySide side);

// Offset in the operand with dimensions `operand` of output element i.
SJ_HOST_DEVICE inline int64_t broadcastOffset(const BinaryShape& s, const int64_t* operand, int64_t i) {
  int64_t offset = 0, stride = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    const int64_t c = i % s.y[d];
    i /= s.y[d];
    if (operand[d] != 1) offset += c * stride;
    stride *= operand[d];
  }
  return offset;
}

// The r-th output element (r < Y / operand size) that operand element j feeds: j's coordinates on
// the operand's own dimensions, r's on those it is broadcast along.
SJ_HOST_DEVICE inline int64_t broadcastTarget(const BinaryShape& s, const int64_t* operand, int64_t j, int64_t r) {
  int64_t index = 0, stride = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    int64_t c;
    if (operand[d] == s.y[d]) {
      c = j % operand[d];
      j /= operand[d];
    } else {
      c = r % s.y[d];
      r /= s.y[d];
    }
    index += c * stride;
    stride *= s.y[d];
  }
  return index;
}

// ---- reference loops -------------------------------------------------------------------------

template <class T>
T binaryApply(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
  }
  return a;
}

// y[i] = a[ia(i)] op b[ib(i)]
template <class T>
void binaryForwardReference(const BinaryShape& s, const T* a, const T* b, T* y) {
  for (int64_t i = 0; i < s.size(); ++i) y[i] = binaryApply(s.op, a[broadcastOffset(s, s.a, i)], b[broadcastOffset(s, s.b, i)]);
}

// d[j] = sum over the outputs i that operand element j feeds of dy[i] * d(a op b)/d(side)
template <class T>
void binaryBackwardReference(const BinaryShape& s, BinarySide side, const T* a, const T* b, const T* dy, T* d) {
  for (int64_t j = 0; j < s.sizeOf(side); ++j) d[j] = T(0);
  for (int64_t i = 0; i < s.size(); ++i) {
    const T& av = a[broadcastOffset(s, s.a, i)];
    const T& bv = b[broadcastOffset(s, s.b, i)];
    T& g = d[broadcastOffset(s, s.dimsOf(side), i)];
    const bool first = side == BinarySide::A;
    if (s.op == BinaryOp::Add || (s.op == BinaryOp::Sub && first)) g += dy[i];
    if (s.op == BinaryOp::Sub && !first) g -= dy[i];
    if (s.op == BinaryOp::Mul) g += dy[i] * (first ? bv : av);
    if (s.op == BinaryOp::Div && first) g += dy[i] / bv;
    if (s.op == BinaryOp::Div && !first) g -= dy[i] * av / (bv * bv);
  }
}

// ---- CPU kernels (kernels/cpu/binary.cpp) ------------------------------------------------------

void binaryForward(ThreadPool& pool, const BinaryShape& s, const float* a, const float* b, float* y);
// Writes d (da or db): each element sums its outputs' terms, so the threads split the operand.
void binaryBackward(ThreadPool& pool, const BinaryShape& s, BinarySide side, const float* a, const float* b, const float* dy, float* d);

// ---- CUDA kernels (kernels/cuda/binary.cu) -----------------------------------------------------

namespace cuda {

void binaryForward(CudaStream stream, const BinaryShape& s, const float* a, const float* b, float* y);
void binaryBackward(CudaStream stream, const BinaryShape& s, BinarySide side, const float* a, const float* b, const float* dy, float* d);

}  // namespace cuda

}  // namespace sj
