// Batch normalisation on CUDA. x, y, dy, dx are [N][C][H][W]; per-channel tensors are [C].
//
// Per-channel sums (the batch statistics, and the reductions of the backward passes) are split so
// that a few channels still fill the GPU: the m = N*H*W values of a channel are cut into chunks of
// kChunk consecutive values (j = n*H*W + i), one block per (channel, chunk), and each block writes
// its sums in double to the stream's workspace; a finishing kernel, one thread per channel, adds
// a channel's chunk sums in chunk order. The order of every sum is fixed by the shape alone, so
// results are bit-identical run to run, and the double accumulation is the CPU kernel's (LaneSum).
// The statistics are two-pass like the CPU's: the mean first, then the sum of squared deviations
// from it, which stays accurate when |mean| is large against the spread (a one-pass E[x^2] - E[x]^2
// would cancel).
//
// Inside a chunk, thread t reads j = chunk*kChunk + t, t + 256, ...: a warp reads 32 consecutive
// values of one plane (coalesced), stepping (n, i) without a division per value.
#include "kernels/batchnorm2d.h"

#include "cuda/device_memory.h"
#include "cuda/launch.h"
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kChunk = 16 * kThreads;  // values of one channel per block of a reduction

// Where the values of one channel lie, and how the reduction is cut.
struct ChannelWalk {
  int64_t channels, plane, m, chunks;
  int64_t stepN, stepI;  // kThreads = stepN * plane + stepI: one thread's stride in (n, i)
};

ChannelWalk walkOf(const BatchNorm2dShape& s) {
  ChannelWalk w;
  w.channels = s.c;
  w.plane = s.h * s.w;
  w.m = s.perChannel();
  w.chunks = (w.m + kChunk - 1) / kChunk;
  w.stepN = kThreads / w.plane;
  w.stepI = kThreads % w.plane;
  return w;
}

// The sum over chunks of partial k (of `sums` per chunk) of channel c, in chunk order: the one
// order in which every reader adds them.
__device__ double channelTotal(const double* partials, int64_t c, int64_t chunks, int k, int sums) {
  double total = 0.0;
  for (int64_t q = 0; q < chunks; ++q) total += partials[(c * chunks + q) * sums + k];
  return total;
}

// One block per (channel, chunk): Terms::kSums sums of terms over the chunk's values, written to
// partials[(c * chunks + chunk) * kSums + k]. Terms::begin(c) runs once per thread first.
template <class Terms>
__global__ void __launch_bounds__(kThreads) channelPartialsKernel(ChannelWalk w, Terms terms, double* __restrict__ partials) {
  const int64_t block = blockIdx.x, c = block / w.chunks, chunk = block % w.chunks;
  terms.begin(c);
  double acc[Terms::kSums];
  for (int k = 0; k < Terms::kSums; ++k) acc[k] = 0.0;
  const int64_t first = chunk * kChunk, end = first + kChunk < w.m ? first + kChunk : w.m;
  int64_t j = first + threadIdx.x, n = j / w.plane, i = j - n * w.plane;
  for (; j < end; j += kThreads) {
    terms.add(acc, (n * w.channels + c) * w.plane + i);
    n += w.stepN;
    i += w.stepI;
    if (i >= w.plane) {
      i -= w.plane;
      ++n;
    }
  }
  for (int k = 0; k < Terms::kSums; ++k) {
    const double total = blockSum(acc[k]);
    if (threadIdx.x == 0) partials[block * Terms::kSums + k] = total;
  }
}

// Terms of the reductions: sum v (statistics' sum, dbeta); sum (x - mean)^2 with the mean from
// the partial sums (variance); sum dy and sum dy * (x - mean) (backward input); sum dy * (x - mean)
// (dgamma). All in double, as the CPU kernel.
struct SumOf {
  static constexpr int kSums = 1;
  const float* v;
  __device__ void begin(int64_t) {}
  __device__ void add(double* acc, int64_t at) const { acc[0] += static_cast<double>(v[at]); }
};

