#include "kernels/lstm.h"

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

void LstmShape::validate() const {
  auto positive = [](const char* name, int64_t v) {
    if (v <= 0) fail(ErrorCode::Shape, "lstm: ", name, " must be positive, got ", v);
  };
  positive("batch", n);
  positive("time steps", t);
  positive("input size", input);
  positive("hidden size", hidden);
}

std::string LstmShape::describe() const {
  const int64_t D = directions();
  return "x" + dims({n, t, input}) + " h" + std::to_string(hidden) + (bidirectional ? " bi" : " uni") + (bias ? " +b" : "") +
         (inputGradient ? "" : " no-dx") + " -> y" + dims({n, t, D * hidden});
}

// ---- cost ------------------------------------------------------------------------------------
// Let D = directions, S = N*T steps per direction, P = N*(T-1) steps that have a previous state.

Cost lstmForwardCost(const LstmShape& s) {
  const int64_t D = s.directions(), H = s.hidden, G = 4 * H, S = s.n * s.t, P = s.n * (s.t - 1);
  Cost c;
  c.macs = D * G * (S * s.input + P * H);  // W_ih x every step, W_hh h_prev after the first
  // 2 per MAC; bias adds (b_hh alone at the first step is a copy); per hidden unit and step the
  // four pre-activation sums, three sigmoids, i * g, o * tanh(c_t), and f * c_prev + after the
  // first step (2 more).
  c.flops = 2 * c.macs + (s.bias ? D * G * (S + P) : 0) + (6 + 3 * kSigmoidFlops) * D * S * H + 2 * D * P * H;
  c.transcendentals = (3 * kSigmoidTranscendentals + 2) * D * S * H;  // + tanh(g), tanh(c_t)
  c.comparisons = 3 * kSigmoidComparisons * D * S * H;
  c.bytesRead =
      kFloatBytes * (s.inputSize() + s.inputWeightSize() + (s.t > 1 ? s.hiddenWeightSize() : 0) + (s.bias ? 2 * s.biasSize() : 0));
  c.bytesWritten = kFloatBytes * (s.outputSize() + s.stateSize());
  return c;
}

Cost lstmBackwardInputCost(const LstmShape& s) {
  const int64_t D = s.directions(), H = s.hidden, G = 4 * H, S = s.n * s.t, P = s.n * (s.t - 1);
  Cost c;
  c.macs = D * G * (P * H + (s.inputGradient ? S * s.input : 0));  // W_hh^T recurrence, W_ih^T for dx
  // Per hidden unit and step 16 for the gate gradients i, g, o and the cell gradient; the two
  // carries added (not at the last step) and da_f with dc * f (5, not at the first): H*(23T - 7)
  // per sample.
  c.flops = 2 * c.macs + D * s.n * H * (23 * s.t - 7);
  c.transcendentals = D * S * H;  // tanh(c_t), not kept by the forward pass
  // dy, state, whh (only with a recurrence), wih for dx
  c.bytesRead =
      kFloatBytes * (s.outputSize() + s.stateSize() + (s.t > 1 ? s.hiddenWeightSize() : 0) + (s.inputGradient ? s.inputWeightSize() : 0));
  c.bytesWritten = kFloatBytes * (s.gateGradsSize() + (s.inputGradient ? s.inputSize() : 0));
  return c;
}

Cost lstmBackwardWeightCost(const LstmShape& s) {
  const int64_t D = s.directions(), H = s.hidden, G = 4 * H, S = s.n * s.t, P = s.n * (s.t - 1);
  Cost c;
  c.macs = D * G * (S * s.input + P * H);
  c.flops = 2 * c.macs;
  c.bytesRead = kFloatBytes * (s.gateGradsSize() + s.inputSize() + (s.t > 1 ? s.outputSize() : 0));
  c.bytesWritten = kFloatBytes * (s.inputWeightSize() + s.hiddenWeightSize());
  return c;
}

Cost lstmBackwardBiasCost(const LstmShape& s) {
  Cost c;
  c.flops = s.directions() * 4 * s.hidden * s.n * s.t;  // one sum serves both biases
  c.bytesRead = kFloatBytes * s.gateGradsSize();
  c.bytesWritten = kFloatBytes * 2 * s.biasSize();
  return c;
}

}  // namespace sj
