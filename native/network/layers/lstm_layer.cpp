// lstm: {"hidden": H, "layers": 1, "bidirectional": false, "bias": true} over a sequence
// [T, F] -> [T, D*H] (D = 2 when bidirectional). A stack of LSTM kernel calls, one per layer, with
// PyTorch's parameters per layer l (gate order i, f, g, o): weight_ih_l<l> [D, 4H, I],
// weight_hh_l<l> [D, 4H, H], bias_ih_l<l> [D, 4H], bias_hh_l<l> [D, 4H]; all start uniform in
// +-1/sqrt(H) (PyTorch).
#include <cmath>

#include "kernels/lstm.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class LstmLayer : public Layer {
 public:
  LstmLayer(const Shape& input, int64_t hidden, int64_t layers, bool bidirectional, bool bias)
      : Layer(input, {input[0], (bidirectional ? 2 : 1) * hidden}), hidden_(hidden), layers_(layers), bidirectional_(bidirectional), bias_(bias) {
    const int64_t d = bidirectional ? 2 : 1;
    const float bound = 1.0f / std::sqrt(static_cast<float>(hidden));
    for (int64_t l = 0; l < layers; ++l) {
      const int64_t in = l == 0 ? input[1] : d * hidden;
      const std::string suffix = "_l" + std::to_string(l);
      addParameter("weight_ih" + suffix, {d, 4 * hidden, in}, Init::uniform(bound));
      addParameter("weight_hh" + suffix, {d, 4 * hidden, hidden}, Init::uniform(bound));
      if (bias) {
        addParameter("bias_ih" + suffix, {d, 4 * hidden}, Init::uniform(bound));
        addParameter("bias_hh" + suffix, {d, 4 * hidden}, Init::uniform(bound));
      }
    }
    outputs_.resize(layers);
    state_.resize(layers);
  }
  const char* type() const override { return "lstm"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    for (int64_t l = 0; l < layers_; ++l) {
      const LstmShape s = at(batch, l, true);
      state_[l].resize(ctx.device(), s.stateSize(), "saved LSTM state");
      // Inner layers keep their outputs: they are the next layer's input and their own history.
      float* out = l + 1 == layers_ ? y : (outputs_[l].resize(ctx.device(), s.outputSize(), "LSTM layer outputs"), outputs_[l].data());
      const float* in = l == 0 ? x : outputs_[l - 1].data();
      ctx.run("lstm", KernelPass::Forward, s.describe(), lstmForwardCost(s),
              [&] { lstmForward(ctx.pool(), s, in, wih(l), whh(l), bih(l), bhh(l), out, state_[l].data()); },
              [&] { cuda::lstmForward(ctx.stream(), s, in, wih(l), whh(l), bih(l), bhh(l), out, state_[l].data()); });
    }
  }

  void backward(KernelContext& ctx, int64_t batch, const float* x, const float* y, const float* dy, float* dx) override {
    const float* upstream = dy;
    for (int64_t l = layers_; l-- > 0;) {
      const bool wantDx = l > 0 || dx != nullptr;
      const LstmShape s = at(batch, l, wantDx);
      const std::string shapes = s.describe();
      const float* in = l == 0 ? x : outputs_[l - 1].data();
      const float* out = l + 1 == layers_ ? y : outputs_[l].data();
      gateGrads_.resize(ctx.device(), s.gateGradsSize(), "LSTM gate gradients");
      float* inputGrad = nullptr;
      if (l > 0) {
        // The gradient for layer l-1's output; ping-pong so the upstream buffer stays intact.
        Buffer<float>& next = scratch_[l % 2];
        next.resize(ctx.device(), s.inputSize(), "LSTM input gradients");
        inputGrad = next.data();
      } else {
        inputGrad = dx;
      }
      ctx.run("lstm", KernelPass::BackwardInput, shapes, lstmBackwardInputCost(s),
              [&] { lstmBackwardInput(ctx.pool(), s, upstream, state_[l].data(), wih(l), whh(l), gateGrads_.data(), inputGrad); },
              [&] { cuda::lstmBackwardInput(ctx.stream(), s, upstream, state_[l].data(), wih(l), whh(l), gateGrads_.data(), inputGrad); });
      ctx.run("lstm", KernelPass::BackwardWeight, shapes, lstmBackwardWeightCost(s),
              [&] { lstmBackwardWeight(ctx.pool(), s, gateGrads_.data(), in, out, grad(l, 0), grad(l, 1)); },
              [&] { cuda::lstmBackwardWeight(ctx.stream(), s, gateGrads_.data(), in, out, grad(l, 0), grad(l, 1)); });
      if (bias_) {
        ctx.run("lstm", KernelPass::BackwardBias, shapes, lstmBackwardBiasCost(s),
                [&] { lstmBackwardBias(ctx.pool(), s, gateGrads_.data(), grad(l, 2), grad(l, 3)); },
                [&] { cuda::lstmBackwardBias(ctx.stream(), s, gateGrads_.data(), grad(l, 2), grad(l, 3)); });
      }
      upstream = inputGrad;
    }
  }

 private:
  LstmShape at(int64_t batch, int64_t l, bool inputGradient) const {
    LstmShape s;
    s.n = batch;
    s.t = input_[0];
    s.input = l == 0 ? input_[1] : (bidirectional_ ? 2 : 1) * hidden_;
    s.hidden = hidden_;
    s.bidirectional = bidirectional_;
    s.bias = bias_;
    s.inputGradient = inputGradient;
    return s;
  }
  size_t index(int64_t l, int k) const { return static_cast<size_t>(l * (bias_ ? 4 : 2) + k); }
  const float* wih(int64_t l) const { return params_[index(l, 0)].value.data(); }
  const float* whh(int64_t l) const { return params_[index(l, 1)].value.data(); }
  const float* bih(int64_t l) const { return bias_ ? params_[index(l, 2)].value.data() : nullptr; }
  const float* bhh(int64_t l) const { return bias_ ? params_[index(l, 3)].value.data() : nullptr; }
  float* grad(int64_t l, int k) { return params_[index(l, k)].grad.data(); }

  int64_t hidden_, layers_;
  bool bidirectional_, bias_;
  std::vector<Buffer<float>> outputs_, state_;  // per layer: output (all but the last), saved state
  Buffer<float> gateGrads_, scratch_[2];
};

}  // namespace

std::unique_ptr<Layer> makeLstmLayer(SpecReader& spec, const Shape& input) {
  spec.requireRank(input, 2, "[time, features]");
  const int64_t hidden = spec.integer("hidden", std::nullopt, 1);
  const int64_t layers = spec.integer("layers", 1, 1, 64);
  const bool bidirectional = spec.flag("bidirectional", false);
  const bool bias = spec.flag("bias", true);
  return std::make_unique<LstmLayer>(input, hidden, layers, bidirectional, bias);
}

}  // namespace sj