struct SquaredDeviations {
  static constexpr int kSums = 1;
  const float* x;
  const double* sums;  // the partials of SumOf{x}
  int64_t chunks;
  double m, mu = 0.0;
  __device__ void begin(int64_t c) { mu = channelTotal(sums, c, chunks, 0, 1) / m; }
  __device__ void add(double* acc, int64_t at) const {
    const double d = static_cast<double>(x[at]) - mu;
    acc[0] += d * d;
  }
};

struct DyAndDyDeviation {
  static constexpr int kSums = 2;
  const float *dy, *x, *mean;
  double mu = 0.0;
  __device__ void begin(int64_t c) { mu = mean[c]; }
  __device__ void add(double* acc, int64_t at) const {
    const double g = dy[at];
    acc[0] += g;
    acc[1] += g * (static_cast<double>(x[at]) - mu);
  }
};

struct DyDeviation {
  static constexpr int kSums = 1;
  const float *dy, *x, *mean;
  double mu = 0.0;
  __device__ void begin(int64_t c) { mu = mean[c]; }
  __device__ void add(double* acc, int64_t at) const { acc[0] += static_cast<double>(dy[at]) * (static_cast<double>(x[at]) - mu); }
};

template <class Terms>
void channelPartials(const char* name, CudaStream stream, const ChannelWalk& w, const Terms& terms, double* partials) {
  launch(name, channelPartialsKernel<Terms>, dim3(static_cast<unsigned>(w.channels * w.chunks)), dim3(kThreads), 0, stream, w, terms,
         partials);
}

// ---- finishing kernels: one thread per channel ----------------------------------------------

// Training: mean, rstd = 1 / sqrt(biased variance + eps); running statistics with the unbiased one.
__global__ void trainingStatisticsKernel(int64_t channels, int64_t chunks, double m, double eps, double momentum,
                                         const double* __restrict__ sums, const double* __restrict__ squares, float* __restrict__ runningMean,
                                         float* __restrict__ runningVar, float* __restrict__ mean, float* __restrict__ rstd) {
  for (int64_t c = gridStrideStart(); c < channels; c += gridStrideStep()) {
    const double mu = channelTotal(sums, c, chunks, 0, 1) / m, sq = channelTotal(squares, c, chunks, 0, 1);
    mean[c] = static_cast<float>(mu);
    rstd[c] = static_cast<float>(1.0 / ::sqrt(sq / m + eps));
    runningMean[c] = static_cast<float>((1.0 - momentum) * runningMean[c] + momentum * mu);
    runningVar[c] = static_cast<float>((1.0 - momentum) * runningVar[c] + momentum * (sq / (m - 1.0)));
  }
}

// Inference: the running statistics, saved as mean and rstd for the backward passes.
__global__ void inferenceStatisticsKernel(int64_t channels, double eps, const float* __restrict__ runningMean,
                                          const float* __restrict__ runningVar, float* __restrict__ mean, float* __restrict__ rstd) {
  for (int64_t c = gridStrideStart(); c < channels; c += gridStrideStep()) {
    mean[c] = runningMean[c];
    rstd[c] = static_cast<float>(1.0 / ::sqrt(static_cast<double>(runningVar[c]) + eps));
  }
}

// Backward input, training: meanDy = mean(dy), k = mean(dy * (x - mean)) * rstd^2 per channel.
__global__ void backwardInputFactorsKernel(int64_t channels, int64_t chunks, double m, const double* __restrict__ partials,
                                           const float* __restrict__ rstd, float* __restrict__ meanDy, float* __restrict__ k) {
  for (int64_t c = gridStrideStart(); c < channels; c += gridStrideStep()) {
    const double r = rstd[c];
    meanDy[c] = static_cast<float>(channelTotal(partials, c, chunks, 0, 2) / m);
    k[c] = static_cast<float>(channelTotal(partials, c, chunks, 1, 2) * r * r / m);
  }
}

