#include "kernels/reduce.h"

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

const char* reduceOpName(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return "sum";
    case ReduceOp::Mean: return "mean";
    case ReduceOp::Max: return "max";
  }
  return "sum";
}

ReduceShape reduceShape(ReduceOp op, const std::vector<int64_t>& x, const std::vector<int>& axes) {
  if (x.empty() || x.size() > static_cast<size_t>(kReduceMaxRank)) fail(ErrorCode::Shape, "reduce: rank of ", dims(x), " is outside 1..", kReduceMaxRank);
  ReduceShape s;
  s.op = op;
  s.rank = static_cast<int>(x.size());
  for (int d = 0; d < s.rank; ++d) s.x[d] = x[d], s.reduced[d] = false;
  for (int axis : axes) {
    if (axis < 0 || axis >= s.rank) fail(ErrorCode::Shape, "reduce: axis ", axis, " is outside a tensor of rank ", s.rank);
    if (s.reduced[axis]) fail(ErrorCode::Value, "reduce: axis ", axis, " is listed twice");
    s.reduced[axis] = true;
  }
  s.validate();
  return s;
}

void ReduceShape::validate() const {
  if (rank < 1 || rank > kReduceMaxRank) fail(ErrorCode::Shape, "reduce: rank ", rank, " is outside 1..", kReduceMaxRank);
  for (int d = 0; d < rank; ++d)
    if (x[d] <= 0) fail(ErrorCode::Shape, "reduce: ", describe(), ": dimension ", d, " must be positive");
}

std::string ReduceShape::describe() const {
  std::vector<int64_t> axes;
  for (int d = 0; d < rank; ++d)
    if (reduced[d]) axes.push_back(d);
  return std::string(reduceOpName(op)) + " x" + dims(std::vector<int64_t>(x, x + rank)) + " over axes " + dims(axes);
}

Cost reduceForwardCost(const ReduceShape& s) {
  Cost c;
  if (s.op == ReduceOp::Sum) c.flops = s.size();
  if (s.op == ReduceOp::Mean) c.flops = 1 + s.outputs() * (s.n() + 1);  // one reciprocal; n adds and one scale per output
  if (s.op == ReduceOp::Max) c.comparisons = s.outputs() * (s.n() - 1);
  c.bytesRead = kFloatBytes * s.size();
  c.bytesWritten = kFloatBytes * s.outputs();
  return c;
}

Cost reduceBackwardInputCost(const ReduceShape& s) {
  Cost c;
  if (s.op == ReduceOp::Mean) c.flops = 1 + s.size();
  if (s.op == ReduceOp::Max) c.comparisons = s.outputs() * (s.n() - 1);
  // dy, and x for max (to find each maximum again).
  c.bytesRead = kFloatBytes * (s.outputs() + (s.op == ReduceOp::Max ? s.size() : 0));
  c.bytesWritten = kFloatBytes * s.size();
  return c;
}

}  // namespace sj
