// The sparse mel projection of frontend/mel.h on CUDA (shape, semantics and cost are defined there).
#pragma once
#include "core/buffer.h"
#include "cuda/cuda_stream.h"
#include "frontend/mel.h"

namespace sj::cuda {

// A filterbank's sparse structure on the device: first bin, count and offset of each filter's
// weights, int32 [3][mels], copied once (the weights themselves are a separate float tensor, as
// on the CPU).
class MelDeviceIndex {
 public:
  MelDeviceIndex(const MelFilterbank& fb, CudaStream stream);
  const int32_t* data() const { return index_.data(); }
  int64_t mels() const { return mels_; }

 private:
  Buffer<int32_t> index_;
  int64_t mels_ = 0;
};

// S [bins][frames], weights [nonzeros] -> y [mels][frames]. index must be s.filters's.
void melForward(CudaStream stream, const MelShape& s, const MelDeviceIndex& index, const float* weights, const float* spec, float* y);

}  // namespace sj::cuda
