// mean: {"axis": a} averages over one per-sample axis (negative counts from the end), e.g. over
// time of [T, F] with axis 0.
#include "kernels/mean.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

Shape without(Shape s, size_t axis) {
  s.erase(s.begin() + static_cast<std::ptrdiff_t>(axis));
  if (s.empty()) s.push_back(1);
  return s;
}

class MeanLayer : public Layer {
 public:
  MeanLayer(const Shape& input, size_t axis) : Layer(input, without(input, axis)) {
    for (size_t a = 0; a < input.size(); ++a) (a < axis ? outer_ : a == axis ? n_ : inner_) *= input[a];
  }
  const char* type() const override { return "mean"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const MeanShape s{batch * outer_, n_, inner_};
    ctx.run("mean", KernelPass::Forward, s.describe(), meanForwardCost(s), [&] { meanForward(ctx.pool(), s, x, y); },
            [&] { cuda::meanForward(ctx.stream(), s, x, y); });
  }
  void backward(KernelContext& ctx, int64_t batch, const float*, const float*, const float* dy, float* dx) override {
    if (!dx) return;
    const MeanShape s{batch * outer_, n_, inner_};
    ctx.run("mean", KernelPass::BackwardInput, s.describe(), meanBackwardInputCost(s), [&] { meanBackwardInput(ctx.pool(), s, dy, dx); },
            [&] { cuda::meanBackwardInput(ctx.stream(), s, dy, dx); });
  }

 private:
  int64_t outer_ = 1, n_ = 1, inner_ = 1;
};

}  // namespace

std::unique_ptr<Layer> makeMeanLayer(SpecReader& spec, const Shape& input) {
  const size_t axis = resolveAxis(spec, input, spec.integer("axis", std::nullopt, INT64_MIN));
  return std::make_unique<MeanLayer>(input, axis);
}

}  // namespace sj
