// sigmoid: {} element-wise logistic function, any input shape.
#include "kernels/sigmoid.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class SigmoidLayer : public Layer {
 public:
  explicit SigmoidLayer(const Shape& input) : Layer(input, input) {}
  const char* type() const override { return "sigmoid"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const SigmoidShape s{batch * numel(input_)};
    ctx.run("sigmoid", KernelPass::Forward, s.describe(), sigmoidForwardCost(s), [&] { sigmoidForward(ctx.pool(), s, x, y); },
            [&] { cuda::sigmoidForward(ctx.stream(), s, x, y); });
  }
  void backward(KernelContext& ctx, int64_t batch, const float*, const float* y, const float* dy, float* dx) override {
    if (!dx) return;
    const SigmoidShape s{batch * numel(input_)};
    ctx.run("sigmoid", KernelPass::BackwardInput, s.describe(), sigmoidBackwardInputCost(s), [&] { sigmoidBackwardInput(ctx.pool(), s, y, dy, dx); },
            [&] { cuda::sigmoidBackwardInput(ctx.stream(), s, y, dy, dx); });
  }
};

}  // namespace

std::unique_ptr<Layer> makeSigmoidLayer(SpecReader&, const Shape& input) { return std::make_unique<SigmoidLayer>(input); }

}  // namespace sj