// out[c] = total * (scale ? scale[c] : 1): dgamma (scaled by rstd) and dbeta.
__global__ void channelTotalsKernel(int64_t channels, int64_t chunks, const double* __restrict__ partials, const float* __restrict__ scale,
                                    float* __restrict__ out) {
  for (int64_t c = gridStrideStart(); c < channels; c += gridStrideStep()) {
    const double total = channelTotal(partials, c, chunks, 0, 1);
    out[c] = static_cast<float>(scale ? total * scale[c] : total);
  }
}

// ---- element-wise kernels over [N][C][plane] ----------------------------------------------------

// y = (x - mean) * (gamma * rstd) + beta
template <class Index>
__global__ void normalizeKernel(Index size, Index plane, Index channels, const float* __restrict__ x, const float* __restrict__ gamma,
                                const float* __restrict__ beta, const float* __restrict__ mean, const float* __restrict__ rstd,
                                float* __restrict__ y) {
  for (Index i = static_cast<Index>(gridStrideStart()); i < size; i += static_cast<Index>(gridStrideStep())) {
    const Index c = i / plane % channels;
    y[i] = (x[i] - mean[c]) * (gamma[c] * rstd[c]) + beta[c];
  }
}

// Training: dx = (dy - meanDy - (x - mean) * k) * (gamma * rstd)
template <class Index>
__global__ void trainingBackwardInputKernel(Index size, Index plane, Index channels, const float* __restrict__ dy, const float* __restrict__ x,
                                            const float* __restrict__ gamma, const float* __restrict__ mean, const float* __restrict__ rstd,
                                            const float* __restrict__ meanDy, const float* __restrict__ k, float* __restrict__ dx) {
  for (Index i = static_cast<Index>(gridStrideStart()); i < size; i += static_cast<Index>(gridStrideStep())) {
    const Index c = i / plane % channels;
    dx[i] = (dy[i] - meanDy[c] - (x[i] - mean[c]) * k[c]) * (gamma[c] * rstd[c]);
  }
}

// Inference (statistics are constants): dx = dy * (gamma * rstd)
template <class Index>
__global__ void inferenceBackwardInputKernel(Index size, Index plane, Index channels, const float* __restrict__ dy,
                                             const float* __restrict__ gamma, const float* __restrict__ rstd, float* __restrict__ dx) {
  for (Index i = static_cast<Index>(gridStrideStart()); i < size; i += static_cast<Index>(gridStrideStep())) {
    const Index c = i / plane % channels;
    dx[i] = dy[i] * (gamma[c] * rstd[c]);
  }
}

dim3 channelGrid(int64_t channels) { return dim3(blocksFor(channels, kThreads)); }

}  // namespace

void batchnorm2dForward(CudaStream stream, const BatchNorm2dShape& s, const float* x, const float* gamma, const float* beta,
                        float* runningMean, float* runningVar, float* mean, float* rstd, float* y) {
  const ChannelWalk w = walkOf(s);
  if (s.training) {
    double* sums = static_cast<double*>(workspace(stream, 2 * w.channels * w.chunks * static_cast<int64_t>(sizeof(double))));
    double* squares = sums + w.channels * w.chunks;
    const double m = static_cast<double>(w.m);
    channelPartials("batchnorm2dForward.sum", stream, w, SumOf{x}, sums);
    channelPartials("batchnorm2dForward.squares", stream, w, SquaredDeviations{x, sums, w.chunks, m}, squares);
    launch("batchnorm2dForward.statistics", trainingStatisticsKernel, channelGrid(s.c), dim3(kThreads), 0, stream, s.c, w.chunks, m, s.eps,
           s.momentum, sums, squares, runningMean, runningVar, mean, rstd);
  } else {
    launch("batchnorm2dForward.statistics", inferenceStatisticsKernel, channelGrid(s.c), dim3(kThreads), 0, stream, s.c, s.eps, runningMean,
           runningVar, mean, rstd);
  }
  const int64_t e = s.size();
  if (fitsIndex32(e)) {
    launch("batchnorm2dForward.normalize", normalizeKernel<uint32_t>, elementwiseGrid(e), dim3(kElementwiseThreads), 0, stream, e, w.plane,
           s.c, x, gamma, beta, mean, rstd, y);
  } else {
    launch("batchnorm2dForward.normalize", normalizeKernel<int64_t>, elementwiseGrid(e), dim3(kElementwiseThreads), 0, stream, e, w.plane,
           s.c, x, gamma, beta, mean, rstd, y);
  }
}

