// The training loss of a network: binary cross-entropy, either on logits (sigmoid fused, the
// numerically stable form) or on probabilities (torch.nn.BCELoss, for networks whose last layer
// already outputs probabilities). Mean over all elements of the batch.
#pragma once
#include <cstdint>
#include <string>

#include "network/layer.h"

namespace sj {

class Loss {
 public:
  enum class Kind { BceLogits, BceProbabilities };

  static Loss fromName(const std::string& name);  // "bce-logits" | "bce"
  const char* name() const;

  // Tensors are on the context's device: `loss` [1] receives the mean loss.
  void forward(KernelContext& ctx, int64_t elements, const float* prediction, const float* target, float* loss) const;
  // Writes d(loss)/d(prediction) for an upstream gradient `upstream` [1] of the loss.
  void backward(KernelContext& ctx, int64_t elements, const float* prediction, const float* target, const float* upstream, float* gradient) const;
  // Probabilities from the network's output: a sigmoid for logits, a copy otherwise.
  void probabilities(KernelContext& ctx, int64_t elements, const float* prediction, float* out) const;

 private:
  Kind kind_ = Kind::BceLogits;
};

}  // namespace sj
