// layer_norm: {"axes": 1, "eps": 1e-5, "affine": true} normalises each sample over its last `axes`
// per-sample axes (PyTorch LayerNorm with normalized_shape = those axes; ONNX LayerNormalization
// with axis = -axes). weight = 1 and bias = 0 of the normalised axes' shape, as PyTorch starts them.
#include "kernels/layernorm.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class LayerNormLayer : public Layer {
 public:
  LayerNormLayer(const Shape& input, size_t axes, double eps, bool affine) : Layer(input, input) {
    const size_t first = input.size() - axes;
    Shape normalised(input.begin() + static_cast<std::ptrdiff_t>(first), input.end());
    for (size_t a = 0; a < input.size(); ++a) (a < first ? outer_ : shape_.cols) *= input[a];
    shape_.eps = eps;
    shape_.affine = affine;
    if (affine) {
      addParameter("weight", normalised, Init::constant(1.f));
      addParameter("bias", normalised, Init::constant(0.f));
    }
  }
  const char* type() const override { return "layer_norm"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const LayerNormShape s = at(batch);
    mean_.resize(ctx.device(), s.rows, "row statistics");
    rstd_.resize(ctx.device(), s.rows, "row statistics");
    ctx.run(
        "layer_norm", KernelPass::Forward, s.describe(), layernormForwardCost(s),
        [&] { layernormForward(ctx.pool(), s, x, weight(), bias(), mean_.data(), rstd_.data(), y); },
        [&] { cuda::layernormForward(ctx.stream(), s, x, weight(), bias(), mean_.data(), rstd_.data(), y); });
  }

  void backward(KernelContext& ctx, int64_t batch, const float* x, const float*, const float* dy, float* dx) override {
    const LayerNormShape s = at(batch);
    const std::string shapes = s.describe();
    if (dx) {
      ctx.run("layer_norm", KernelPass::BackwardInput, shapes, layernormBackwardInputCost(s),
              [&] { layernormBackwardInput(ctx.pool(), s, dy, x, weight(), mean_.data(), rstd_.data(), dx); },
              [&] { cuda::layernormBackwardInput(ctx.stream(), s, dy, x, weight(), mean_.data(), rstd_.data(), dx); });
    }
    if (!s.affine) return;
    ctx.run("layer_norm", KernelPass::BackwardWeight, shapes, layernormBackwardWeightCost(s),
            [&] { layernormBackwardWeight(ctx.pool(), s, dy, x, mean_.data(), rstd_.data(), params_[0].grad.data()); },
            [&] { cuda::layernormBackwardWeight(ctx.stream(), s, dy, x, mean_.data(), rstd_.data(), params_[0].grad.data()); });
    ctx.run("layer_norm", KernelPass::BackwardBias, shapes, layernormBackwardBiasCost(s),
            [&] { layernormBackwardBias(ctx.pool(), s, dy, params_[1].grad.data()); },
            [&] { cuda::layernormBackwardBias(ctx.stream(), s, dy, params_[1].grad.data()); });
  }

 private:
  LayerNormShape at(int64_t batch) const {
    LayerNormShape s = shape_;
    s.rows = batch * outer_;
    return s;
  }
  const float* weight() const { return shape_.affine ? params_[0].value.data() : nullptr; }
  const float* bias() const { return shape_.affine ? params_[1].value.data() : nullptr; }

  LayerNormShape shape_;  // cols, eps, affine; rows per batch
  int64_t outer_ = 1;     // per-sample values before the normalised axes
  Buffer<float> mean_, rstd_;  // saved by the forward for the backward passes
};

}  // namespace

std::unique_ptr<Layer> makeLayerNormLayer(SpecReader& spec, const Shape& input) {
  const int64_t rank = static_cast<int64_t>(input.size());
  const int64_t axes = spec.integer("axes", 1, 1);
  if (axes > rank) spec.inContext([&] { fail(ErrorCode::Shape, "axes ", axes, " is more than the per-sample input's rank ", rank); });
  const double eps = spec.number("eps", 1e-5, 1e-12, 1.0);
  const bool affine = spec.flag("affine", true);
  return std::make_unique<LayerNormLayer>(input, static_cast<size_t>(axes), eps, affine);
}

}  // namespace sj
