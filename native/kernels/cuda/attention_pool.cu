// Attention pooling on CUDA. strong, a, sof, dstrong, da are [B][T][C]; den, weak, dweak [B][C].
//
// Forward: the softmax (softmax.cu), then the sums over time. One block of 256 threads per clip b
// and group of up to 256 classes: with cw classes in the group, thread k < slices * cw (slices =
// 256 / cw) takes class k % cw and every slices-th frame from k / cw, so a warp reads whole rows
// of the [T][C] block (coalesced even for the baseline's C = 10). Each thread sums in double; the
// slices' partials of a class are then added in slice order from shared memory: a fixed order,
// bit-identical run to run.
// Backward: element-wise (the clamp mask and the two products), then the softmax backward in
// place on da.
#include "kernels/attention_pool.h"

#include "cuda/launch.h"
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/softmax.h"

namespace sj::cuda {
namespace {

constexpr int kThreads = 256;

// clamp(v, floor, 1), in the CPU kernel's order: min with 1, then max with the floor
__device__ __forceinline__ float clampedWeight(float v, float floor) {
  const float w = v > 1.0f ? 1.0f : v;
  return w < floor ? floor : w;
}

// den = sum_t clamp(sof), weak = sum_t strong * clamp(sof) / den
__global__ void __launch_bounds__(kThreads) attentionPoolSumsKernel(int64_t t, int64_t c, int64_t groups, int cw, float floor,
                                                                     const float* __restrict__ strong, const float* __restrict__ sof,
                                                                     float* __restrict__ den, float* __restrict__ weak) {
  __shared__ double numerators[kThreads], denominators[kThreads];
  const int64_t b = blockIdx.x / groups, c0 = blockIdx.x % groups * cw;
  const int slices = kThreads / cw, k = static_cast<int>(threadIdx.x);
  const int64_t cls = c0 + k % cw;
  double num = 0.0, sum = 0.0;
  if (k < slices * cw && cls < c) {
    for (int64_t f = k / cw; f < t; f += slices) {
      const int64_t i = (b * t + f) * c + cls;
      const float w = clampedWeight(sof[i], floor);
      num += static_cast<double>(strong[i]) * w;
      sum += w;
    }
  }
  numerators[k] = num;
  denominators[k] = sum;
  __syncthreads();
  if (k < cw && cls < c) {
    for (int q = 1; q < slices; ++q) {
      num += numerators[q * cw + k];
      sum += denominators[q * cw + k];
    }
    den[b * c + cls] = static_cast<float>(sum);
    weak[b * c + cls] = static_cast<float>(num / sum);
  }
}

// dstrong = r * clamp(sof); da = r * (strong - weak) where the clamp passes sof, else 0;
// r = dweak / den
template <class Index>
__global__ void attentionPoolGradientsKernel(Index size, Index t, Index c, float floor, const float* __restrict__ strong,
                                             const float* __restrict__ sof, const float* __restrict__ den, const float* __restrict__ weak,
                                             const float* __restrict__ dweak, float* __restrict__ dstrong, float* __restrict__ da) {
  for (Index i = static_cast<Index>(gridStrideStart()); i < size; i += static_cast<Index>(gridStrideStep())) {
    const Index clip = i / (t * c) * c + i % c;
    const float r = dweak[clip] / den[clip], v = sof[i];
    dstrong[i] = r * clampedWeight(v, floor);
    da[i] = v >= floor && v <= 1.0f ? r * (strong[i] - weak[clip]) : 0.0f;
  }
}

}  // namespace

void attentionPoolForward(CudaStream stream, const AttentionPoolShape& s, const float* strong, const float* a, float* sof, float* den,
                          float* weak) {
  softmaxForward(stream, s.softmax(), a, sof);
  const int cw = static_cast<int>(s.c < kThreads ? s.c : kThreads);
  const int64_t groups = (s.c + cw - 1) / cw;
  launch("attentionPoolForward.sums", attentionPoolSumsKernel, dim3(static_cast<unsigned>(s.b * groups)), dim3(kThreads), 0, stream, s.t, s.c,
         groups, cw, static_cast<float>(kAttentionFloor), strong, sof, den, weak);
}

void attentionPoolBackwardInput(CudaStream stream, const AttentionPoolShape& s, const float* strong, const float* sof, const float* den,
                                const float* weak, const float* dweak, float* dstrong, float* da) {
  const int64_t size = s.size();
  const float floor = static_cast<float>(kAttentionFloor);
  if (fitsIndex32(size)) {
    launch("attentionPoolBackwardInput", attentionPoolGradientsKernel<uint32_t>, elementwiseGrid(size), dim3(kElementwiseThreads), 0, stream, size,
           s.t, s.c, floor, strong, sof, den, weak, dweak, dstrong, da);
  } else {
    launch("attentionPoolBackwardInput", attentionPoolGradientsKernel<int64_t>, elementwiseGrid(size), dim3(kElementwiseThreads), 0, stream, size,
           s.t, s.c, floor, strong, sof, den, weak, dweak, dstrong, da);
  }
  softmaxBackwardInput(stream, s.softmax(), sof, da, da);
}

}  // namespace sj::cuda
