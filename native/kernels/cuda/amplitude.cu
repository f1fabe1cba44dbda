#include "kernels/amplitude.h"

#include "cuda/launch.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

// y = scale * ln(max(x, floor) + add) (or x), then clamped: amplitudeMap's map, logf (full
// precision, not __logf) for the logarithm. Grid-stride; no __restrict__: x may be y.
__global__ void amplitudeForwardKernel(int64_t n, AmplitudeMap map, const float* x, float* y) {
  for (int64_t i = gridStrideStart(); i < n; i += gridStrideStep()) {
    float v = x[i];
    if (map.log) v = map.scale * logf((v > map.floor ? v : map.floor) + map.add);
    if (map.clamp) {
      v = v > map.lo ? v : map.lo;  // maxOf, minOf of the reference
      v = v < map.hi ? v : map.hi;
    }
    y[i] = v;
  }
}

}  // namespace

void amplitudeForward(CudaStream stream, const AmplitudeShape& s, const float* x, float* y) {
  launch("amplitudeForward", amplitudeForwardKernel, elementwiseGrid(s.size), dim3(kElementwiseThreads), 0, stream, s.size, amplitudeMap(s), x, y);
}

}  // namespace sj::cuda
