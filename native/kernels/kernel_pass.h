// Which part of a layer's work a kernel call does. The backward work is three passes, each counted
// on its own (input, weight and bias gradients: a first layer skips its input gradient). The
// ledger's rows and the native tests' op tables name passes with this one enum.
#pragma once

namespace sj {

enum class KernelPass { Forward, BackwardInput, BackwardWeight, BackwardBias, Optimizer };

inline const char* kernelPassName(KernelPass pass) {
  switch (pass) {
    case KernelPass::Forward: return "forward";
    case KernelPass::BackwardInput: return "backward-input";
    case KernelPass::BackwardWeight: return "backward-weight";
    case KernelPass::BackwardBias: return "backward-bias";
    case KernelPass::Optimizer: return "optimizer";
  }
  return "forward";
}

}  // namespace sj
