// softmax, log_softmax: {"axis": -1} over one per-sample axis (negative counts from the end).
#include "kernels/softmax.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class SoftmaxLayer : public Layer {
 public:
  // logarithm: log_softmax (ONNX LogSoftmax, torch.log_softmax), whose backward also reads y.
  SoftmaxLayer(const Shape& input, size_t axis, bool logarithm) : Layer(input, input), log_(logarithm) {
    for (size_t a = 0; a < input.size(); ++a) (a < axis ? outer_ : a == axis ? n_ : inner_) *= input[a];
  }
  const char* type() const override { return log_ ? "log_softmax" : "softmax"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const SoftmaxShape s = at(batch);
    if (log_) {
      ctx.run("log_softmax", KernelPass::Forward, s.describe(), logSoftmaxForwardCost(s), [&] { logSoftmaxForward(ctx.pool(), s, x, y); },
              [&] { cuda::logSoftmaxForward(ctx.stream(), s, x, y); });
      return;
    }
    ctx.run("softmax", KernelPass::Forward, s.describe(), softmaxForwardCost(s), [&] { softmaxForward(ctx.pool(), s, x, y); },
            [&] { cuda::softmaxForward(ctx.stream(), s, x, y); });
  }
  void backward(KernelContext& ctx, int64_t batch, const float*, const float* y, const float* dy, float* dx) override {
    if (!dx) return;
    const SoftmaxShape s = at(batch);
    if (log_) {
      ctx.run("log_softmax", KernelPass::BackwardInput, s.describe(), logSoftmaxBackwardInputCost(s),
              [&] { logSoftmaxBackwardInput(ctx.pool(), s, y, dy, dx); }, [&] { cuda::logSoftmaxBackwardInput(ctx.stream(), s, y, dy, dx); });
      return;
    }
    ctx.run("softmax", KernelPass::BackwardInput, s.describe(), softmaxBackwardInputCost(s), [&] { softmaxBackwardInput(ctx.pool(), s, y, dy, dx); },
            [&] { cuda::softmaxBackwardInput(ctx.stream(), s, y, dy, dx); });
  }

 private:
  SoftmaxShape at(int64_t batch) const { return SoftmaxShape{batch * outer_, n_, inner_}; }
  bool log_;
  int64_t outer_ = 1, n_ = 1, inner_ = 1;
};

}  // namespace

// Resolves a per-sample axis that may count from the end.
size_t resolveAxis(SpecReader& spec, const Shape& input, int64_t axis) {
  const int64_t rank = static_cast<int64_t>(input.size());
  if (axis < -rank || axis >= rank) spec.inContext([&] { fail(ErrorCode::Shape, "axis ", axis, " is outside a per-sample input of rank ", rank); });
  return static_cast<size_t>(axis < 0 ? axis + rank : axis);
}

std::unique_ptr<Layer> makeSoftmaxLayer(SpecReader& spec, const Shape& input) {
  const size_t axis = resolveAxis(spec, input, spec.integer("axis", -1, INT64_MIN));
  return std::make_unique<SoftmaxLayer>(input, axis, false);
}

std::unique_ptr<Layer> makeLogSoftmaxLayer(SpecReader& spec, const Shape& input) {
  const size_t axis = resolveAxis(spec, input, spec.integer("axis", -1, INT64_MIN));
  return std::make_unique<SoftmaxLayer>(input, axis, true);
}

}  // namespace sj
