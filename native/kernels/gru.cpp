#include "kernels/gru.h"

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

void GruShape::validate() const {
  auto positive = [](const char* name, int64_t v) {
    if (v <= 0) fail(ErrorCode::Shape, "gru: ", name, " must be positive, got ", v);
  };
  positive("batch", n);
  positive("time steps", t);
  positive("input size", input);
  positive("hidden size", hidden);
}

std::string GruShape::describe() const {
  const int64_t D = directions();
  return "x" + dims({n, t, input}) + " h" + std::to_string(hidden) + (bidirectional ? " bi" : " uni") + (bias ? " +b" : "") +
         (inputGradient ? "" : " no-dx") + (linearBeforeReset ? "" : " lbr=0") + " -> y" + dims({n, t, D * hidden});
}

// ---- cost ------------------------------------------------------------------------------------
// Let D = directions, S = N*T steps per direction, P = N*(T-1) steps that have a previous state.

Cost gruForwardCost(const GruShape& s) {
  const int64_t D = s.directions(), H = s.hidden, G = 3 * H, S = s.n * s.t, P = s.n * (s.t - 1);
  Cost c;
  c.macs = D * G * (S * s.input + P * H);  // W_ih x every step, W_hh h_prev after the first
  // 2 per MAC; bias adds (b_hh alone at the first step is a copy); per hidden unit the two
  // pre-activation sums, r * gh_n and + gi_n (linearBeforeReset) or gi_n + gh_n and q = r * h_prev
  // after the first step (not), h_t = n + z * (h - n) (3), and two sigmoids.
  const int64_t elementwise = s.linearBeforeReset ? 7 * S : 6 * S + P;
  c.flops = 2 * c.macs + (s.bias ? D * G * (S + P) : 0) + D * H * elementwise + 2 * kSigmoidFlops * D * S * H;
  c.transcendentals = (2 * kSigmoidTranscendentals + 1) * D * S * H;  // + tanh
  c.comparisons = 2 * kSigmoidComparisons * D * S * H;
  c.bytesRead =
      kFloatBytes * (s.inputSize() + s.inputWeightSize() + (s.t > 1 ? s.hiddenWeightSize() : 0) + (s.bias ? 2 * s.biasSize() : 0));
  c.bytesWritten = kFloatBytes * (s.outputSize() + s.gatesSize());
  return c;
}

Cost gruBackwardInputCost(const GruShape& s) {
  const int64_t D = s.directions(), H = s.hidden, G = 3 * H, S = s.n * s.t, P = s.n * (s.t - 1);
  Cost c;
  c.macs = D * G * (P * H + (s.inputGradient ? S * s.input : 0));  // W_hh^T recurrence, W_ih^T for dx
  // Per hidden unit and step: dh_t = dy_t + carry (not at the last step), 9 for da_z and da_n, and
  // the direct term dh * z of dh_prev (not at the first step); linearBeforeReset: 5 more for da_r
  // and da_n * r, H*(16T - 2) per sample; without it, after the first step, 4 for da_r and 2 for
  // dq * r and its sum into dh_prev, H*(17T - 8).
  c.flops = 2 * c.macs + D * s.n * H * (s.linearBeforeReset ? 16 * s.t - 2 : 17 * s.t - 8);
  // dy, y (the hidden-state history, unused when T = 1), gates, whh (idem), wih for dx
  c.bytesRead = kFloatBytes * (s.outputSize() + (s.t > 1 ? s.outputSize() : 0) + s.gatesSize() + (s.t > 1 ? s.hiddenWeightSize() : 0) +
                               (s.inputGradient ? s.inputWeightSize() : 0));
  c.bytesWritten = kFloatBytes * (s.gatesSize() + (s.inputGradient ? s.inputSize() : 0));
  return c;
}

Cost gruBackwardWeightCost(const GruShape& s) {
  const int64_t D = s.directions(), H = s.hidden, G = 3 * H, S = s.n * s.t, P = s.n * (s.t - 1);
  Cost c;
  c.macs = D * G * (S * s.input + P * H);
  c.flops = 2 * c.macs;
  // gateGrads, x, and with a recurrence y (h_prev) and, without linearBeforeReset, gates (q)
  const int64_t recurrent = s.t > 1 ? s.outputSize() + (s.linearBeforeReset ? 0 : s.gatesSize()) : 0;
  c.bytesRead = kFloatBytes * (s.gatesSize() + s.inputSize() + recurrent);
  c.bytesWritten = kFloatBytes * (s.inputWeightSize() + s.hiddenWeightSize());
  return c;
}

Cost gruBackwardBiasCost(const GruShape& s) {
  Cost c;
  c.flops = s.directions() * 4 * s.hidden * s.n * s.t;  // r and z sums serve both biases
  c.bytesRead = kFloatBytes * s.gatesSize();
  c.bytesWritten = kFloatBytes * 2 * s.biasSize();
  return c;
}

}  // namespace sj
