#include "network/loss.h"

#include <cstring>

#include "base/error.h"
#include "cuda/device_memory.h"
#include "kernels/bce.h"
#include "kernels/sigmoid.h"

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

void Loss::forward(KernelContext& ctx, int64_t elements, const float* prediction, const float* target, float* loss) const {
  const BceShape s{elements, kind_ == Kind::BceLogits};
  ctx.run("bce", KernelPass::Forward, s.describe(), bceForwardCost(s), [&] { bceForward(ctx.pool(), s, prediction, target, loss); },
          [&] { cuda::bceForward(ctx.stream(), s, prediction, target, loss); });
}

void Loss::backward(KernelContext& ctx, int64_t elements, const float* prediction, const float* target, const float* upstream,
                    float* gradient) const {
  const BceShape s{elements, kind_ == Kind::BceLogits};
  ctx.run("bce", KernelPass::BackwardInput, s.describe(), bceBackwardInputCost(s),
          [&] { bceBackwardInput(ctx.pool(), s, prediction, target, upstream, gradient); },
          [&] { cuda::bceBackwardInput(ctx.stream(), s, prediction, target, upstream, gradient); });
}

void Loss::probabilities(KernelContext& ctx, int64_t elements, const float* prediction, float* out) const {
  if (kind_ == Kind::BceProbabilities) {
    const int64_t bytes = elements * static_cast<int64_t>(sizeof(float));
    if (ctx.device() == Device::Cpu) {
      std::memcpy(out, prediction, static_cast<size_t>(bytes));
    } else if constexpr (kCudaBuilt) {
      cuda::copyOnDevice(out, prediction, bytes, ctx.stream(), "the network's output");
    }
    return;
  }
  const SigmoidShape s{elements};
  ctx.run("sigmoid", KernelPass::Forward, s.describe(), sigmoidForwardCost(s), [&] { sigmoidForward(ctx.pool(), s, prediction, out); },
          [&] { cuda::sigmoidForward(ctx.stream(), s, prediction, out); });
}

}  // namespace sj
