#include "kernels/lstm.h"

#include <algorithm>
#include <climits>
#include <cstdint>

#include "base/error.h"
#include "cuda/device_memory.h"
#include "cuda/launch.h"
#include "kernels/cuda/bias_sums.h"
#include "kernels/cuda/column_sums.cuh"
#include "kernels/cuda/device_math.h"

// Tensors and equations: kernels/lstm.h. Shapes below: N batch, T steps, I input, H hidden,
// G = 4H gate rows, D directions; state rows are D*5H wide, gate-gradient rows D*4H.
//
// Plain kernels: one thread per output element, each summing its products in a fixed order (so
// the results are bit-identical run to run), one launch per time step for the recurrence as in
// the GRU (kernels/cuda/gru.cu says why per-step launches). They are correct and deterministic,
// not fast: the GRU's tiled form (the GEMM core for the projections and weight gradients, blocks
// that stage h_prev in shared memory) is the way to speed them up when an LSTM model is measured.

namespace sj::cuda {
namespace {

constexpr int kThreads = 256;

dim3 gridFor(int64_t elements) { return dim3(static_cast<unsigned>((elements + kThreads - 1) / kThreads)); }

__device__ __forceinline__ int64_t threadIndex() { return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ __forceinline__ int64_t timeAt(int64_t steps, int64_t d, int64_t step) { return d == 0 ? step : steps - 1 - step; }

struct Dims {
  int64_t n, t, input, hidden, directions;
};

// state[n][t][d][0:4H] = x[n][t] . wih[d]^T; one thread per (n*T + t, d*4H + j).
__global__ void lstmInputProjectionKernel(Dims s, const float* x, const float* wih, float* state) {
  const int64_t H = s.hidden, G = 4 * H, width = s.directions * G, e = threadIndex();
  if (e >= s.n * s.t * width) return;
  const int64_t row = e / width, col = e % width, d = col / G, j = col % G;
  const float* xr = x + row * s.input;
  const float* w = wih + col * s.input;
  float acc = 0.f;
  for (int64_t k = 0; k < s.input; ++k) acc = fmaf(w[k], xr[k], acc);
  state[row * s.directions * 5 * H + d * 5 * H + j] = acc;
}

// One forward step, both directions; one thread per (d, n, unit j).
__global__ void lstmForwardStepKernel(Dims s, int64_t step, const float* whh, const float* bih, const float* bhh, float* y, float* state) {
  const int64_t H = s.hidden, G = 4 * H, D = s.directions, e = threadIndex();
  if (e >= D * s.n * H) return;
  const int64_t d = e / (s.n * H), n = e / H % s.n, j = e % H;
  const int64_t t = timeAt(s.t, d, step);
  float* st = state + (n * s.t + t) * D * 5 * H + d * 5 * H;
  const float* hPrev = step > 0 ? y + (n * s.t + timeAt(s.t, d, step - 1)) * D * H + d * H : nullptr;
  const float* cPrev = step > 0 ? state + (n * s.t + timeAt(s.t, d, step - 1)) * D * 5 * H + d * 5 * H + 4 * H : nullptr;
  float pre[4];
  for (int q = 0; q < 4; ++q) {
    const int64_t row = q * H + j;
    float gi = st[row], gh = 0.f;
    if (bih) gi += bih[d * G + row];
    if (hPrev) {
      const float* w = whh + (d * G + row) * H;
      for (int64_t k = 0; k < H; ++k) gh = fmaf(w[k], hPrev[k], gh);
    }
    if (bhh) gh += bhh[d * G + row];
    pre[q] = gi + gh;
  }
  const float ig = sigmoidOfDevice(pre[0]), fg = sigmoidOfDevice(pre[1]), gt = tanhf(pre[2]), og = sigmoidOfDevice(pre[3]);
  const float c = cPrev ? fg * cPrev[j] + ig * gt : ig * gt;
  st[j] = ig, st[H + j] = fg, st[2 * H + j] = gt, st[3 * H + j] = og, st[4 * H + j] = c;
  y[(n * s.t + t) * D * H + d * H + j] = og * tanhf(c);
}

// One step of back-propagation through time, both directions; one thread per (d, n, unit k):
//   dh_t = dy_t + W_hh^T da_{t+1}  (t+1: the later step, whose gate gradients the previous launch
//   wrote), then this step's gate gradients (lstmGateGradients). dc: the cell-state gradient
//   carried between steps, [D][N][H], each element owned by one thread.
__global__ void lstmBackwardStepKernel(Dims s, int64_t step, const float* dy, const float* state, const float* whh, float* gateGrads,
                                       float* dc) {
  const int64_t H = s.hidden, G = 4 * H, D = s.directions, e = threadIndex();
  if (e >= D * s.n * H) return;
  const int64_t d = e / (s.n * H), n = e / H % s.n, k = e % H;
  const bool last = step == s.t - 1, first = step == 0;
  const int64_t t = timeAt(s.t, d, step);
  float dh = dy[(n * s.t + t) * D * H + d * H + k];
  if (!last) {
    const float* gNext = gateGrads + (n * s.t + timeAt(s.t, d, step + 1)) * D * G + d * G;
    const float* w = whh + d * G * H + k;
    float acc = 0.f;
    for (int64_t j = 0; j < G; ++j) acc = fmaf(gNext[j], w[j * H], acc);
    dh += acc;
  }
  const float* st = state + (n * s.t + t) * D * 5 * H + d * 5 * H;
  const float* cPrev = first ? nullptr : state + (n * s.t + timeAt(s.t, d, step - 1)) * D * 5 * H + d * 5 * H + 4 * H;
  float* carry = dc + (d * s.n + n) * H + k;
  *carry = lstmGateGradients<DeviceMath>(st, H, k, dh, *carry, last, first, cPrev, gateGrads + (n * s.t + t) * D * G + d * G);
}

// dx[n][t][k] = sum over d, j of da[n][t][d][j] wih[d][j][k]; one thread per (n*T + t, k).
__global__ void lstmInputGradientKernel(Dims s, const float* gateGrads, const float* wih, float* dx) {
  const int64_t width = s.directions * 4 * s.hidden, e = threadIndex();
  if (e >= s.n * s.t * s.input) return;
  const int64_t row = e / s.input, k = e % s.input;
  const float* g = gateGrads + row * width;
  float acc = 0.f;
  for (int64_t j = 0; j < width; ++j) acc = fmaf(g[j], wih[j * s.input + k], acc);
  dx[e] = acc;
}

// dwih[d*4H + j][k] = sum over (n, t) of da[n][t][d][j] x[n][t][k]; one thread per element.
__global__ void lstmInputWeightGradientKernel(Dims s, const float* gateGrads, const float* x, float* dwih) {
  const int64_t width = s.directions * 4 * s.hidden, e = threadIndex();
  if (e >= width * s.input) return;
  const int64_t col = e / s.input, k = e % s.input;
  float acc = 0.f;
  for (int64_t row = 0; row < s.n * s.t; ++row) acc = fmaf(gateGrads[row * width + col], x[row * s.input + k], acc);
  dwih[e] = acc;
}

// dwhh[d*4H + j][k] = sum over the steps with a previous state of da[n][t][d][j] h_prev[k];
// one thread per element (zero when T = 1).
__global__ void lstmHiddenWeightGradientKernel(Dims s, const float* gateGrads, const float* y, float* dwhh) {
  const int64_t H = s.hidden, G = 4 * H, D = s.directions, e = threadIndex();
  if (e >= D * G * H) return;
  const int64_t col = e / H, k = e % H, d = col / G;
  float acc = 0.f;
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t step = 1; step < s.t; ++step) {
      const int64_t t = timeAt(s.t, d, step), tPrev = timeAt(s.t, d, step - 1);
      acc = fmaf(gateGrads[(n * s.t + t) * D * G + col], y[(n * s.t + tPrev) * D * H + d * H + k], acc);
    }
  dwhh[e] = acc;
}

// Both bias gradients are the same column sums of the gate gradients.
struct LstmBiasStore {
  float* dbih;
  float* dbhh;
  __device__ __forceinline__ void store(int, int column, double sum) const { dbih[column] = dbhh[column] = static_cast<float>(sum); }
};

Dims dimsOf(const LstmShape& s) { return Dims{s.n, s.t, s.input, s.hidden, s.directions()}; }

// The grids are one-dimensional: every launch's thread count must fit one.
void checkLaunchable(const LstmShape& s) {
  const int64_t limit = static_cast<int64_t>(INT_MAX) * kThreads;
  const int64_t largest = std::max({s.n * s.t * s.directions() * 4 * s.hidden, s.inputSize(), s.inputWeightSize(), s.hiddenWeightSize()});
  if (largest > limit) fail(ErrorCode::Shape, "lstm (cuda): ", s.describe(), " needs more than ", limit, " threads in one launch");
}

}  // namespace

void lstmForward(CudaStream stream, const LstmShape& s, const float* x, const float* wih, const float* whh, const float* bih,
                 const float* bhh, float* y, float* state) {
  checkLaunchable(s);
  const Dims dims = dimsOf(s);
  launch("lstmForwardInput", lstmInputProjectionKernel, gridFor(s.n * s.t * s.directions() * 4 * s.hidden), dim3(kThreads), 0, stream, dims,
         x, wih, state);
  for (int64_t step = 0; step < s.t; ++step)
    launch("lstmForwardStep", lstmForwardStepKernel, gridFor(s.directions() * s.n * s.hidden), dim3(kThreads), 0, stream, dims, step, whh,
           s.bias ? bih : nullptr, s.bias ? bhh : nullptr, y, state);
}

void lstmBackwardInput(CudaStream stream, const LstmShape& s, const float* dy, const float* state, const float* wih, const float* whh,
                       float* gateGrads, float* dx) {
  checkLaunchable(s);
  const Dims dims = dimsOf(s);
  float* dc = static_cast<float*>(workspace(stream, s.directions() * s.n * s.hidden * static_cast<int64_t>(sizeof(float))));
  for (int64_t step = s.t - 1; step >= 0; --step)
    launch("lstmBackwardStep", lstmBackwardStepKernel, gridFor(s.directions() * s.n * s.hidden), dim3(kThreads), 0, stream, dims, step, dy,
           state, whh, gateGrads, dc);
  if (!s.inputGradient) return;
  launch("lstmBackwardInputGradient", lstmInputGradientKernel, gridFor(s.inputSize()), dim3(kThreads), 0, stream, dims,
         static_cast<const float*>(gateGrads), wih, dx);
}

void lstmBackwardWeight(CudaStream stream, const LstmShape& s, const float* gateGrads, const float* x, const float* y, float* dwih,
                        float* dwhh) {
  checkLaunchable(s);
  const Dims dims = dimsOf(s);
  launch("lstmBackwardWeightInput", lstmInputWeightGradientKernel, gridFor(s.inputWeightSize()), dim3(kThreads), 0, stream, dims, gateGrads,
         x, dwih);
  launch("lstmBackwardWeightHidden", lstmHiddenWeightGradientKernel, gridFor(s.hiddenWeightSize()), dim3(kThreads), 0, stream, dims,
         gateGrads, y, dwhh);
}

void lstmBackwardBias(CudaStream stream, const LstmShape& s, const float* gateGrads, float* dbih, float* dbhh) {
  checkLaunchable(s);
  const int64_t rows = s.n * s.t, width = s.directions() * 4 * s.hidden;
  const int64_t partials = sums::columnSumsScratch(rows, width);
  double* scratchSums = partials ? static_cast<double*>(workspace(stream, partials * static_cast<int64_t>(sizeof(double)))) : nullptr;
  sums::columnSums<double>("lstmBackwardBias", stream, rows, width, gateGrads, scratchSums, LstmBiasStore{dbih, dbhh});
}

}  // namespace sj::cuda
