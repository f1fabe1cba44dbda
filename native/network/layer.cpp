#include "network/layer.h"

#include "base/error.h"
#include "core/shape_text.h"
#include "core/sizes.h"

namespace sj {

int64_t numel(const Shape& shape) {
  const std::optional<int64_t> n = elementsWithin(shape);
  if (!n) fail(ErrorCode::Shape, "shape ", dims(shape), " has more than 2^45 elements, past what can be addressed");
  return *n;
}

Parameter::Parameter(std::string n, Shape s, Init i, bool train) : name(std::move(n)), shape(std::move(s)), init(i), trainable(train) {}

void Parameter::allocate(Device device) {
  value.resize(device, size(), "parameter " + name);
  if (trainable) grad.resize(device, size(), "the gradient of parameter " + name);
}

bool Layer::hasTrainableParameters() const {
  for (const Parameter& p : params_)
    if (p.trainable) return true;
  return false;
}

Parameter& Layer::addParameter(std::string name, Shape shape, Init init, bool trainable) {
  params_.emplace_back(std::move(name), std::move(shape), init, trainable);
  return params_.back();
}

void MultiInputLayer::forward(KernelContext&, int64_t, const float*, float*) {
  fail(ErrorCode::Internal, type(), ": a layer of several inputs runs through forwardInputs");
}

void MultiInputLayer::backward(KernelContext&, int64_t, const float*, const float*, const float*, float*) {
  fail(ErrorCode::Internal, type(), ": a layer of several inputs runs through backwardInputs");
}

}  // namespace sj
