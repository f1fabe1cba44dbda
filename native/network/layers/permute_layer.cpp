// permute: {"dims": [...]} reorders the per-sample axes: output axis i is input axis dims[i].
#include "kernels/layout.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class PermuteLayer : public Layer {
 public:
  PermuteLayer(const PermuteShape& s) : Layer(s.dims, s.outputDims()), shape_(s) {}
  const char* type() const override { return "permute"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const PermuteShape s = at(batch);
    ctx.run("permute", KernelPass::Forward, s.describe(), permuteForwardCost(s), [&] { permuteForward(ctx.pool(), s, x, y); },
            [&] { cuda::permuteForward(ctx.stream(), s, x, y); });
  }
  void backward(KernelContext& ctx, int64_t batch, const float*, const float*, const float* dy, float* dx) override {
    if (!dx) return;
    const PermuteShape s = at(batch);
    ctx.run("permute", KernelPass::BackwardInput, s.describe(), permuteBackwardInputCost(s), [&] { permuteBackwardInput(ctx.pool(), s, dy, dx); },
            [&] { cuda::permuteBackwardInput(ctx.stream(), s, dy, dx); });
  }

 private:
  PermuteShape at(int64_t batch) const {
    PermuteShape s = shape_;
    s.n = batch;
    return s;
  }
  PermuteShape shape_;
};

}  // namespace

std::unique_ptr<Layer> makePermuteLayer(SpecReader& spec, const Shape& input) {
  PermuteShape s;
  s.dims = input;
  s.order = spec.integerList("dims", 0);
  spec.inContext([&] { s.validate(); });
  return std::make_unique<PermuteLayer>(s);
}

}  // namespace sj
