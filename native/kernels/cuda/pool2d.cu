// 2-D pooling on CUDA. x, dx are [N][C][H][W]; y, dy, argmax are [N][C][Ho][Wo].
//
// Forward passes: one thread per output over a grid-stride loop; a warp covers 32 neighbouring
// outputs of a row, so its loads of each window row are coalesced up to the stride. There is no
// shared-memory tile: the tagger's pools (2x2 / 1x2, stride = window) read every input once, and
// the overlapping windows of other geometries are re-read from L1.
//
// Backward passes gather instead of scattering: one thread per input element sums the gradients
// of the outputs whose windows cover it, so no two threads write one element and nothing needs
// atomics. The sums run over the covering outputs in output order (oy, then ox), the order in
// which the CPU kernels add them, with the CPU's arithmetic (float for max, double for average),
// so the results are the CPU's bit for bit.
#include "kernels/pool2d.h"

#include "cuda/launch.h"
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

struct Geometry {
  int64_t h, w, ho, wo, kh, kw, sh, sw, ph, pw;
  bool countIncludePad;
};

Geometry geometryOf(const Pool2dShape& s) {
  return {s.h, s.w, s.ho(), s.wo(), s.kh, s.kw, s.sh, s.sw, s.ph, s.pw, s.countIncludePad};
}

// 1 / (the divisor's factor along one axis): k with countIncludePad, else the valid positions.
__device__ double inverseCount(bool includePad, int64_t o, int64_t k, int64_t stride, int64_t pad, int64_t in) {
  return 1.0 / static_cast<double>(includePad ? k : Pool2dShape::windowEnd(o, k, stride, pad, in) - Pool2dShape::windowBegin(o, stride, pad));
}

// y = max over the window, argmax = its index in the input plane (first maximum on ties)
template <class Index>
__global__ void maxPoolForwardKernel(Geometry g, Index outputs, const float* __restrict__ x, float* __restrict__ y,
                                     int32_t* __restrict__ argmax) {
  const Index wo = static_cast<Index>(g.wo), ho = static_cast<Index>(g.ho);
  for (Index o = static_cast<Index>(gridStrideStart()); o < outputs; o += static_cast<Index>(gridStrideStep())) {
    const Index ox = o % wo, row = o / wo, oy = row % ho, p = row / ho;
    const float* plane = x + static_cast<int64_t>(p) * g.h * g.w;
    const int64_t y0 = Pool2dShape::windowBegin(oy, g.sh, g.ph), y1 = Pool2dShape::windowEnd(oy, g.kh, g.sh, g.ph, g.h);
    const int64_t x0 = Pool2dShape::windowBegin(ox, g.sw, g.pw), x1 = Pool2dShape::windowEnd(ox, g.kw, g.sw, g.pw, g.w);
    int64_t best = y0 * g.w + x0;
    float value = plane[best];
    for (int64_t iy = y0; iy < y1; ++iy)
      for (int64_t ix = x0; ix < x1; ++ix) {
        const float v = plane[iy * g.w + ix];
        if (v > value) {
          value = v;
          best = iy * g.w + ix;
        }
      }
    y[o] = value;
    argmax[o] = static_cast<int32_t>(best);
  }
}

// dx[e] = sum of dy over the covering outputs whose argmax is e
template <class Index>
__global__ void maxPoolBackwardInputKernel(Geometry g, Index inputs, const float* __restrict__ dy, const int32_t* __restrict__ argmax,
                                           float* __restrict__ dx) {
  const Index w = static_cast<Index>(g.w), h = static_cast<Index>(g.h);
  for (Index e = static_cast<Index>(gridStrideStart()); e < inputs; e += static_cast<Index>(gridStrideStep())) {
    const Index ix = e % w, row = e / w, iy = row % h, p = row / h;
    const int64_t oy0 = Pool2dShape::firstCovering(iy, g.kh, g.sh, g.ph), oy1 = Pool2dShape::lastCovering(iy, g.sh, g.ph, g.ho);
    const int64_t ox0 = Pool2dShape::firstCovering(ix, g.kw, g.sw, g.pw), ox1 = Pool2dShape::lastCovering(ix, g.sw, g.pw, g.wo);
    const int32_t self = static_cast<int32_t>(static_cast<int64_t>(iy) * g.w + ix);
    const int64_t base = static_cast<int64_t>(p) * g.ho * g.wo;
    float acc = 0.0f;
    for (int64_t oy = oy0; oy <= oy1; ++oy)
      for (int64_t ox = ox0; ox <= ox1; ++ox) {
        const int64_t o = base + oy * g.wo + ox;
        if (argmax[o] == self) acc += dy[o];
      }
    dx[e] = acc;
  }
}

