#include "kernels/fft.h"

#include <vector>

#include "base/error.h"
#include "cuda/device_memory.h"
#include "kernels/cuda/fft_device.cuh"

namespace sj::cuda {
namespace {

// x [count][n] -> re, im [count][bins]; geometry in fft_device.cuh. Frame slot `slot`
// of group g is sequence g F + slot: it reads n contiguous samples (neighbouring threads read
// neighbouring pairs) and writes its bins contiguously.
// Two blocks of 512 threads per SM: at most 64 registers (96 unbounded).
__global__ void __launch_bounds__(fft_device::kMaxBlockThreads, 2)
    realFftKernel(FftPlanView plan, fft_device::Geometry g, int64_t count, const float* __restrict__ x, float* __restrict__ re,
                  float* __restrict__ im, float* global) {
  SJ_DYNAMIC_SHARED(float, shared);
  const int T = g.threadsPerFrame, slot = static_cast<int>(threadIdx.x) / T, t = static_cast<int>(threadIdx.x) % T;
  const int h = plan.h;
  float* const base = fft_device::frameMemory(g, shared, global, slot);
  for (int64_t group = blockIdx.x; group < g.groups; group += gridDim.x) {
    const int64_t c = group * g.framesPerBlock + slot;
    const bool valid = c < count;
    float *zr = base, *zi = base + h, *wr = base + 2 * h, *wi = base + 3 * h;
    const float* xc = x + (valid ? c : 0) * plan.n;
    for (int j = t; j < h; j += T) {
      zr[j] = !valid ? 0.f : plan.packed ? xc[2 * j] : xc[j];
      zi[j] = !valid || !plan.packed ? 0.f : xc[2 * j + 1];
    }
    __syncthreads();
    fft_device::complexFft(plan, zr, zi, wr, wi, t, T);
    if (valid) {
      for (int k = t; k < plan.bins; k += T) {
        float r, i;
        fft_device::spectrumBin(plan, zr, zi, k, r, i);
        re[c * plan.bins + k] = r;
        im[c * plan.bins + k] = i;
      }
    }
    __syncthreads();  // the next group overwrites the buffers
  }
}

}  // namespace

FftDevicePlan::FftDevicePlan(const FftPlan& plan, CudaStream stream) {
  if (plan.size() >= (int64_t(1) << 30)) fail(ErrorCode::Value, "CUDA FFT: length ", plan.size(), " is too long (at most 2^30 - 1)");
  const std::vector<FftStage>& stages = plan.stages();
  if (static_cast<int>(stages.size()) > kMaxFftStages) fail(ErrorCode::Internal, "CUDA FFT: ", stages.size(), " stages");
  int64_t twiddles = 0;
  for (const FftStage& st : stages) twiddles = st.twiddles + (st.radix - 1) * st.span;
  const int64_t split = plan.packed() ? plan.complexLength() : 0;
  std::vector<float> host;
  host.reserve(2 * (twiddles + split));
  host.insert(host.end(), plan.twiddleReF(), plan.twiddleReF() + twiddles);
  host.insert(host.end(), plan.twiddleImF(), plan.twiddleImF() + twiddles);
  host.insert(host.end(), plan.splitReF(), plan.splitReF() + split);
  host.insert(host.end(), plan.splitImF(), plan.splitImF() + split);
  if (!host.empty()) {
    tables_.resize(Device::Cuda, static_cast<int64_t>(host.size()), "FFT twiddles");
    tables_.copyFromHost(host.data(), stream);
  }
  view_.n = static_cast<int>(plan.size());
  view_.h = static_cast<int>(plan.complexLength());
  view_.bins = static_cast<int>(plan.bins());
  view_.packed = plan.packed() ? 1 : 0;
  view_.stages = static_cast<int>(stages.size());
  for (size_t i = 0; i < stages.size(); ++i) {
    view_.radix[i] = stages[i].radix;
    view_.stride[i] = static_cast<int>(stages[i].stride);
    view_.span[i] = static_cast<int>(stages[i].span);
    view_.twiddles[i] = static_cast<int>(stages[i].twiddles);
  }
  const float* t = tables_.data();
  view_.twiddleRe = t;
  view_.twiddleIm = t + twiddles;
  view_.splitRe = t + 2 * twiddles;
  view_.splitIm = t + 2 * twiddles + split;
}

void realFft(CudaStream stream, const FftDevicePlan& plan, int64_t count, const float* x, float* re, float* im) {
  if (count < 1) return;
  const fft_device::Geometry g = fft_device::geometry(plan.view(), count);
  float* global = g.inShared ? nullptr : static_cast<float*>(workspace(stream, g.workspaceBytes));
  fft_device::allowShared(reinterpret_cast<const void*>(realFftKernel), g, "realFft");
  launch("realFft", realFftKernel, dim3(g.blocks), dim3(g.threadsPerFrame * g.framesPerBlock), static_cast<size_t>(g.sharedBytes), stream,
         plan.view(), g, count, x, re, im, global);
}

}  // namespace sj::cuda
