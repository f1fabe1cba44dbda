#include "kernels/resample.h"

#include "base/error.h"
#include "cuda/launch.h"

namespace sj::cuda {
namespace {

constexpr int kResampleThreads = 256;
constexpr int64_t kSegmentFloats = 12 * 1024;  // 48 KB: the input a block's outputs reach, staged in shared memory

struct ResampleParams {
  int64_t samples, outputs, up, down, reach, rowLength;
  int staged;  // the block's input segment fits in shared memory
};

// One thread per output j: i0 = j M / L, phase = j M mod L, y[j] = sum over k < 2C of
// table[phase][k] * x[i0 - C + 1 + k], x = 0 outside the signal.
// The 256 outputs of a block read an input segment of about 255 M / L + 2C samples, which every
// tap of every output reads again: the block stages it in shared memory (zeros outside the
// signal) when it fits, else reads x through the cache. The tap rows differ per output (one
// phase each) and are read through L1.
__global__ void resampleForwardKernel(ResampleParams p, const float* __restrict__ x, const float* __restrict__ table, float* __restrict__ y) {
  SJ_DYNAMIC_SHARED(float, segment);
  const int64_t j0 = static_cast<int64_t>(blockIdx.x) * blockDim.x, j = j0 + threadIdx.x;
  const int64_t last = (j0 + blockDim.x < p.outputs ? j0 + blockDim.x : p.outputs) - 1;
  const int64_t begin = j0 * p.down / p.up - p.reach + 1;  // first input the block reads
  const int64_t taps = 2 * p.reach;
  if (p.staged) {
    const int64_t end = last * p.down / p.up + p.reach + 1;
    for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) segment[i - begin] = i >= 0 && i < p.samples ? x[i] : 0.f;
    __syncthreads();
  }
  if (j > last) return;
  const int64_t i0 = j * p.down / p.up, phase = j * p.down - i0 * p.up;
  const float* row = table + phase * p.rowLength;
  const int64_t first = i0 - p.reach + 1;
  // Four interleaved partial sums (tap k into sum k mod 4): independent FMA chains, and a smaller
  // rounding error than one long chain (the CPU kernel sums in 8 or 16 SIMD lanes).
  const float* in = p.staged ? segment + (first - begin) : nullptr;
  auto input = [&](int64_t k) {
    if (in) return in[k];
    const int64_t i = first + k;
    return i >= 0 && i < p.samples ? x[i] : 0.f;
  };
  float a0 = 0.f, a1 = 0.f, a2 = 0.f, a3 = 0.f;
  int64_t k = 0;
  for (; k + 4 <= taps; k += 4) {
    a0 = fmaf(__ldg(row + k), input(k), a0);
    a1 = fmaf(__ldg(row + k + 1), input(k + 1), a1);
    a2 = fmaf(__ldg(row + k + 2), input(k + 2), a2);
    a3 = fmaf(__ldg(row + k + 3), input(k + 3), a3);
  }
  for (; k < taps; ++k) a0 = fmaf(__ldg(row + k), input(k), a0);
  y[j] = (a0 + a1) + (a2 + a3);
}

}  // namespace

ResampleDevicePlan::ResampleDevicePlan(const ResamplePlan& plan, CudaStream stream)
    : inRate_(plan.inRate()),
      outRate_(plan.outRate()),
      up_(plan.filter().up()),
      down_(plan.filter().down()),
      reach_(plan.filter().reach()),
      rowLength_(plan.rowLength()) {
  table_.resize(Device::Cuda, up_ * rowLength_, "resampling taps");
  table_.copyFromHost(plan.row(0), stream);
}

void resampleForward(CudaStream stream, const ResampleShape& s, const ResampleDevicePlan& plan, const float* x, float* y) {
  if (plan.inRate() != s.inRate || plan.outRate() != s.outRate) {
    fail(ErrorCode::Internal, "resample: CUDA plan for ", plan.inRate(), " -> ", plan.outRate(), " Hz used for ", s.inRate, " -> ", s.outRate);
  }
  ResampleParams p;
  p.samples = s.samples;
  p.outputs = s.outputs();
  p.up = plan.up();
  p.down = plan.down();
  p.reach = plan.reach();
  p.rowLength = plan.rowLength();
  // Longest segment a block reads: i0 advances by at most ceil(255 M / L) over its outputs.
  const int64_t segment = ((kResampleThreads - 1) * p.down + p.up - 1) / p.up + 2 * p.reach;
  p.staged = segment <= kSegmentFloats ? 1 : 0;
  const size_t shared = p.staged ? static_cast<size_t>(segment) * sizeof(float) : 0;
  launch("resampleForward", resampleForwardKernel, dim3(blocksFor(p.outputs, kResampleThreads)), dim3(kResampleThreads), shared, stream, p, x,
         plan.table(), y);
}

}  // namespace sj::cuda
