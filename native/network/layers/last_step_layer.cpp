// last_step: {} keeps the last time step of a sequence: [T, F] -> [F].
#include "kernels/layout.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class LastStepLayer : public Layer {
 public:
  explicit LastStepLayer(const Shape& input) : Layer(input, {input[1]}) {}
  const char* type() const override { return "last_step"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const LastStepShape s{batch, input_[0], input_[1]};
    ctx.run("last_step", KernelPass::Forward, s.describe(), lastStepForwardCost(s), [&] { lastStepForward(ctx.pool(), s, x, y); },
            [&] { cuda::lastStepForward(ctx.stream(), s, x, y); });
  }
  void backward(KernelContext& ctx, int64_t batch, const float*, const float*, const float* dy, float* dx) override {
    if (!dx) return;
    const LastStepShape s{batch, input_[0], input_[1]};
    ctx.run("last_step", KernelPass::BackwardInput, s.describe(), lastStepBackwardInputCost(s), [&] { lastStepBackwardInput(ctx.pool(), s, dy, dx); },
            [&] { cuda::lastStepBackwardInput(ctx.stream(), s, dy, dx); });
  }
};

}  // namespace

std::unique_ptr<Layer> makeLastStepLayer(SpecReader& spec, const Shape& input) {
  spec.requireRank(input, 2, "[time, features]");
  return std::make_unique<LastStepLayer>(input);
}

}  // namespace sj