void batchnorm2dBackwardInput(CudaStream stream, const BatchNorm2dShape& s, const float* dy, const float* x, const float* gamma,
                              const float* mean, const float* rstd, float* dx) {
  const ChannelWalk w = walkOf(s);
  const int64_t e = s.size();
  const dim3 grid = elementwiseGrid(e), block(kElementwiseThreads);
  if (!s.training) {
    if (fitsIndex32(e)) {
      launch("batchnorm2dBackwardInput", inferenceBackwardInputKernel<uint32_t>, grid, block, 0, stream, e, w.plane, s.c, dy, gamma, rstd, dx);
    } else {
      launch("batchnorm2dBackwardInput", inferenceBackwardInputKernel<int64_t>, grid, block, 0, stream, e, w.plane, s.c, dy, gamma, rstd, dx);
    }
    return;
  }
  // workspace: partials [C][chunks][2] doubles, then meanDy [C] and k [C] floats
  const int64_t partialBytes = 2 * w.channels * w.chunks * static_cast<int64_t>(sizeof(double));
  char* scratch = static_cast<char*>(workspace(stream, partialBytes + 2 * w.channels * static_cast<int64_t>(sizeof(float))));
  double* partials = reinterpret_cast<double*>(scratch);
  float* meanDy = reinterpret_cast<float*>(scratch + partialBytes);
  float* k = meanDy + w.channels;
  channelPartials("batchnorm2dBackwardInput.sums", stream, w, DyAndDyDeviation{dy, x, mean}, partials);
  launch("batchnorm2dBackwardInput.factors", backwardInputFactorsKernel, channelGrid(s.c), dim3(kThreads), 0, stream, s.c, w.chunks,
         static_cast<double>(w.m), partials, rstd, meanDy, k);
  if (fitsIndex32(e)) {
    launch("batchnorm2dBackwardInput", trainingBackwardInputKernel<uint32_t>, grid, block, 0, stream, e, w.plane, s.c, dy, x, gamma, mean, rstd,
           meanDy, k, dx);
  } else {
    launch("batchnorm2dBackwardInput", trainingBackwardInputKernel<int64_t>, grid, block, 0, stream, e, w.plane, s.c, dy, x, gamma, mean, rstd,
           meanDy, k, dx);
  }
}

void batchnorm2dBackwardWeight(CudaStream stream, const BatchNorm2dShape& s, const float* dy, const float* x, const float* mean,
                               const float* rstd, float* dgamma) {
  const ChannelWalk w = walkOf(s);
  double* partials = static_cast<double*>(workspace(stream, w.channels * w.chunks * static_cast<int64_t>(sizeof(double))));
  channelPartials("batchnorm2dBackwardWeight.sums", stream, w, DyDeviation{dy, x, mean}, partials);
  launch("batchnorm2dBackwardWeight", channelTotalsKernel, channelGrid(s.c), dim3(kThreads), 0, stream, s.c, w.chunks, partials, rstd, dgamma);
}

void batchnorm2dBackwardBias(CudaStream stream, const BatchNorm2dShape& s, const float* dy, float* dbeta) {
  const ChannelWalk w = walkOf(s);
  double* partials = static_cast<double*>(workspace(stream, w.channels * w.chunks * static_cast<int64_t>(sizeof(double))));
  channelPartials("batchnorm2dBackwardBias.sums", stream, w, SumOf{dy}, partials);
  launch("batchnorm2dBackwardBias", channelTotalsKernel, channelGrid(s.c), dim3(kThreads), 0, stream, s.c, w.chunks, partials,
         static_cast<const float*>(nullptr), dbeta);
}

}  // namespace sj::cuda
