// gru: {"hidden": H, "layers": 1, "bidirectional": false, "bias": true, "linearBeforeReset": true}
// over a sequence [T, F] -> [T, D*H] (D = 2 when bidirectional); linearBeforeReset false is the
// candidate form of ONNX GRU's linear_before_reset = 0 (kernels/gru.h). A stack of GRU kernel calls, one per layer, with
// PyTorch's parameters per layer l: weight_ih_l<l> [D, 3H, I], weight_hh_l<l> [D, 3H, H],
// bias_ih_l<l> [D, 3H], bias_hh_l<l> [D, 3H]; all start uniform in +-1/sqrt(H) (PyTorch).
#include <cmath>

#include "kernels/gru.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class GruLayer : public Layer {
 public:
  GruLayer(const Shape& input, int64_t hidden, int64_t layers, bool bidirectional, bool bias, bool linearBeforeReset)
      : Layer(input, {input[0], (bidirectional ? 2 : 1) * hidden}),
        hidden_(hidden),
        layers_(layers),
        bidirectional_(bidirectional),
        bias_(bias),
        linearBeforeReset_(linearBeforeReset) {
    const int64_t d = bidirectional ? 2 : 1;
    const float bound = 1.0f / std::sqrt(static_cast<float>(hidden));
    for (int64_t l = 0; l < layers; ++l) {
      const int64_t in = l == 0 ? input[1] : d * hidden;
      const std::string suffix = "_l" + std::to_string(l);
      addParameter("weight_ih" + suffix, {d, 3 * hidden, in}, Init::uniform(bound));
      addParameter("weight_hh" + suffix, {d, 3 * hidden, hidden}, Init::uniform(bound));
      if (bias) {
        addParameter("bias_ih" + suffix, {d, 3 * hidden}, Init::uniform(bound));
        addParameter("bias_hh" + suffix, {d, 3 * hidden}, Init::uniform(bound));
      }
    }
    outputs_.resize(layers);
    gates_.resize(layers);
  }
  const char* type() const override { return "gru"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    for (int64_t l = 0; l < layers_; ++l) {
      const GruShape s = at(batch, l, true);
      gates_[l].resize(ctx.device(), s.gatesSize(), "saved GRU gates");
      // Inner layers keep their outputs: they are the next layer's input and their own history.
      float* out = l + 1 == layers_ ? y : (outputs_[l].resize(ctx.device(), s.outputSize(), "GRU layer outputs"), outputs_[l].data());
      const float* in = l == 0 ? x : outputs_[l - 1].data();
      ctx.run("gru", KernelPass::Forward, s.describe(), gruForwardCost(s),
              [&] { gruForward(ctx.pool(), s, in, wih(l), whh(l), bih(l), bhh(l), out, gates_[l].data()); },
              [&] { cuda::gruForward(ctx.stream(), s, in, wih(l), whh(l), bih(l), bhh(l), out, gates_[l].data()); });
    }
  }

  void backward(KernelContext& ctx, int64_t batch, const float* x, const float* y, const float* dy, float* dx) override {
    const float* upstream = dy;
    for (int64_t l = layers_; l-- > 0;) {
      const bool wantDx = l > 0 || dx != nullptr;
      const GruShape s = at(batch, l, wantDx);
      const std::string shapes = s.describe();
      const float* in = l == 0 ? x : outputs_[l - 1].data();
      const float* out = l + 1 == layers_ ? y : outputs_[l].data();
      gateGrads_.resize(ctx.device(), s.gatesSize(), "GRU gate gradients");
      float* inputGrad = nullptr;
      if (l > 0) {
        // The gradient for layer l-1's output; ping-pong so the upstream buffer stays intact.
        Buffer<float>& next = scratch_[l % 2];
        next.resize(ctx.device(), s.inputSize(), "GRU input gradients");
        inputGrad = next.data();
      } else {
        inputGrad = dx;
      }
      ctx.run("gru", KernelPass::BackwardInput, shapes, gruBackwardInputCost(s),
              [&] { gruBackwardInput(ctx.pool(), s, upstream, out, gates_[l].data(), wih(l), whh(l), gateGrads_.data(), inputGrad); },
              [&] { cuda::gruBackwardInput(ctx.stream(), s, upstream, out, gates_[l].data(), wih(l), whh(l), gateGrads_.data(), inputGrad); });
      ctx.run("gru", KernelPass::BackwardWeight, shapes, gruBackwardWeightCost(s),
              [&] { gruBackwardWeight(ctx.pool(), s, gateGrads_.data(), gates_[l].data(), in, out, grad(l, 0), grad(l, 1)); },
              [&] { cuda::gruBackwardWeight(ctx.stream(), s, gateGrads_.data(), gates_[l].data(), in, out, grad(l, 0), grad(l, 1)); });
      if (bias_) {
        ctx.run("gru", KernelPass::BackwardBias, shapes, gruBackwardBiasCost(s),
                [&] { gruBackwardBias(ctx.pool(), s, gateGrads_.data(), grad(l, 2), grad(l, 3)); },
                [&] { cuda::gruBackwardBias(ctx.stream(), s, gateGrads_.data(), grad(l, 2), grad(l, 3)); });
      }
      upstream = inputGrad;
    }
  }

 private:
  GruShape at(int64_t batch, int64_t l, bool inputGradient) const {
    GruShape s;
    s.n = batch;
    s.t = input_[0];
    s.input = l == 0 ? input_[1] : (bidirectional_ ? 2 : 1) * hidden_;
    s.hidden = hidden_;
    s.bidirectional = bidirectional_;
    s.bias = bias_;
    s.inputGradient = inputGradient;
    s.linearBeforeReset = linearBeforeReset_;
    return s;
  }
  size_t index(int64_t l, int k) const { return static_cast<size_t>(l * (bias_ ? 4 : 2) + k); }
  const float* wih(int64_t l) const { return params_[index(l, 0)].value.data(); }
  const float* whh(int64_t l) const { return params_[index(l, 1)].value.data(); }
  const float* bih(int64_t l) const { return bias_ ? params_[index(l, 2)].value.data() : nullptr; }
  const float* bhh(int64_t l) const { return bias_ ? params_[index(l, 3)].value.data() : nullptr; }
  float* grad(int64_t l, int k) { return params_[index(l, k)].grad.data(); }

  int64_t hidden_, layers_;
  bool bidirectional_, bias_, linearBeforeReset_;
  std::vector<Buffer<float>> outputs_, gates_;  // per layer: output (all but the last), saved gates
  Buffer<float> gateGrads_, scratch_[2];
};

}  // namespace

std::unique_ptr<Layer> makeGruLayer(SpecReader& spec, const Shape& input) {
  spec.requireRank(input, 2, "[time, features]");
  const int64_t hidden = spec.integer("hidden", std::nullopt, 1);
  const int64_t layers = spec.integer("layers", 1, 1, 64);
  const bool bidirectional = spec.flag("bidirectional", false);
  const bool bias = spec.flag("bias", true);
  const bool linearBeforeReset = spec.flag("linearBeforeReset", true);
  return std::make_unique<GruLayer>(input, hidden, layers, bidirectional, bias, linearBeforeReset);
}

}  // namespace sj
