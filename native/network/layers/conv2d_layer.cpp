// conv2d: {"out": C, "kernel": k | [kh, kw], "stride": 1, "padding": 0 | [h, w] | [top, left, bottom, right],
//          "dilation": 1, "groups": 1, "bias": true}
//   input [Cin, H, W] -> output [C, Ho, Wo]; weight [C, Cin/groups, kh, kw]
// conv1d: {"out": C, "kernel": k, "stride": 1, "padding": 0 | [left, right], "dilation": 1, "groups": 1, "bias": true}
//   input [Cin, T] -> output [C, To]; weight [C, Cin/groups, k] (PyTorch's Conv1d)
// A conv1d is a conv2d on a height-1 image: the same kernels, ledger rows and costs, with the
// height dropped from its shapes (the weight's memory is the same either way).
// Weights start uniform in +-1/sqrt(Cin/groups * kh * kw), PyTorch's default (fan-in).
#include <cmath>

#include "kernels/conv2d.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class Conv2dLayer : public Layer {
 public:
  Conv2dLayer(const char* type, const Conv2dShape& s, Shape input, Shape output, Shape weight)
      : Layer(std::move(input), std::move(output)), type_(type), shape_(s) {
    // In floating point: the product of three spec values may not fit 64 bits before the checks.
    const double fanIn = static_cast<double>(s.cinPerGroup()) * static_cast<double>(s.kh) * static_cast<double>(s.kw);
    const float bound = static_cast<float>(1.0 / std::sqrt(fanIn));
    addParameter("weight", std::move(weight), Init::uniform(bound));
    if (s.bias) addParameter("bias", {s.cout}, Init::uniform(bound));
  }
  const char* type() const override { return type_; }

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

  const char* type_;
  Conv2dShape shape_;
};

// The fields both layer types share: out, groups, bias.
void readChannels(SpecReader& spec, Conv2dShape& s) {
  s.cout = spec.integer("out", std::nullopt, 1);
  s.groups = spec.integer("groups", 1, 1);
  s.bias = spec.flag("bias", true);
}

}  // namespace

std::unique_ptr<Layer> makeConv2dLayer(SpecReader& spec, const Shape& input) {
  spec.requireRank(input, 3, "[channels, height, width]");
  Conv2dShape s;
  s.cin = input[0], s.h = input[1], s.w = input[2];
  readChannels(spec, s);
  std::tie(s.kh, s.kw) = spec.integerPair("kernel", std::nullopt, 1);
  std::tie(s.sh, s.sw) = spec.integerPair("stride", std::make_pair<int64_t, int64_t>(1, 1), 1);
  std::tie(s.dh, s.dw) = spec.integerPair("dilation", std::make_pair<int64_t, int64_t>(1, 1), 1);
  const std::vector<int64_t> p = spec.integers("padding", std::vector<int64_t>{0}, 0, {2, 4});
  if (p.size() == 4) {
    s.pt = p[0], s.pl = p[1], s.pb = p[2], s.pr = p[3];
  } else {
    s.pt = s.pb = p[0], s.pl = s.pr = p.back();
  }
  spec.inContext([&] { s.validate(); });
  return std::make_unique<Conv2dLayer>("conv2d", s, Shape{s.cin, s.h, s.w}, Shape{s.cout, s.ho(), s.wo()},
                                       Shape{s.cout, s.cinPerGroup(), s.kh, s.kw});
}

std::unique_ptr<Layer> makeConv1dLayer(SpecReader& spec, const Shape& input) {
  spec.requireRank(input, 2, "[channels, time]");
  Conv2dShape s;
  s.cin = input[0], s.h = 1, s.w = input[1];
  readChannels(spec, s);
  s.kw = spec.integer("kernel", std::nullopt, 1);
  s.sw = spec.integer("stride", 1, 1);
  s.dw = spec.integer("dilation", 1, 1);
  const std::vector<int64_t> p = spec.integers("padding", std::vector<int64_t>{0}, 0, {2});
  s.pl = p.front(), s.pr = p.back();
  spec.inContext([&] { s.validate(); });
  return std::make_unique<Conv2dLayer>("conv1d", s, Shape{s.cin, s.w}, Shape{s.cout, s.wo()}, Shape{s.cout, s.cinPerGroup(), s.kw});
}

}  // namespace sj
