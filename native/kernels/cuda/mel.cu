#include "kernels/mel.h"

#include <algorithm>
#include <vector>

#include "base/error.h"
#include "cuda/launch.h"

namespace sj::cuda {
namespace {

constexpr int kMelThreads = 128;

// One thread per (filter m, frame f): blockIdx.y walks the filters, threads the frames, so the
// spectrum rows a filter reads are coalesced along f and the filter's weights are a broadcast.
// Terms are summed in the reference's order (j ascending), one FMA each.
__global__ void melForwardKernel(int64_t mels, int64_t frames, const int32_t* __restrict__ index, const float* __restrict__ weights,
                                 const float* __restrict__ spec, float* __restrict__ y) {
  const int64_t f = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (f >= frames) return;
  for (int64_t m = blockIdx.y; m < mels; m += gridDim.y) {
    const int64_t first = __ldg(index + m), count = __ldg(index + mels + m), offset = __ldg(index + 2 * mels + m);
    const float* w = weights + offset;
    const float* row = spec + first * frames + f;
    float acc = 0.f;
    for (int64_t j = 0; j < count; ++j) acc = fmaf(__ldg(w + j), row[j * frames], acc);
    y[m * frames + f] = acc;
  }
}

}  // namespace

MelDeviceIndex::MelDeviceIndex(const MelFilterbank& fb, CudaStream stream) : mels_(fb.mels) {
  if (fb.nonzeros() > INT32_MAX) fail(ErrorCode::Value, "mel: ", fb.nonzeros(), " filterbank weights are too many for the CUDA kernel");
  std::vector<int32_t> host(3 * fb.mels);
  for (int64_t m = 0; m < fb.mels; ++m) {
    host[m] = fb.first[m];
    host[fb.mels + m] = fb.count[m];
    host[2 * fb.mels + m] = static_cast<int32_t>(fb.offset[m]);
  }
  index_.resize(Device::Cuda, static_cast<int64_t>(host.size()), "mel filterbank index");
  index_.copyFromHost(host.data(), stream);
}

void melForward(CudaStream stream, const MelShape& s, const MelDeviceIndex& index, const float* weights, const float* spec, float* y) {
  if (index.mels() != s.mels()) fail(ErrorCode::Internal, "mel: CUDA index of ", index.mels(), " filters for a filterbank of ", s.mels());
  const dim3 grid(blocksFor(s.frames, kMelThreads), static_cast<unsigned>(std::min<int64_t>(s.mels(), 65535)));
  launch("melForward", melForwardKernel, grid, dim3(kMelThreads), 0, stream, s.mels(), s.frames, index.data(), weights, spec, y);
}

}  // namespace sj::cuda
