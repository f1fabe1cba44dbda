// The training loss of a network: binary cross-entropy, either on logits (sigmoid fused, the
// numerically stable form) or on probabilities (torch.nn.BCELoss, for networks whose last layer
// already outputs probabilities), mean over all elements of the batch; or softmax cross-entropy
// on logits (single-label sets: one-hot or class-probability targets), over the last per-sample
// axis, mean over the rows (kernels/softmax_ce.h).
#pragma once
#include <cstdint>
#include <string>

#include "network/layer.h"

namespace sj {

class Loss {
 public:
  enum class Kind { BceLogits, BceProbabilities, SoftmaxCe };

  // "bce-logits" | "bce" | "softmax-ce"; classes: the size of the output's last per-sample axis
  // (E_SPEC when softmax-ce has fewer than 2).
  static Loss fromName(const std::string& name, int64_t classes);
  const char* name() const;

  // Tensors are on the context's device: `loss` [1] receives the mean loss.
  void forward(KernelContext& ctx, int64_t elements, const float* prediction, const float* target, float* loss) const;
  // Writes d(loss)/d(prediction) for an upstream gradient `upstream` [1] of the loss.
  void backward(KernelContext& ctx, int64_t elements, const float* prediction, const float* target, const float* upstream, float* gradient) const;
  // Probabilities from the network's output: a sigmoid for BCE logits, a softmax over the classes
  // for softmax-ce, a copy otherwise.
  void probabilities(KernelContext& ctx, int64_t elements, const float* prediction, float* out) const;

 private:
  Kind kind_ = Kind::BceLogits;
  int64_t classes_ = 1;
};

}  // namespace sj
