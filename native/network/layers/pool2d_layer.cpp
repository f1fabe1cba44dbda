// maxpool2d / avgpool2d: {"kernel": k | [kh, kw], "stride": kernel, "padding": 0} over [C, H, W];
// avgpool2d also takes "countIncludePad": true (PyTorch's default).
#include "kernels/pool2d.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class Pool2dLayer : public Layer {
 public:
  Pool2dLayer(const Pool2dShape& s, bool max) : Layer({s.c, s.h, s.w}, {s.c, s.ho(), s.wo()}), shape_(s), max_(max) {}
  const char* type() const override { return max_ ? "maxpool2d" : "avgpool2d"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const Pool2dShape s = at(batch);
    if (max_) {
      argmax_.resize(ctx.device(), s.outputSize(), "max-pool indices");
      ctx.run("maxpool2d", KernelPass::Forward, s.describe(), maxPool2dForwardCost(s), [&] { maxPool2dForward(ctx.pool(), s, x, y, argmax_.data()); },
              [&] { cuda::maxPool2dForward(ctx.stream(), s, x, y, argmax_.data()); });
    } else {
      ctx.run("avgpool2d", KernelPass::Forward, s.describe(), avgPool2dForwardCost(s), [&] { avgPool2dForward(ctx.pool(), s, x, y); },
              [&] { cuda::avgPool2dForward(ctx.stream(), s, x, y); });
    }
  }

  void backward(KernelContext& ctx, int64_t batch, const float*, const float*, const float* dy, float* dx) override {
    if (!dx) return;
    const Pool2dShape s = at(batch);
    if (max_) {
      ctx.run("maxpool2d", KernelPass::BackwardInput, s.describe(), maxPool2dBackwardInputCost(s),
              [&] { maxPool2dBackwardInput(ctx.pool(), s, dy, argmax_.data(), dx); },
              [&] { cuda::maxPool2dBackwardInput(ctx.stream(), s, dy, argmax_.data(), dx); });
    } else {
      ctx.run("avgpool2d", KernelPass::BackwardInput, s.describe(), avgPool2dBackwardInputCost(s), [&] { avgPool2dBackwardInput(ctx.pool(), s, dy, dx); },
              [&] { cuda::avgPool2dBackwardInput(ctx.stream(), s, dy, dx); });
    }
  }

 private:
  Pool2dShape at(int64_t batch) const {
    Pool2dShape s = shape_;
    s.n = batch;
    return s;
  }

  Pool2dShape shape_;
  bool max_;
  Buffer<int32_t> argmax_;  // max pooling: the winning input index per output
};

std::unique_ptr<Layer> makePool(SpecReader& spec, const Shape& input, bool max) {
  spec.requireRank(input, 3, "[channels, height, width]");
  Pool2dShape s;
  s.c = input[0], s.h = input[1], s.w = input[2];
  std::tie(s.kh, s.kw) = spec.integerPair("kernel", std::nullopt, 1);
  std::tie(s.sh, s.sw) = spec.integerPair("stride", std::make_pair(s.kh, s.kw), 1);
  std::tie(s.ph, s.pw) = spec.integerPair("padding", std::make_pair<int64_t, int64_t>(0, 0), 0);
  if (!max) s.countIncludePad = spec.flag("countIncludePad", true);
  spec.inContext([&] { s.validate(); });
  return std::make_unique<Pool2dLayer>(s, max);
}

}  // namespace

std::unique_ptr<Layer> makeMaxPool2dLayer(SpecReader& spec, const Shape& input) { return makePool(spec, input, true); }
std::unique_ptr<Layer> makeAvgPool2dLayer(SpecReader& spec, const Shape& input) { return makePool(spec, input, false); }

}  // namespace sj
