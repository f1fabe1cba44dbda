#include "kernels/matmul.h"

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

MatmulShape matmulShape(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  if (a.size() != b.size() || a.size() < 2 || a.size() > static_cast<size_t>(kBinaryMaxRank) + 2) {
    fail(ErrorCode::Shape, "matmul: operands ", dims(a), " and ", dims(b), " must have one rank, from 2 to ", kBinaryMaxRank + 2);
  }
  const size_t rank = a.size();
  MatmulShape s;
  s.m = a[rank - 2], s.k = a[rank - 1], s.n = b[rank - 1];
  if (b[rank - 2] != s.k) fail(ErrorCode::Shape, "matmul: ", dims(a), " x ", dims(b), ": the inner dimensions ", s.k, " and ", b[rank - 2], " differ");
  const std::vector<int64_t> batchA(a.begin(), a.end() - 2), batchB(b.begin(), b.end() - 2);
  // A product of plain matrices still has one (size 1) batch dimension.
  s.batch = binaryShape(BinaryOp::Mul, batchA.empty() ? std::vector<int64_t>{1} : batchA, batchB.empty() ? std::vector<int64_t>{1} : batchB);
  s.validate();
  return s;
}

void MatmulShape::validate() const {
  batch.validate();
  if (m <= 0 || k <= 0 || n <= 0) fail(ErrorCode::Shape, "matmul: ", describe(), ": matrix dimensions must be positive");
}

std::string MatmulShape::describe() const {
  auto text = [&](const int64_t* d, int64_t rows, int64_t cols) {
    std::vector<int64_t> v(d, d + batch.rank);
    v.push_back(rows), v.push_back(cols);
    return dims(v);
  };
  return "a" + text(batch.a, m, k) + " b" + text(batch.b, k, n) + " -> y" + text(batch.y, m, n);
}

Cost matmulForwardCost(const MatmulShape& s) {
  Cost c;
  c.macs = s.batches() * s.m * s.n * s.k;
  c.flops = 2 * c.macs;
  c.bytesRead = kFloatBytes * (s.sizeA() + s.sizeB());
  c.bytesWritten = kFloatBytes * s.sizeY();
  return c;
}

Cost matmulBackwardCost(const MatmulShape& s, BinarySide side) {
  Cost c;
  c.macs = s.batches() * s.m * s.n * s.k;
  c.flops = 2 * c.macs;
  // dy, and the other operand.
  c.bytesRead = kFloatBytes * (s.sizeY() + (side == BinarySide::A ? s.sizeB() : s.sizeA()));
  c.bytesWritten = kFloatBytes * (side == BinarySide::A ? s.sizeA() : s.sizeB());
  return c;
}

}  // namespace sj
