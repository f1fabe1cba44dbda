// Permute and last-step on CUDA.
//
// Permute: the batch axis joins the per-sample axes, axes of extent 1 are dropped, and output
// axes that are also neighbours, in the same order, in the input are merged, so [N][C][T][F] ->
// [N][T][C][F] is a batch of [C][T] transposes of rows of F. Then:
//  - the input's innermost axis stays innermost: a gather, one thread per output element, whose
//    warps read and write runs of consecutive floats;
//  - otherwise a tiled transpose of the two innermost axes (the output's, A, and the input's, B):
//    a 32x32 tile is read along B (coalesced in x), written along A (coalesced in y) through
//    shared memory padded to 33 columns (no bank conflicts); the other axes index the tiles.
// The backward is the forward of the inverse permutation.
// Last step: element-wise copies, the backward writing zeros to the other steps.
#include "kernels/layout.h"

#include <vector>

#include "base/error.h"
#include "cuda/launch.h"
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

constexpr int kMaxAxes = 8;
constexpr int kTile = 32, kTileRows = 8;

// The merged axes in output order.
struct PermuteGeometry {
  int rank;
  int64_t extent[kMaxAxes];
  int64_t inStride[kMaxAxes];   // input stride of each output axis
  int64_t outStride[kMaxAxes];  // row-major strides of the output
};

PermuteGeometry geometryOf(const PermuteShape& s) {
  std::vector<int64_t> dims = {s.n};
  dims.insert(dims.end(), s.dims.begin(), s.dims.end());
  std::vector<int64_t> stride(dims.size(), 1);
  for (size_t a = dims.size() - 1; a-- > 0;) stride[a] = stride[a + 1] * dims[a + 1];
  std::vector<int64_t> extent, inStride;
  for (size_t i = 0; i < dims.size(); ++i) {
    const size_t a = i == 0 ? 0 : static_cast<size_t>(s.order[i - 1]) + 1;
    if (dims[a] == 1) continue;
    if (!extent.empty() && inStride.back() == stride[a] * dims[a]) {  // contiguous after the previous output axis: merge
      extent.back() *= dims[a];
      inStride.back() = stride[a];
    } else {
      extent.push_back(dims[a]);
      inStride.push_back(stride[a]);
    }
  }
  if (extent.empty()) {  // a single element
    extent = {1};
    inStride = {1};
  }
  if (extent.size() > static_cast<size_t>(kMaxAxes)) {
    fail(ErrorCode::Shape, "permute ", s.describe(), ": the CUDA kernel handles at most ", kMaxAxes, " axes after merging, this needs ",
         extent.size());
  }
  PermuteGeometry g{};
  g.rank = static_cast<int>(extent.size());
  int64_t out = 1;
  for (int ax = g.rank - 1; ax >= 0; --ax) {
    g.extent[ax] = extent[ax];
    g.inStride[ax] = inStride[ax];
    g.outStride[ax] = out;
    out *= extent[ax];
  }
  return g;
}

PermuteShape inverseOf(const PermuteShape& s) {
  PermuteShape inverse{s.n, s.outputDims(), std::vector<int64_t>(s.order.size())};
  for (size_t i = 0; i < s.order.size(); ++i) inverse.order[static_cast<size_t>(s.order[i])] = static_cast<int64_t>(i);
  return inverse;
}

// y[o] = x[offset of o's coordinates]
template <class Index>
__global__ void permuteGatherKernel(PermuteGeometry g, Index size, const float* __restrict__ x, float* __restrict__ y) {
  for (Index o = static_cast<Index>(gridStrideStart()); o < size; o += static_cast<Index>(gridStrideStep())) {
    Index rest = o;
    int64_t from = 0;
    for (int ax = g.rank - 1; ax >= 0; --ax) {
      const Index e = static_cast<Index>(g.extent[ax]);
      from += static_cast<int64_t>(rest % e) * g.inStride[ax];
      rest /= e;
    }
    y[o] = x[from];
  }
}

