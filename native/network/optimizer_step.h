// The optimiser of a network and its per-parameter step (Adam or SGD with momentum, PyTorch
// semantics), run as one ledger kernel call per parameter tensor.
#pragma once
#include <cstdint>

#include "core/json.h"
#include "core/spec_reader.h"
#include "network/layer.h"

namespace sj {

struct OptimizerConfig {
  enum class Kind { Adam, Sgd } kind = Kind::Adam;
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;         // Adam
  double momentum = 0.0, dampening = 0.0;                 // SGD
  bool nesterov = false;                                  // SGD
  double weightDecay = 0.0;                               // L2, added to the gradient

  // From the spec's "optimizer" object; absent means Adam with the defaults above.
  static OptimizerConfig fromSpec(const Json* value);
  Json toJson() const;
};

// One update of p from its gradient; `step` counts from 1 (Adam's bias correction).
void optimizerStep(KernelContext& ctx, const OptimizerConfig& config, Parameter& p, int64_t step);

}  // namespace sj
