// relu: {} element-wise max(x, 0), any input shape.
#include "kernels/relu.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class ReluLayer : public Layer {
 public:
  explicit ReluLayer(const Shape& input) : Layer(input, input) {}
  const char* type() const override { return "relu"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const ReluShape s{batch * numel(input_)};
    ctx.run("relu", KernelPass::Forward, s.describe(), reluForwardCost(s), [&] { reluForward(ctx.pool(), s, x, y); },
            [&] { cuda::reluForward(ctx.stream(), s, x, y); });
  }
  void backward(KernelContext& ctx, int64_t batch, const float* x, const float*, const float* dy, float* dx) override {
    if (!dx) return;
    const ReluShape s{batch * numel(input_)};
    ctx.run("relu", KernelPass::BackwardInput, s.describe(), reluBackwardInputCost(s), [&] { reluBackwardInput(ctx.pool(), s, x, dy, dx); },
            [&] { cuda::reluBackwardInput(ctx.stream(), s, x, dy, dx); });
  }
};

}  // namespace

std::unique_ptr<Layer> makeReluLayer(SpecReader&, const Shape& input) { return std::make_unique<ReluLayer>(input); }

}  // namespace sj
