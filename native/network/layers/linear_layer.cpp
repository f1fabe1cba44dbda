// linear: {"out": N, "bias": true} over the last dimension: input [..., K] -> output [..., N].
// Weights start uniform in +-1/sqrt(K) (PyTorch).
#include <cmath>

#include "kernels/linear.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class LinearLayer : public Layer {
 public:
  LinearLayer(const Shape& input, int64_t out, bool bias) : Layer(input, outputOf(input, out)) {
    rows_ = numel(input) / input.back();
    shape_ = LinearShape{rows_, input.back(), out, bias};
    const float bound = 1.0f / std::sqrt(static_cast<float>(input.back()));
    addParameter("weight", {out, input.back()}, Init::uniform(bound));
    if (bias) addParameter("bias", {out}, Init::uniform(bound));
  }
  const char* type() const override { return "linear"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const LinearShape s = at(batch);
    const float* w = params_[0].value.data();
    const float* b = s.bias ? params_[1].value.data() : nullptr;
    ctx.run("linear", KernelPass::Forward, s.describe(), linearForwardCost(s), [&] { linearForward(ctx.pool(), s, x, w, b, y); },
            [&] { cuda::linearForward(ctx.stream(), s, x, w, b, y); });
  }

  void backward(KernelContext& ctx, int64_t batch, const float* x, const float*, const float* dy, float* dx) override {
    const LinearShape s = at(batch);
    const std::string shapes = s.describe();
    const float* w = params_[0].value.data();
    if (dx) {
      ctx.run("linear", KernelPass::BackwardInput, shapes, linearBackwardInputCost(s), [&] { linearBackwardInput(ctx.pool(), s, dy, w, dx); },
              [&] { cuda::linearBackwardInput(ctx.stream(), s, dy, w, dx); });
    }
    float* dw = params_[0].grad.data();
    ctx.run("linear", KernelPass::BackwardWeight, shapes, linearBackwardWeightCost(s), [&] { linearBackwardWeight(ctx.pool(), s, dy, x, dw); },
            [&] { cuda::linearBackwardWeight(ctx.stream(), s, dy, x, dw); });
    if (s.bias) {
      float* db = params_[1].grad.data();
      ctx.run("linear", KernelPass::BackwardBias, shapes, linearBackwardBiasCost(s), [&] { linearBackwardBias(ctx.pool(), s, dy, db); },
              [&] { cuda::linearBackwardBias(ctx.stream(), s, dy, db); });
    }
  }

 private:
  static Shape outputOf(Shape input, int64_t out) {
    input.back() = out;
    return input;
  }
  LinearShape at(int64_t batch) const {
    LinearShape s = shape_;
    s.m = batch * rows_;
    return s;
  }

  int64_t rows_ = 1;  // rows per sample: the product of the leading dimensions
  LinearShape shape_;
};

}  // namespace

std::unique_ptr<Layer> makeLinearLayer(SpecReader& spec, const Shape& input) {
  if (input.empty()) spec.requireRank(input, 1, "[..., features]");
  const int64_t out = spec.integer("out", std::nullopt, 1);
  const bool bias = spec.flag("bias", true);
  return std::make_unique<LinearLayer>(input, out, bias);
}

}  // namespace sj
