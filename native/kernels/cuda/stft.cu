#include "kernels/stft.h"

#include "base/error.h"
#include "cuda/device_memory.h"
#include "kernels/cuda/fft_device.cuh"

namespace sj::cuda {
namespace {

struct StftParams {
  int64_t samples, frames, hop, pad;
  int offset, winLength, power;
};

// Frames f = g F + slot of each group g (geometry in fft_device.cuh):
//   1. gather: z[j] = frame[2j] + i frame[2j+1] (packed; odd nFft: frame[j] + 0i), frame[i] =
//      x[reflect(f hop + i - pad)] * window[i - offset] inside the window, 0 around it; the
//      frames of a block overlap (hop < nFft), so their reads hit L1/L2;
//   2. the FFT stages in place (shared memory);
//   3. S[k] = |X[k]|^power into the free buffer;
//   4. the block writes its F frames' columns of y [bins][frames]: neighbouring threads take
//      neighbouring frames of one bin, then the next bin.
// Three blocks of 512 threads per SM where the SM holds 1,536 threads or more (at most 40
// registers), two on Turing, whose SMs hold 1,024.
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ == 750
constexpr int kStftBlocksPerSm = 2;
#else
constexpr int kStftBlocksPerSm = 3;
#endif
__global__ void __launch_bounds__(fft_device::kMaxBlockThreads, kStftBlocksPerSm)
    stftForwardKernel(FftPlanView plan, fft_device::Geometry g, StftParams s, const float* __restrict__ x, const float* __restrict__ window,
                      float* __restrict__ y, float* global) {
  SJ_DYNAMIC_SHARED(float, shared);
  const int T = g.threadsPerFrame, F = g.framesPerBlock;
  const int slot = static_cast<int>(threadIdx.x) / T, t = static_cast<int>(threadIdx.x) % T;
  const int h = plan.h, bins = plan.bins;
  const int step = plan.packed ? 2 : 1;
  const int64_t freeOffset = plan.stages % 2 == 0 ? 2 * h : 0;  // where complexFft leaves the free buffer
  float* const base = fft_device::frameMemory(g, shared, global, slot);
  for (int64_t group = blockIdx.x; group < g.groups; group += gridDim.x) {
    const int64_t f0 = group * F, f = f0 + slot;
    const bool valid = f < s.frames;
    const int64_t start = f * s.hop - s.pad;  // x index of the frame's first sample
    float *zr = base, *zi = base + h, *wr = base + 2 * h, *wi = base + 3 * h;
    auto sample = [&](int i) {  // windowed sample i of the frame
      return valid && i >= s.offset && i < s.offset + s.winLength ? x[reflectIndex(start + i, s.samples)] * __ldg(window + i - s.offset) : 0.f;
    };
    for (int j = t; j < h; j += T) {
      zr[j] = sample(step * j);
      zi[j] = step == 2 ? sample(2 * j + 1) : 0.f;
    }
    __syncthreads();
    fft_device::complexFft(plan, zr, zi, wr, wi, t, T);
    for (int k = t; k < bins; k += T) {
      float re, im;
      fft_device::spectrumBin(plan, zr, zi, k, re, im);
      const float p = re * re + im * im;
      wr[k] = s.power == 1 ? sqrtf(p) : p;
    }
    __syncthreads();
    const int width = static_cast<int>(s.frames - f0 < F ? s.frames - f0 : F);
    for (int e = static_cast<int>(threadIdx.x); e < bins * width; e += static_cast<int>(blockDim.x)) {
      const int k = e / width, column = e - k * width;
      const float* magnitudes = fft_device::frameMemory(g, shared, global, column) + freeOffset;
      y[k * s.frames + f0 + column] = magnitudes[k];
    }
    __syncthreads();  // the next group overwrites the buffers
  }
}

}  // namespace

void stftForward(CudaStream stream, const StftShape& s, const FftDevicePlan& plan, const float* x, const float* window, float* y) {
  if (plan.size() != s.nFft) fail(ErrorCode::Internal, "stft: CUDA plan for nFft ", plan.size(), ", shape has ", s.nFft);
  StftParams p;
  p.samples = s.samples;
  p.frames = s.frames();
  p.hop = s.hop;
  p.pad = s.pad();
  p.offset = static_cast<int>(s.windowOffset());
  p.winLength = static_cast<int>(s.winLength);
  p.power = s.power;
  const fft_device::Geometry g = fft_device::geometry(plan.view(), p.frames);
  float* global = g.inShared ? nullptr : static_cast<float*>(workspace(stream, g.workspaceBytes));
  fft_device::allowShared(reinterpret_cast<const void*>(stftForwardKernel), g, "stftForward");
  launch("stftForward", stftForwardKernel, dim3(g.blocks), dim3(g.threadsPerFrame * g.framesPerBlock), static_cast<size_t>(g.sharedBytes), stream,
         plan.view(), g, p, x, window, y, global);
}

}  // namespace sj::cuda
