#include "kernels/binary.h"

#include <algorithm>

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

const char* binaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "add";
    case BinaryOp::Sub: return "sub";
    case BinaryOp::Mul: return "mul";
    case BinaryOp::Div: return "div";
  }
  return "add";
}

std::vector<int64_t> broadcastShapes(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> y(rank);
  for (size_t k = 0; k < rank; ++k) {
    // Right-aligned: a missing leading dimension is 1.
    const int64_t da = k < rank - a.size() ? 1 : a[k - (rank - a.size())];
    const int64_t db = k < rank - b.size() ? 1 : b[k - (rank - b.size())];
    if (da != db && da != 1 && db != 1) fail(ErrorCode::Shape, "shapes ", dims(a), " and ", dims(b), " do not broadcast (dimension ", k, ": ", da, " vs ", db, ")");
    y[k] = da == 1 ? db : da;
  }
  return y;
}

BinaryShape binaryShape(BinaryOp op, const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  if (a.size() != b.size() || a.empty() || a.size() > static_cast<size_t>(kBinaryMaxRank)) {
    fail(ErrorCode::Shape, binaryOpName(op), ": operands ", dims(a), " and ", dims(b), " must have one rank, from 1 to ", kBinaryMaxRank);
  }
  const std::vector<int64_t> y = broadcastShapes(a, b);
  BinaryShape s;
  s.op = op;
  s.rank = static_cast<int>(a.size());
  for (int d = 0; d < s.rank; ++d) s.a[d] = a[d], s.b[d] = b[d], s.y[d] = y[d];
  s.validate();
  return s;
}

void BinaryShape::validate() const {
  if (rank < 1 || rank > kBinaryMaxRank) fail(ErrorCode::Shape, binaryOpName(op), ": rank ", rank, " is outside 1..", kBinaryMaxRank);
  for (int d = 0; d < rank; ++d) {
    const bool ok = y[d] > 0 && (a[d] == y[d] || a[d] == 1) && (b[d] == y[d] || b[d] == 1);
    if (!ok) fail(ErrorCode::Shape, binaryOpName(op), ": ", describe(), " does not broadcast at dimension ", d);
  }
}

std::string BinaryShape::describe() const {
  auto text = [&](const int64_t* d) { return dims(std::vector<int64_t>(d, d + rank)); };
  return std::string(binaryOpName(op)) + " a" + text(a) + " b" + text(b) + " -> y" + text(y);
}

Cost binaryForwardCost(const BinaryShape& s) {
  Cost c;
  c.flops = s.size();
  c.bytesRead = kFloatBytes * (s.sizeOf(BinarySide::A) + s.sizeOf(BinarySide::B));
  c.bytesWritten = kFloatBytes * s.size();
  return c;
}

Cost binaryBackwardCost(const BinaryShape& s, BinarySide side) {
  // FLOPs per output element: the term and its addition to the sum (see binary.h).
  int64_t perElement = 1;
  if (s.op == BinaryOp::Mul) perElement = 2;
  if (s.op == BinaryOp::Div) perElement = side == BinarySide::A ? 2 : 4;
  Cost c;
  c.flops = perElement * s.size();
  // dy, and the other operand for * and / (b's gradient under / reads both).
  int64_t read = s.size();
  if (s.op == BinaryOp::Mul) read += s.sizeOf(side == BinarySide::A ? BinarySide::B : BinarySide::A);
  if (s.op == BinaryOp::Div) read += side == BinarySide::A ? s.sizeOf(BinarySide::B) : s.sizeOf(BinarySide::A) + s.sizeOf(BinarySide::B);
  c.bytesRead = kFloatBytes * read;
  c.bytesWritten = kFloatBytes * s.sizeOf(side);
  return c;
}

}  // namespace sj
