#include "kernels/binary.h"

#include <algorithm>

namespace sj {
namespace {

// Element-wise work in ranges of at least this many output elements per thread.
constexpr int64_t kGrain = 1 << 14;

// The gradient term of one output element for `side` (the reference's, in the same order).
inline double binaryTerm(BinaryOp op, BinarySide side, double a, double b, double dy) {
  const bool first = side == BinarySide::A;
  switch (op) {
    case BinaryOp::Add: return dy;
    case BinaryOp::Sub: return first ? dy : -dy;
    case BinaryOp::Mul: return dy * (first ? b : a);
    case BinaryOp::Div: return first ? dy / b : -(dy * a / (b * b));
  }
  return dy;
}

}  // namespace

void binaryForward(ThreadPool& pool, const BinaryShape& s, const float* a, const float* b, float* y) {
  // Rows of y's last dimension: the operands' offsets are computed once per row, then step by 1
  // (or 0 along a broadcast last dimension).
  const int64_t row = s.y[s.rank - 1];
  const int64_t stepA = s.a[s.rank - 1] == 1 ? 0 : 1, stepB = s.b[s.rank - 1] == 1 ? 0 : 1;
  const int64_t rows = s.size() / row;
  pool.parallelFor(rows, std::max<int64_t>(1, kGrain / row), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* pa = a + broadcastOffset(s, s.a, r * row);
      const float* pb = b + broadcastOffset(s, s.b, r * row);
      float* py = y + r * row;
      switch (s.op) {
        case BinaryOp::Add: for (int64_t i = 0; i < row; ++i) py[i] = pa[i * stepA] + pb[i * stepB]; break;
        case BinaryOp::Sub: for (int64_t i = 0; i < row; ++i) py[i] = pa[i * stepA] - pb[i * stepB]; break;
        case BinaryOp::Mul: for (int64_t i = 0; i < row; ++i) py[i] = pa[i * stepA] * pb[i * stepB]; break;
        case BinaryOp::Div: for (int64_t i = 0; i < row; ++i) py[i] = pa[i * stepA] / pb[i * stepB]; break;
      }
    }
  });
}

void binaryBackward(ThreadPool& pool, const BinaryShape& s, BinarySide side, const float* a, const float* b, const float* dy, float* d) {
  const int64_t elements = s.sizeOf(side), fanOut = s.size() / elements;
  const int64_t* own = s.dimsOf(side);
  // Each operand element gathers its fan-out terms (in double: a broadcast scale sums over the
  // whole batch), so no two threads write one element.
  pool.parallelFor(elements, std::max<int64_t>(1, kGrain / fanOut), [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) {
      double sum = 0.0;
      for (int64_t r = 0; r < fanOut; ++r) {
        const int64_t i = broadcastTarget(s, own, j, r);
        sum += binaryTerm(s.op, side, a[broadcastOffset(s, s.a, i)], b[broadcastOffset(s, s.b, i)], dy[i]);
      }
      d[j] = static_cast<float>(sum);
    }
  });
}

}  // namespace sj
