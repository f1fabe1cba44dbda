#include "kernels/layernorm.h"

#include <cmath>
#include <sstream>

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

void LayerNormShape::validate() const {
  if (rows <= 0 || cols <= 0) fail(ErrorCode::Shape, "layer_norm: dimensions must be positive, got x", dims({rows, cols}));
  if (!(eps > 0.0 && std::isfinite(eps))) fail(ErrorCode::Value, "layer_norm: eps must be positive and finite, got ", eps);
}

std::string LayerNormShape::describe() const {
  std::ostringstream text;
  text << "x" << dims({rows, cols}) << " eps=" << eps << (affine ? " affine" : "");
  return text.str();
}

Cost layernormForwardCost(const LayerNormShape& s) {
  const int64_t e = s.size(), r = s.rows;
  Cost c;
  // per row: sum (D), mean (1), deviations (D) and their squares (D MACs), / D, + eps, 1 / sqrt (3);
  // per value: (x - mean) * rstd, then * weight + bias when affine.
  c.macs = e;
  c.flops = 4 * e + 4 * r + (s.affine ? 4 : 2) * e;
  c.transcendentals = r;
  c.bytesRead = kFloatBytes * (e + (s.affine ? 2 * s.cols : 0));  // x, weight, bias
  c.bytesWritten = kFloatBytes * (e + 2 * r);                     // y, mean, rstd
  return c;
}

Cost layernormBackwardInputCost(const LayerNormShape& s) {
  const int64_t e = s.size(), a = s.affine ? 1 : 0;
  Cost c;
  // first sweep per value: g (affine), sum g, x-hat (2), g x-hat MAC; two means per row;
  // second sweep: g (affine), dx = (g - mean g - x-hat * mean(g x-hat)) * rstd (6).
  c.macs = e;
  c.flops = (11 + 2 * a) * e + 2 * s.rows;
  c.bytesRead = kFloatBytes * (2 * e + 2 * s.rows + a * s.cols);  // dy, x, mean, rstd, weight
  c.bytesWritten = kFloatBytes * e;
  return c;
}

Cost layernormBackwardWeightCost(const LayerNormShape& s) {
  Cost c;
  c.macs = s.size();
  c.flops = 4 * s.size();  // x - mean, * rstd, MAC
  c.bytesRead = kFloatBytes * (2 * s.size() + 2 * s.rows);  // dy, x, mean, rstd
  c.bytesWritten = kFloatBytes * s.cols;
  return c;
}

Cost layernormBackwardBiasCost(const LayerNormShape& s) {
  Cost c;
  c.flops = s.size();
  c.bytesRead = kFloatBytes * s.size();
  c.bytesWritten = kFloatBytes * s.cols;
  return c;
}

}  // namespace sj
