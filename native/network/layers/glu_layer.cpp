// glu: {"bias": true} the DCASE baseline's gated linear unit over channels of [C, H, W]:
// y = (W x + b) * sigmoid(x) with a C x C weight at every position (DESED_task CNN.py, class GLU).
// Parameters "linear.weight" [C, C] and "linear.bias" [C] start uniform in +-1/sqrt(C) (PyTorch).
#include <cmath>

#include "kernels/glu.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class GluLayer : public Layer {
 public:
  GluLayer(const Shape& input, bool bias) : Layer(input, input) {
    shape_.c = input[0], shape_.h = input[1], shape_.w = input[2], shape_.bias = bias;
    const float bound = 1.0f / std::sqrt(static_cast<float>(input[0]));
    addParameter("linear.weight", {input[0], input[0]}, Init::uniform(bound));
    if (bias) addParameter("linear.bias", {input[0]}, Init::uniform(bound));
  }
  const char* type() const override { return "glu"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const GluShape s = at(batch);
    lin_.resize(ctx.device(), s.size(), "saved GLU tensors");
    sig_.resize(ctx.device(), s.size(), "saved GLU tensors");
    const float* w = params_[0].value.data();
    const float* b = s.bias ? params_[1].value.data() : nullptr;
    ctx.run("glu", KernelPass::Forward, s.describe(), gluForwardCost(s), [&] { gluForward(ctx.pool(), s, x, w, b, lin_.data(), sig_.data(), y); },
            [&] { cuda::gluForward(ctx.stream(), s, x, w, b, lin_.data(), sig_.data(), y); });
  }

  void backward(KernelContext& ctx, int64_t batch, const float* x, const float*, const float* dy, float* dx) override {
    const GluShape s = at(batch);
    const std::string shapes = s.describe();
    const float* w = params_[0].value.data();
    if (dx) {
      ctx.run("glu", KernelPass::BackwardInput, shapes, gluBackwardInputCost(s),
              [&] { gluBackwardInput(ctx.pool(), s, dy, w, lin_.data(), sig_.data(), dx); },
              [&] { cuda::gluBackwardInput(ctx.stream(), s, dy, w, lin_.data(), sig_.data(), dx); });
    }
    float* dw = params_[0].grad.data();
    ctx.run("glu", KernelPass::BackwardWeight, shapes, gluBackwardWeightCost(s), [&] { gluBackwardWeight(ctx.pool(), s, dy, sig_.data(), x, dw); },
            [&] { cuda::gluBackwardWeight(ctx.stream(), s, dy, sig_.data(), x, dw); });
    if (s.bias) {
      float* db = params_[1].grad.data();
      ctx.run("glu", KernelPass::BackwardBias, shapes, gluBackwardBiasCost(s), [&] { gluBackwardBias(ctx.pool(), s, dy, sig_.data(), db); },
              [&] { cuda::gluBackwardBias(ctx.stream(), s, dy, sig_.data(), db); });
    }
  }

 private:
  GluShape at(int64_t batch) const {
    GluShape s = shape_;
    s.n = batch;
    return s;
  }
  GluShape shape_;
  Buffer<float> lin_, sig_;  // saved by the forward for the backward passes
};

}  // namespace

std::unique_ptr<Layer> makeGluLayer(SpecReader& spec, const Shape& input) {
  spec.requireRank(input, 3, "[channels, height, width]");
  return std::make_unique<GluLayer>(input, spec.flag("bias", true));
}

}  // namespace sj