// y = (sum of the window's valid positions, in double) * (1 / divisor)
template <class Index>
__global__ void avgPoolForwardKernel(Geometry g, Index outputs, const float* __restrict__ x, float* __restrict__ y) {
  const Index wo = static_cast<Index>(g.wo), ho = static_cast<Index>(g.ho);
  for (Index o = static_cast<Index>(gridStrideStart()); o < outputs; o += static_cast<Index>(gridStrideStep())) {
    const Index ox = o % wo, row = o / wo, oy = row % ho, p = row / ho;
    const float* plane = x + static_cast<int64_t>(p) * g.h * g.w;
    const int64_t y0 = Pool2dShape::windowBegin(oy, g.sh, g.ph), y1 = Pool2dShape::windowEnd(oy, g.kh, g.sh, g.ph, g.h);
    const int64_t x0 = Pool2dShape::windowBegin(ox, g.sw, g.pw), x1 = Pool2dShape::windowEnd(ox, g.kw, g.sw, g.pw, g.w);
    double acc = 0.0;
    for (int64_t iy = y0; iy < y1; ++iy)
      for (int64_t ix = x0; ix < x1; ++ix) acc += plane[iy * g.w + ix];
    const double scale = inverseCount(g.countIncludePad, oy, g.kh, g.sh, g.ph, g.h) * inverseCount(g.countIncludePad, ox, g.kw, g.sw, g.pw, g.w);
    y[o] = static_cast<float>(acc * scale);
  }
}

// dx[e] = sum over the covering outputs of dy * (1 / divisor), in double
template <class Index>
__global__ void avgPoolBackwardInputKernel(Geometry g, Index inputs, const float* __restrict__ dy, float* __restrict__ dx) {
  const Index w = static_cast<Index>(g.w), h = static_cast<Index>(g.h);
  for (Index e = static_cast<Index>(gridStrideStart()); e < inputs; e += static_cast<Index>(gridStrideStep())) {
    const Index ix = e % w, row = e / w, iy = row % h, p = row / h;
    const int64_t oy0 = Pool2dShape::firstCovering(iy, g.kh, g.sh, g.ph), oy1 = Pool2dShape::lastCovering(iy, g.sh, g.ph, g.ho);
    const int64_t ox0 = Pool2dShape::firstCovering(ix, g.kw, g.sw, g.pw), ox1 = Pool2dShape::lastCovering(ix, g.sw, g.pw, g.wo);
    const float* grad = dy + static_cast<int64_t>(p) * g.ho * g.wo;
    double acc = 0.0;
    for (int64_t oy = oy0; oy <= oy1; ++oy) {
      const double invY = inverseCount(g.countIncludePad, oy, g.kh, g.sh, g.ph, g.h);
      for (int64_t ox = ox0; ox <= ox1; ++ox)
        acc += grad[oy * g.wo + ox] * (invY * inverseCount(g.countIncludePad, ox, g.kw, g.sw, g.pw, g.w));
    }
    dx[e] = static_cast<float>(acc);
  }
}

// Launches kernel<uint32_t> or kernel<int64_t> over `count` items, by size.
template <class Kernel32, class Kernel64, class... Args>
void launchIndexed(const char* name, Kernel32 k32, Kernel64 k64, int64_t count, CudaStream stream, const Geometry& g, Args... args) {
  const dim3 grid = elementwiseGrid(count), block(kElementwiseThreads);
  if (fitsIndex32(count)) {
    launch(name, k32, grid, block, 0, stream, g, count, args...);
  } else {
    launch(name, k64, grid, block, 0, stream, g, count, args...);
  }
}

}  // namespace

void maxPool2dForward(CudaStream stream, const Pool2dShape& s, const float* x, float* y, int32_t* argmax) {
  launchIndexed("maxPool2dForward", maxPoolForwardKernel<uint32_t>, maxPoolForwardKernel<int64_t>, s.outputSize(), stream, geometryOf(s), x, y,
                argmax);
}

void maxPool2dBackwardInput(CudaStream stream, const Pool2dShape& s, const float* dy, const int32_t* argmax, float* dx) {
  launchIndexed("maxPool2dBackwardInput", maxPoolBackwardInputKernel<uint32_t>, maxPoolBackwardInputKernel<int64_t>, s.inputSize(), stream,
                geometryOf(s), dy, argmax, dx);
}

void avgPool2dForward(CudaStream stream, const Pool2dShape& s, const float* x, float* y) {
  launchIndexed("avgPool2dForward", avgPoolForwardKernel<uint32_t>, avgPoolForwardKernel<int64_t>, s.outputSize(), stream, geometryOf(s), x, y);
}

void avgPool2dBackwardInput(CudaStream stream, const Pool2dShape& s, const float* dy, float* dx) {
  launchIndexed("avgPool2dBackwardInput", avgPoolBackwardInputKernel<uint32_t>, avgPoolBackwardInputKernel<int64_t>, s.inputSize(), stream,
                geometryOf(s), dy, dx);
}

}  // namespace sj::cuda