// One 32x32 tile of axes a (output-contiguous) and b (input-contiguous) per block; block (32, 8).
__global__ void __launch_bounds__(kTile * kTileRows) permuteTiledKernel(PermuteGeometry g, int a, int b, int64_t tilesA, int64_t tilesB,
                                                                         const float* __restrict__ x, float* __restrict__ y) {
  __shared__ float tile[kTile][kTile + 1];
  int64_t block = blockIdx.x;
  const int64_t b0 = block % tilesB * kTile;
  block /= tilesB;
  const int64_t a0 = block % tilesA * kTile;
  block /= tilesA;
  int64_t inBase = 0, outBase = 0;  // the other axes, from what is left of the block index
  for (int ax = g.rank - 1; ax >= 0; --ax) {
    if (ax == a || ax == b) continue;
    const int64_t coordinate = block % g.extent[ax];
    block /= g.extent[ax];
    inBase += coordinate * g.inStride[ax];
    outBase += coordinate * g.outStride[ax];
  }
  const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y);
  for (int k = ty; k < kTile; k += kTileRows) {
    const int64_t ia = a0 + k, ib = b0 + tx;
    if (ia < g.extent[a] && ib < g.extent[b]) tile[k][tx] = x[inBase + ia * g.inStride[a] + ib];
  }
  __syncthreads();
  for (int k = ty; k < kTile; k += kTileRows) {
    const int64_t ib = b0 + k, ia = a0 + tx;
    if (ia < g.extent[a] && ib < g.extent[b]) y[outBase + ib * g.outStride[b] + ia] = tile[tx][k];
  }
}

void permute(const char* name, CudaStream stream, const PermuteShape& s, const float* x, float* y) {
  const PermuteGeometry g = geometryOf(s);
  const int64_t size = s.n * s.sampleSize();
  const int a = g.rank - 1;
  if (g.inStride[a] == 1) {
    if (fitsIndex32(size)) {
      launch(name, permuteGatherKernel<uint32_t>, elementwiseGrid(size), dim3(kElementwiseThreads), 0, stream, g, size, x, y);
    } else {
      launch(name, permuteGatherKernel<int64_t>, elementwiseGrid(size), dim3(kElementwiseThreads), 0, stream, g, size, x, y);
    }
    return;
  }
  int b = 0;
  while (g.inStride[b] != 1) ++b;  // the input's innermost axis: stride 1 (extent-1 axes are gone)
  const int64_t tilesA = (g.extent[a] + kTile - 1) / kTile, tilesB = (g.extent[b] + kTile - 1) / kTile;
  const int64_t blocks = tilesA * tilesB * (size / (g.extent[a] * g.extent[b]));
  launch(name, permuteTiledKernel, dim3(static_cast<unsigned>(blocks)), dim3(kTile, kTileRows), 0, stream, g, a, b, tilesA, tilesB, x, y);
}

// y[n][f] = x[n][T-1][f]
template <class Index>
__global__ void lastStepForwardKernel(Index size, Index t, Index f, const float* __restrict__ x, float* __restrict__ y) {
  for (Index e = static_cast<Index>(gridStrideStart()); e < size; e += static_cast<Index>(gridStrideStep()))
    y[e] = x[(static_cast<int64_t>(e / f) * t + t - 1) * f + e % f];
}

// dx[n][s][f] = s == T-1 ? dy[n][f] : 0
template <class Index>
__global__ void lastStepBackwardInputKernel(Index size, Index t, Index f, const float* __restrict__ dy, float* __restrict__ dx) {
  for (Index e = static_cast<Index>(gridStrideStart()); e < size; e += static_cast<Index>(gridStrideStep())) {
    const Index row = e / f;
    dx[e] = row % t == t - 1 ? dy[row / t * f + e % f] : 0.0f;
  }
}

}  // namespace

void permuteForward(CudaStream stream, const PermuteShape& s, const float* x, float* y) { permute("permuteForward", stream, s, x, y); }

void permuteBackwardInput(CudaStream stream, const PermuteShape& s, const float* dy, float* dx) {
  permute("permuteBackwardInput", stream, inverseOf(s), dy, dx);
}

void lastStepForward(CudaStream stream, const LastStepShape& s, const float* x, float* y) {
  const int64_t size = s.n * s.f;
  if (fitsIndex32(s.n * s.t * s.f)) {
    launch("lastStepForward", lastStepForwardKernel<uint32_t>, elementwiseGrid(size), dim3(kElementwiseThreads), 0, stream, size, s.t, s.f, x, y);
  } else {
    launch("lastStepForward", lastStepForwardKernel<int64_t>, elementwiseGrid(size), dim3(kElementwiseThreads), 0, stream, size, s.t, s.f, x, y);
  }
}

void lastStepBackwardInput(CudaStream stream, const LastStepShape& s, const float* dy, float* dx) {
  const int64_t size = s.n * s.t * s.f;
  if (fitsIndex32(size)) {
    launch("lastStepBackwardInput", lastStepBackwardInputKernel<uint32_t>, elementwiseGrid(size), dim3(kElementwiseThreads), 0, stream, size, s.t,
           s.f, dy, dx);
  } else {
    launch("lastStepBackwardInput", lastStepBackwardInputKernel<int64_t>, elementwiseGrid(size), dim3(kElementwiseThreads), 0, stream, size, s.t,
           s.f, dy, dx);
  }
}

}  // namespace sj::cuda
