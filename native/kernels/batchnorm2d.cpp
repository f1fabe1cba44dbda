#include "kernels/batchnorm2d.h"

#include <cmath>
#include <sstream>

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

void BatchNorm2dShape::validate() const {
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0) fail(ErrorCode::Shape, "batchnorm2d: dimensions must be positive, got x", dims({n, c, h, w}));
  if (training && perChannel() < 2) {
    fail(ErrorCode::Shape, "batchnorm2d: training needs more than one value per channel (N*H*W), got x", dims({n, c, h, w}));
  }
  if (!(eps > 0.0 && std::isfinite(eps))) fail(ErrorCode::Value, "batchnorm2d: eps must be positive and finite, got ", eps);
  if (!(momentum >= 0.0 && momentum <= 1.0)) fail(ErrorCode::Value, "batchnorm2d: momentum must be in [0, 1], got ", momentum);
}

std::string BatchNorm2dShape::describe() const {
  std::ostringstream text;
  text << "x" << dims({n, c, h, w}) << (training ? " train" : " eval") << " eps=" << eps;
  if (training) text << " momentum=" << momentum;
  return text.str();
}

Cost batchnorm2dForwardCost(const BatchNorm2dShape& s) {
  const int64_t e = s.size(), c = s.c;
  Cost cost;
  if (s.training) {
    // sum (E), deviations (E) and their squares (E MACs), y = (x - mean) * a + beta (3E);
    // per channel: mean, variance, + eps, 1 / sqrt, a = gamma * rstd, running mean 3, running var 4.
    cost.macs = e;
    cost.flops = 7 * e + 12 * c;
    cost.transcendentals = c;
    // reads x, gamma, beta, runningMean, runningVar; writes y, mean, rstd, runningMean, runningVar
    cost.bytesRead = kFloatBytes * (e + 4 * c);
    cost.bytesWritten = kFloatBytes * (e + 4 * c);
  } else {
    // per channel: + eps, 1 / sqrt, a = gamma * rstd; y = (x - mean) * a + beta (3E)
    cost.flops = 3 * e + 3 * c;
    cost.transcendentals = c;
    cost.bytesRead = kFloatBytes * (e + 4 * c);
    cost.bytesWritten = kFloatBytes * (e + 2 * c);  // y, mean, rstd
  }
  return cost;
}

Cost batchnorm2dBackwardInputCost(const BatchNorm2dShape& s) {
  const int64_t e = s.size(), c = s.c;
  Cost cost;
  if (s.training) {
    // sum dy (E), sum dy * (x - mean) (E subs + E MACs), dx (5E); per channel: scale, mean(dy), k (3)
    cost.macs = e;
    cost.flops = 9 * e + 5 * c;
    cost.bytesRead = kFloatBytes * (2 * e + 3 * c);  // dy, x, gamma, mean, rstd
  } else {
    cost.flops = e + c;                          // dx = dy * (gamma * rstd)
    cost.bytesRead = kFloatBytes * (e + 2 * c);  // dy, gamma, rstd
  }
  cost.bytesWritten = kFloatBytes * e;
  return cost;
}

Cost batchnorm2dBackwardWeightCost(const BatchNorm2dShape& s) {
  Cost cost;
  cost.macs = s.size();
  cost.flops = 3 * s.size() + s.c;                          // x - mean, MAC; * rstd per channel
  cost.bytesRead = kFloatBytes * (2 * s.size() + 2 * s.c);  // dy, x, mean, rstd
  cost.bytesWritten = kFloatBytes * s.c;
  return cost;
}

Cost batchnorm2dBackwardBiasCost(const BatchNorm2dShape& s) {
  Cost cost;
  cost.flops = s.size();
  cost.bytesRead = kFloatBytes * s.size();
  cost.bytesWritten = kFloatBytes * s.c;
  return cost;
}

}  // namespace sj
