#include "network/loss.h"

#include <cstring>

#include "base/error.h"
#include "cuda/device_memory.h"
#include "kernels/bce.h"
#include "kernels/sigmoid.h"
#include "kernels/softmax.h"
#include "kernels/softmax_ce.h"

namespace sj {

Loss Loss::fromName(const std::string& name, int64_t classes) {
  Loss loss;
  loss.classes_ = classes;
  if (name == "bce-logits") {
    loss.kind_ = Kind::BceLogits;
  } else if (name == "bce") {
    loss.kind_ = Kind::BceProbabilities;
  } else if (name == "softmax-ce") {
    loss.kind_ = Kind::SoftmaxCe;
    if (classes < 2) fail(ErrorCode::Spec, "spec: loss 'softmax-ce' needs at least 2 classes on the output's last axis, got ", classes);
  } else {
    fail(ErrorCode::Spec, "spec: unknown loss '", name, "' (known: bce-logits, bce, softmax-ce)");
  }
  return loss;
}

const char* Loss::name() const { return kind_ == Kind::BceLogits ? "bce-logits" : kind_ == Kind::SoftmaxCe ? "softmax-ce" : "bce"; }

void Loss::forward(KernelContext& ctx, int64_t elements, const float* prediction, const float* target, float* loss) const {
  if (kind_ == Kind::SoftmaxCe) {
    const SoftmaxCeShape s{elements / classes_, classes_};
    ctx.run("softmax_ce", KernelPass::Forward, s.describe(), softmaxCeForwardCost(s), [&] { softmaxCeForward(ctx.pool(), s, prediction, target, loss); },
            [&] { cuda::softmaxCeForward(ctx.stream(), s, prediction, target, loss); });
    return;
  }
  const BceShape s{elements, kind_ == Kind::BceLogits};
  ctx.run("bce", KernelPass::Forward, s.describe(), bceForwardCost(s), [&] { bceForward(ctx.pool(), s, prediction, target, loss); },
          [&] { cuda::bceForward(ctx.stream(), s, prediction, target, loss); });
}

void Loss::backward(KernelContext& ctx, int64_t elements, const float* prediction, const float* target, const float* upstream,
                    float* gradient) const {
  if (kind_ == Kind::SoftmaxCe) {
    const SoftmaxCeShape s{elements / classes_, classes_};
    ctx.run("softmax_ce", KernelPass::BackwardInput, s.describe(), softmaxCeBackwardInputCost(s),
            [&] { softmaxCeBackwardInput(ctx.pool(), s, prediction, target, upstream, gradient); },
            [&] { cuda::softmaxCeBackwardInput(ctx.stream(), s, prediction, target, upstream, gradient); });
    return;
  }
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
  if (kind_ == Kind::SoftmaxCe) {
    const SoftmaxShape s{elements / classes_, classes_, 1};
    ctx.run("softmax", KernelPass::Forward, s.describe(), softmaxForwardCost(s), [&] { softmaxForward(ctx.pool(), s, prediction, out); },
            [&] { cuda::softmaxForward(ctx.stream(), s, prediction, out); });
    return;
  }
  const SigmoidShape s{elements};
  ctx.run("sigmoid", KernelPass::Forward, s.describe(), sigmoidForwardCost(s), [&] { sigmoidForward(ctx.pool(), s, prediction, out); },
          [&] { cuda::sigmoidForward(ctx.stream(), s, prediction, out); });
}

}  // namespace sj
