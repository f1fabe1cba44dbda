// The real FFT of frontend/fft.h on CUDA, batched: one thread block transforms one or several
// sequences in shared memory (the same Stockham stages and butterflies as the CPU kernels, from
// fft_detail), so the STFT (frontend_stft.h) runs every frame of a clip in one launch.
//
//   x [count][n] real  ->  re, im [count][n/2+1]        cost: count x realFftCost(n)
#pragma once
#include <cstdint>

#include "core/buffer.h"
#include "cuda/cuda_stream.h"
#include "frontend/fft.h"

namespace sj::cuda {

// 2^a 3^b 5^c with h < 2^30 has fewer stages than this (at most 19, all radix 3).
constexpr int kMaxFftStages = 32;

// What a kernel needs of an FftPlan, passed by value as a kernel parameter: the stages and the
// device addresses of the float twiddle and split tables (the CPU's float tables, copied).
struct FftPlanView {
  int n = 1, h = 1, bins = 1;  // h: the complex length (n/2 packed, else n)
  int packed = 0;
  int stages = 0;
  int radix[kMaxFftStages] = {}, stride[kMaxFftStages] = {}, span[kMaxFftStages] = {}, twiddles[kMaxFftStages] = {};
  const float* twiddleRe = nullptr;
  const float* twiddleIm = nullptr;
  const float* splitRe = nullptr;  // [h], packed only
  const float* splitIm = nullptr;
};

// An FftPlan's tables on the device, copied once (the front end keeps one per extractor).
// E_VALUE for n >= 2^30 (the kernels index in int).
class FftDevicePlan {
 public:
  FftDevicePlan(const FftPlan& plan, CudaStream stream);
  const FftPlanView& view() const { return view_; }
  int64_t size() const { return view_.n; }

 private:
  Buffer<float> tables_;  // twiddle re, twiddle im, split re, split im
  FftPlanView view_;
};

// x [count][n] -> re, im [count][n/2+1]. No allocation for n up to 12,288 (the shared-memory
// path); longer transforms run their stages in the stream's workspace.
void realFft(CudaStream stream, const FftDevicePlan& plan, int64_t count, const float* x, float* re, float* im);

}  // namespace sj::cuda
