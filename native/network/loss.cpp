#include "network/loss.h"

#include <cstring>

#include "core/error.h"
#include "kernels/cpu/bce.h"
#include "kernels/cpu/sigmoid.h"

namespace sj {

Loss Loss::fromName(const std::string& name) {
  Loss loss;
  if (name == "bce-logits") {
    loss.kind_ = Kind::BceLogits;
  } else if (name == "bce") {
    loss.kind_ = Kind::BceProbabilities;
  } else {
    fail(ErrorCode::Spec, "spec: unknown loss '", name, "' (known: bce-logits, bce)");
  }
  return loss;
}

const char* Loss::name() const { return kind_ == Kind::BceLogits ? "bce-logits" : "bce"; }

double Loss::forward(KernelContext& ctx, int64_t elements, const float* prediction, const float* target) const {
  const BceShape s{elements, kind_ == Kind::BceLogits};
  float loss = 0.f;
  ctx.run("bce", KernelPass::Forward, s.describe(), bceForwardCost(s), [&] { bceForward(ctx.pool(), s, prediction, target, &loss); });
  return loss;
}

void Loss::backward(KernelContext& ctx, int64_t elements, const float* prediction, const float* target, float* gradient) const {
  const BceShape s{elements, kind_ == Kind::BceLogits};
  const float upstream = 1.f;
  ctx.run("bce", KernelPass::BackwardInput, s.describe(), bceBackwardInputCost(s),
          [&] { bceBackwardInput(ctx.pool(), s, prediction, target, &upstream, gradient); });
}

void Loss::probabilities(KernelContext& ctx, int64_t elements, const float* prediction, float* out) const {
  if (kind_ == Kind::BceProbabilities) {
    std::memcpy(out, prediction, static_cast<size_t>(elements) * sizeof(float));
    return;
  }
  const SigmoidShape s{elements};
  ctx.run("sigmoid", KernelPass::Forward, s.describe(), sigmoidForwardCost(s), [&] { sigmoidForward(ctx.pool(), s, prediction, out); });
}

}  // namespace sj
