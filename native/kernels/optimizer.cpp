#include "kernels/optimizer.h"

#include <cmath>
#include <sstream>

#include "base/error.h"

namespace sj {

namespace {

// `ok` is false for NaN as well: the checks are written as "value is in range".
void require(bool ok, const char* optimizer, const char* name, double value, const char* range) {
  if (!ok) fail(ErrorCode::Value, optimizer, ": ", name, " = ", value, " is invalid: expected ", range);
}

void requireSize(const char* optimizer, int64_t size) {
  if (size <= 0) fail(ErrorCode::Shape, optimizer, ": the parameter tensor must have elements, got ", size);
}

}  // namespace

void checkStep(int64_t step) {
  if (step < 1) fail(ErrorCode::Value, "optimizer: step = ", step, " is invalid: steps count from 1");
}

void AdamShape::validate() const {
  requireSize("adam", size);
  require(lr >= 0.0 && std::isfinite(lr), "adam", "lr", lr, "a finite value >= 0");
  require(beta1 >= 0.0 && beta1 < 1.0, "adam", "beta1", beta1, "0 <= beta1 < 1");
  require(beta2 >= 0.0 && beta2 < 1.0, "adam", "beta2", beta2, "0 <= beta2 < 1");
  require(eps >= 0.0 && std::isfinite(eps), "adam", "eps", eps, "a finite value >= 0");
  require(weightDecay >= 0.0 && std::isfinite(weightDecay), "adam", "weightDecay", weightDecay, "a finite value >= 0");
}

std::string AdamShape::describe() const {
  std::ostringstream out;
  out << "adam p[" << size << "] lr " << lr << " betas " << beta1 << "," << beta2 << " eps " << eps;
  if (weightDecay != 0.0) out << " wd " << weightDecay;
  return out.str();
}

void SgdShape::validate() const {
  requireSize("sgd", size);
  require(lr >= 0.0 && std::isfinite(lr), "sgd", "lr", lr, "a finite value >= 0");
  require(momentum >= 0.0 && std::isfinite(momentum), "sgd", "momentum", momentum, "a finite value >= 0");
  require(std::isfinite(dampening), "sgd", "dampening", dampening, "a finite value");
  require(weightDecay >= 0.0 && std::isfinite(weightDecay), "sgd", "weightDecay", weightDecay, "a finite value >= 0");
  if (nesterov && (momentum <= 0.0 || dampening != 0.0)) {
    fail(ErrorCode::Value, "sgd: nesterov momentum requires momentum > 0 and dampening = 0, got momentum = ", momentum,
         ", dampening = ", dampening);
  }
}

std::string SgdShape::describe() const {
  std::ostringstream out;
  out << "sgd p[" << size << "] lr " << lr;
  if (momentum != 0.0) out << " momentum " << momentum << " dampening " << dampening << (nesterov ? " nesterov" : "");
  if (weightDecay != 0.0) out << " wd " << weightDecay;
  return out.str();
}

AdamScalars adamScalars(const AdamShape& s, int64_t step) {
  checkStep(step);
  const double t = static_cast<double>(step);
  return {s.lr / (1.0 - std::pow(s.beta1, t)), std::sqrt(1.0 - std::pow(s.beta2, t))};
}

Cost adamCost(const AdamShape& s) {
  Cost c;
  c.flops = (12 + (s.weightDecay != 0.0 ? 2 : 0)) * s.size;
  c.transcendentals = s.size;               // sqrt(v)
  c.bytesRead = kFloatBytes * 4 * s.size;   // p, g, m, v
  c.bytesWritten = kFloatBytes * 3 * s.size;  // p, m, v
  return c;
}

Cost sgdCost(const SgdShape& s, int64_t step) {
  const bool momentum = s.momentum != 0.0, buffered = momentum && step > 1;
  Cost c;
  c.flops = (2 + (s.weightDecay != 0.0 ? 2 : 0) + (buffered ? 3 : 0) + (momentum && s.nesterov ? 2 : 0)) * s.size;
  c.bytesRead = kFloatBytes * (2 + (buffered ? 1 : 0)) * s.size;  // p, g, and the buffer once it exists
  c.bytesWritten = kFloatBytes * (1 + (momentum ? 1 : 0)) * s.size;  // p, and the buffer
  return c;
}

}  // namespace sj
