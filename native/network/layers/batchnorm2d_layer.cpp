// batchnorm2d: {"eps": 1e-5, "momentum": 0.1} over channels of [C, H, W]. gamma = 1, beta = 0;
// the running mean (0) and variance (1) are buffers: saved with the weights, not trained.
#include "kernels/batchnorm2d.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class BatchNorm2dLayer : public Layer {
 public:
  BatchNorm2dLayer(const Shape& input, double eps, double momentum) : Layer(input, input) {
    shape_.c = input[0], shape_.h = input[1], shape_.w = input[2], shape_.eps = eps, shape_.momentum = momentum;
    addParameter("weight", {input[0]}, Init::constant(1.f));
    addParameter("bias", {input[0]}, Init::constant(0.f));
    addParameter("running_mean", {input[0]}, Init::constant(0.f), false);
    addParameter("running_var", {input[0]}, Init::constant(1.f), false);
  }
  const char* type() const override { return "batchnorm2d"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const BatchNorm2dShape s = at(batch, ctx.training());
    ctx.inLayer([&] { s.validate(); });
    mean_.resize(ctx.device(), s.c, "batch statistics");
    rstd_.resize(ctx.device(), s.c, "batch statistics");
    ctx.run(
        "batchnorm2d", KernelPass::Forward, s.describe(), batchnorm2dForwardCost(s),
        [&] {
          batchnorm2dForward(ctx.pool(), s, x, params_[0].value.data(), params_[1].value.data(), params_[2].value.data(),
                             params_[3].value.data(), mean_.data(), rstd_.data(), y);
        },
        [&] {
          cuda::batchnorm2dForward(ctx.stream(), s, x, params_[0].value.data(), params_[1].value.data(), params_[2].value.data(),
                                   params_[3].value.data(), mean_.data(), rstd_.data(), y);
        });
  }

  void backward(KernelContext& ctx, int64_t batch, const float* x, const float*, const float* dy, float* dx) override {
    const BatchNorm2dShape s = at(batch, true);
    const std::string shapes = s.describe();
    if (dx) {
      ctx.run("batchnorm2d", KernelPass::BackwardInput, shapes, batchnorm2dBackwardInputCost(s),
              [&] { batchnorm2dBackwardInput(ctx.pool(), s, dy, x, params_[0].value.data(), mean_.data(), rstd_.data(), dx); },
              [&] { cuda::batchnorm2dBackwardInput(ctx.stream(), s, dy, x, params_[0].value.data(), mean_.data(), rstd_.data(), dx); });
    }
    ctx.run("batchnorm2d", KernelPass::BackwardWeight, shapes, batchnorm2dBackwardWeightCost(s),
            [&] { batchnorm2dBackwardWeight(ctx.pool(), s, dy, x, mean_.data(), rstd_.data(), params_[0].grad.data()); },
            [&] { cuda::batchnorm2dBackwardWeight(ctx.stream(), s, dy, x, mean_.data(), rstd_.data(), params_[0].grad.data()); });
    ctx.run("batchnorm2d", KernelPass::BackwardBias, shapes, batchnorm2dBackwardBiasCost(s),
            [&] { batchnorm2dBackwardBias(ctx.pool(), s, dy, params_[1].grad.data()); },
            [&] { cuda::batchnorm2dBackwardBias(ctx.stream(), s, dy, params_[1].grad.data()); });
  }

 private:
  BatchNorm2dShape at(int64_t batch, bool training) const {
    BatchNorm2dShape s = shape_;
    s.n = batch;
    s.training = training;
    return s;
  }

  BatchNorm2dShape shape_;
  Buffer<float> mean_, rstd_;  // saved by the forward for the backward passes
};

}  // namespace

std::unique_ptr<Layer> makeBatchNorm2dLayer(SpecReader& spec, const Shape& input) {
  spec.requireRank(input, 3, "[channels, height, width]");
  const double eps = spec.number("eps", 1e-5, 1e-12, 1.0);
  const double momentum = spec.number("momentum", 0.1, 0.0, 1.0);
  return std::make_unique<BatchNorm2dLayer>(input, eps, momentum);
}

}  // namespace sj
