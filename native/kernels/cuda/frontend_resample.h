// Band-limited resampling of frontend/resample.h on CUDA (shape, filter design, semantics and cost
// are defined there), on the CPU plan's float table of taps.
#pragma once
#include "core/buffer.h"
#include "cuda/cuda_stream.h"
#include "frontend/resample.h"

namespace sj::cuda {

// A ResamplePlan's table [phases][rowLength] on the device, copied once per rate pair.
class ResampleDevicePlan {
 public:
  ResampleDevicePlan(const ResamplePlan& plan, CudaStream stream);
  int64_t inRate() const { return inRate_; }
  int64_t outRate() const { return outRate_; }
  int64_t up() const { return up_; }
  int64_t down() const { return down_; }
  int64_t reach() const { return reach_; }
  int64_t rowLength() const { return rowLength_; }
  const float* table() const { return table_.data(); }

 private:
  int64_t inRate_, outRate_, up_, down_, reach_, rowLength_;
  Buffer<float> table_;
};

// x [samples] -> y [outputs()]. plan's rates must be s's.
void resampleForward(CudaStream stream, const ResampleShape& s, const ResampleDevicePlan& plan, const float* x, float* y);

}  // namespace sj::cuda
