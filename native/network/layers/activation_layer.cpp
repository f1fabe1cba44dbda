// The point-wise nonlinearities of kernels/activation.h, any input shape, output the same shape:
//   gelu         {"approximate": "none"}   "none" (erf) or "tanh", PyTorch's GELU(approximate=...)
//   silu         {}
//   hardswish    {}
//   hardsigmoid  {"alpha": 1/6, "beta": 0.5}   PyTorch's defaults (ONNX HardSigmoid's are 0.2, 0.5)
//   clip         {"min": -inf, "max": +inf}    either bound may be left out; ReLU6 is 0..6
//   leaky_relu   {"slope": 0.01}
//   tanh         {}
// The backward pass reads the layer's input x (kernels/activation.h says why).
#include <limits>

#include "kernels/activation.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class ActivationLayer : public Layer {
 public:
  ActivationLayer(const Shape& input, const char* type, ActivationKind kind, double a, double b)
      : Layer(input, input), type_(type), kind_(kind), a_(a), b_(b) {}
  const char* type() const override { return type_; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const ActivationShape s = at(batch);
    ctx.run(activationRule(kind_).name, KernelPass::Forward, s.describe(), activationForwardCost(s), [&] { activationForward(ctx.pool(), s, x, y); },
            [&] { cuda::activationForward(ctx.stream(), s, x, y); });
  }
  void backward(KernelContext& ctx, int64_t batch, const float* x, const float*, const float* dy, float* dx) override {
    if (!dx) return;
    const ActivationShape s = at(batch);
    ctx.run(activationRule(kind_).name, KernelPass::BackwardInput, s.describe(), activationBackwardInputCost(s),
            [&] { activationBackwardInput(ctx.pool(), s, x, dy, dx); }, [&] { cuda::activationBackwardInput(ctx.stream(), s, x, dy, dx); });
  }

 private:
  ActivationShape at(int64_t batch) const { return ActivationShape{batch * numel(input_), kind_, a_, b_}; }

  const char* type_;
  ActivationKind kind_;
  double a_, b_;
};

// The layer, with its constants checked now (E_VALUE naming the layer), not at the first batch.
std::unique_ptr<Layer> make(SpecReader& spec, const Shape& input, const char* type, ActivationKind kind, double a = 0.0, double b = 0.0) {
  spec.inContext([&] { ActivationShape{numel(input), kind, a, b}.validate(); });
  return std::make_unique<ActivationLayer>(input, type, kind, a, b);
}

constexpr double kFloatMax = std::numeric_limits<float>::max();

}  // namespace

std::unique_ptr<Layer> makeGeluLayer(SpecReader& spec, const Shape& input) {
  const bool tanh = spec.choice("approximate", "none", {"none", "tanh"}) == "tanh";
  return make(spec, input, "gelu", tanh ? ActivationKind::GeluTanh : ActivationKind::Gelu);
}

std::unique_ptr<Layer> makeSiluLayer(SpecReader& spec, const Shape& input) { return make(spec, input, "silu", ActivationKind::Silu); }

std::unique_ptr<Layer> makeHardswishLayer(SpecReader& spec, const Shape& input) {
  return make(spec, input, "hardswish", ActivationKind::Hardswish);
}

std::unique_ptr<Layer> makeHardsigmoidLayer(SpecReader& spec, const Shape& input) {
  const double alpha = spec.number("alpha", 1.0 / 6.0, -kFloatMax, kFloatMax);
  const double beta = spec.number("beta", 0.5, -kFloatMax, kFloatMax);
  return make(spec, input, "hardsigmoid", ActivationKind::Hardsigmoid, alpha, beta);
}

std::unique_ptr<Layer> makeClipLayer(SpecReader& spec, const Shape& input) {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  const double lo = spec.number("min", -kInfinity, -kFloatMax, kFloatMax);
  const double hi = spec.number("max", kInfinity, -kFloatMax, kFloatMax);
  return make(spec, input, "clip", ActivationKind::Clip, lo, hi);
}

std::unique_ptr<Layer> makeLeakyReluLayer(SpecReader& spec, const Shape& input) {
  const double slope = spec.number("slope", 0.01, -kFloatMax, kFloatMax);
  return make(spec, input, "leaky_relu", ActivationKind::LeakyRelu, slope);
}

std::unique_ptr<Layer> makeTanhLayer(SpecReader& spec, const Shape& input) { return make(spec, input, "tanh", ActivationKind::Tanh); }

}  // namespace sj
