// conv2d: {"out": C, "kernel": k | [kh, kw], "stride": 1, "padding": 0, "bias": true}
// input [Cin, H, W] -> output [C, Ho, Wo]. Weights start uniform in +-1/sqrt(Cin*kh*kw) (PyTorch).
#include <cmath>

#include "kernels/conv2d.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class Conv2dLayer : public Layer {
 public:
  Conv2dLayer(const Conv2dShape& s)
      : Layer({s.cin, s.h, s.w}, {s.cout, s.ho(), s.wo()}), shape_(s) {
    // In floating point: the product of three spec values may not fit 64 bits before the checks.
    const float bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(s.cin) * static_cast<double>(s.kh) * static_cast<double>(s.kw)));
    addParameter("weight", {s.cout, s.cin, s.kh, s.kw}, Init::uniform(bound));
    if (s.bias) addParameter("bias", {s.cout}, Init::uniform(bound));
  }
  const char* type() const override { return "conv2d"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const Conv2dShape s = at(batch);
    const float* bias = s.bias ? params_[1].value.data() : nullptr;
    ctx.run("conv2d", KernelPass::Forward, s.describe(), conv2dForwardCost(s), [&] { conv2dForward(ctx.pool(), s, x, weight(), bias, y); },
            [&] { cuda::conv2dForward(ctx.stream(), s, x, weight(), bias, y); });
  }

  void backward(KernelContext& ctx, int64_t batch, const float* x, const float*, const float* dy, float* dx) override {
    const Conv2dShape s = at(batch);
    const std::string shapes = s.describe();
    if (dx) {
      ctx.run("conv2d", KernelPass::BackwardInput, shapes, conv2dBackwardInputCost(s), [&] { conv2dBackwardInput(ctx.pool(), s, dy, weight(), dx); },
              [&] { cuda::conv2dBackwardInput(ctx.stream(), s, dy, weight(), dx); });
    }
    float* dw = params_[0].grad.data();
    ctx.run("conv2d", KernelPass::BackwardWeight, shapes, conv2dBackwardWeightCost(s), [&] { conv2dBackwardWeight(ctx.pool(), s, dy, x, dw); },
            [&] { cuda::conv2dBackwardWeight(ctx.stream(), s, dy, x, dw); });
    if (s.bias) {
      float* db = params_[1].grad.data();
      ctx.run("conv2d", KernelPass::BackwardBias, shapes, conv2dBackwardBiasCost(s), [&] { conv2dBackwardBias(ctx.pool(), s, dy, db); },
              [&] { cuda::conv2dBackwardBias(ctx.stream(), s, dy, db); });
    }
  }

 private:
  Conv2dShape at(int64_t batch) const {
    Conv2dShape s = shape_;
    s.n = batch;
    return s;
  }
  const float* weight() const { return params_[0].value.data(); }

  Conv2dShape shape_;
};

}  // namespace

std::unique_ptr<Layer> makeConv2dLayer(SpecReader& spec, const Shape& input) {
  spec.requireRank(input, 3, "[channels, height, width]");
  Conv2dShape s;
  s.cin = input[0], s.h = input[1], s.w = input[2];
  s.cout = spec.integer("out", std::nullopt, 1);
  std::tie(s.kh, s.kw) = spec.integerPair("kernel", std::nullopt, 1);
  std::tie(s.sh, s.sw) = spec.integerPair("stride", std::make_pair<int64_t, int64_t>(1, 1), 1);
  std::tie(s.ph, s.pw) = spec.integerPair("padding", std::make_pair<int64_t, int64_t>(0, 0), 0);
  s.bias = spec.flag("bias", true);
  spec.inContext([&] { s.validate(); });
  return std::make_unique<Conv2dLayer>(s);
}

}  // namespace sj
