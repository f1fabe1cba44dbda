#include "ledger/kernel_context.h"

namespace sj {

CudaStream KernelContext::stream() const {
  if constexpr (kCudaBuilt) {
    if (cuda_) return cuda_->stream();
  }
  return nullptr;
}

void KernelContext::finishDeviceWork() {
  if constexpr (kCudaBuilt) {
    if (!cuda_) return;
    std::vector<int64_t> ns;
    try {
      ns = cuda_->collect();
    } catch (...) {
      pending_.clear();
      throw;
    }
    if (ns.size() != pending_.size()) {
      pending_.clear();
      fail(ErrorCode::Internal, "kernel timing: ", ns.size(), " timed calls for ", pending_.size(), " pending ledger rows");
    }
    for (size_t i = 0; i < ns.size(); ++i) {
      const Call& c = pending_[i];
      ledger_.record(c.layer, c.kernel, c.pass, c.shapes, c.cost, ns[i], Device::Cuda);
    }
    pending_.clear();
  }
}

void KernelContext::abandonDeviceWork() {
  pending_.clear();
  if constexpr (kCudaBuilt) {
    if (cuda_) cuda_->discard();
  }
}

}  // namespace sj
