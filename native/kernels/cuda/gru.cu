#include "kernels/gru.h"

#include <algorithm>
#include <climits>
#include <cstdint>

#include "base/error.h"
#include "cuda/device_memory.h"
#include "cuda/launch.h"
#include "kernels/cuda/bias_sums.h"
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/column_sums.cuh"
#include "kernels/cuda/device_math.h"
#include "kernels/cuda/gemm_tile.cuh"
#include "kernels/layout.h"

// Tensors and equations: kernels/gru.h. Shapes below: N batch, T steps, I input, H hidden,
// G = 3H gate rows, D directions, gateRow = D*4H (the stride of one (n, t) in gates/gateGrads).
//
// Why one launch per time step and not a persistent kernel: a persistent kernel must keep W_hh
// on chip across steps, and the study's hidden sizes (up to 1024: W_hh = 12 MB per direction)
// need many SMs for it, hence a grid-wide barrier per step (cooperative launch). Per-step launches
// need no barrier (the stream orders the steps), spread every step over the whole GPU (W_hh
// stays in the 50 MB L2 between steps, so each step streams it from L2, not HBM), run unchanged
// on the test emulator (which runs blocks one after another, where a grid barrier would
// deadlock), and cost a few microseconds each, which graph capture (CudaSession) mostly hides.
// At the DCASE shape (N 8, T 156, H 128) a step is a few microseconds either way: latency-bound.

namespace sj::cuda {
namespace {

// One block per SM for the step kernels: a step is latency-bound, and more, smaller blocks would
// mostly stage the same state vectors again.
constexpr int64_t kStepTargetBlocks = 132;

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

__device__ __forceinline__ int timeAt(int steps, int d, int step) { return d == 0 ? step : steps - 1 - step; }

// ---- the GEMMs: on the shared SGEMM core (gemm_tile.cuh) ----------------------------------------
// The input projection, dx and the weight gradients are products of GRU tensors read in place (no
// copies). Most operands are plain matrices or the core's loaders with runs: the gate columns of
// one direction are runs of 3H, 4H apart. dW_hh needs one more: its depth is the (sample, step)
// pairs that have a previous state, runs of T-1 steps, so StepRunsAlongI below. Its split-K (the
// weight gradients' outputs are few tiles) and fixed-order split sums are the core's.

// C(m, n) at out[m * ldc + (n / run) * runStride + n % run]: the gate columns [D][4H] of gates
// (run = 3H, runStride = 4H), or a plain row-major matrix (one run). Every GRU GEMM writes through
// it, so its kernels carry the GRU's name in a profile (scripts/ncu-compare.mjs counts them as
// the GRU's).
struct GruGemmStore {
  float* out = nullptr;
  int ldc = 0;
  int run = INT_MAX, runStride = 0;

  __device__ __forceinline__ void store(int m, int n, gemm::Run4 v, int count) const {
    float* row = out + static_cast<int64_t>(m) * ldc;
    gemm::Digits2 column;
    column.set(n, run);  // one division per run of 4 columns
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      if (c >= count) break;
      row[column.outer * runStride + column.inner] = v.v[c];
      if (++column.inner == run) column.inner = 0, ++column.outer;
    }
  }
};

GruGemmStore plainStore(float* out, int64_t cols) {
  GruGemmStore s;
  s.out = out, s.ldc = static_cast<int>(cols);
  return s;
}

// Element (i, k) at data[(i / iPlane) * iBatchStride + i % iPlane + (k / kRun) * kRunStride +
// (k % kRun) * kStride]: contiguous along i in runs of iPlane (a direction's gate columns, or a
// row of h), k in runs of kRun steps kStride apart, runs kRunStride apart (a sample's steps that
// have a previous state). The core's ColumnsAlongI with its depth in runs; k kept as digits, so
// no division in the loop.
struct StepRunsAlongI {
  static constexpr gemm::Contiguous kContiguous = gemm::Contiguous::I;
  static constexpr bool kAsync = true;
  const float* data = nullptr;
  int extentI = 0, extentK = 0;
  int iPlane = 1, iBatchStride = 0;
  int kStride = 0, kRun = 1, kRunStride = 0;
  gemm::Digits2 kStep;  // kTileK as digits of radix kRun: set by prepare()

  int column_ = 0, kFlat_ = 0;
  gemm::Digits2 k_;
  bool columnInside_ = false;

  void prepare() { kStep.set(gemm::kTileK, kRun); }

  template <int Extent>
  __device__ __forceinline__ void begin(int i0, int kBegin, int thread) {
    using Map = gemm::ThreadMap<kContiguous, Extent>;
    const int i = i0 + Map::i(thread);
    columnInside_ = i < extentI;
    gemm::Digits2 d;
    d.set(i, iPlane);
    column_ = d.outer * iBatchStride + d.inner;
    kFlat_ = kBegin + Map::k(thread);
    k_.set(kFlat_, kRun);
  }
  template <int Extent, class Put>
  __device__ __forceinline__ void fetch(int kEnd, const Put& put) {
    using Map = gemm::ThreadMap<kContiguous, Extent>;
    gemm::Digits2 k = k_;
#pragma unroll
    for (int j = 0; j < Map::kPerThread; ++j) {
      const bool inside = columnInside_ && kFlat_ + j < kEnd;
      put.element(j, data + (inside ? column_ + k.outer * kRunStride + k.inner * kStride : 0), inside);
      if (++k.inner == kRun) k.inner = 0, ++k.outer;
    }
    kFlat_ += gemm::kTileK;
    k_.add(kStep, kRun);
  }
};

// ---- the recurrence: one launch per time step ---------------------------------------------------
// A block owns `units` consecutive hidden units (8, 4, 2 or 1: the most that still gives about
// kStepTargetBlocks blocks), BN samples and one direction: grid (ceil(H/units), ceil(N/BN), D), 256
// threads. It computes the matrix-vector products its units need against the BN samples' state
// vectors (staged in shared memory in chunks of 256), then the gate equations for its
// (sample, unit) pairs, so no other block's result is needed within the step.
//
// Matrix-vector products: `rows` rows of a weight matrix (row-major, contiguous) against BN
// vectors of length L. A warp reads a row once, 32 consecutive floats at a time (coalesced), and
// multiplies each float into BN accumulators (the row is reused across the samples); with 8 or
// more rows each warp owns whole rows (warp, warp + 8, ...), with fewer rows 8 / rows warps share
// a row, taking alternate runs of 32. Each warp's sums are reduced by a shuffle tree, and the
// warps sharing a row are added in warp order: the same summation order on every run.

constexpr int kStepThreads = 256;
constexpr int kStepWarps = kStepThreads / 32;
constexpr int kStepChunk = 256;  // vector elements per sample staged at a time
constexpr int kMaxUnits = 8;
constexpr int kMaxSlots = 3;     // rows per warp: 3 * kMaxUnits rows over 8 warps

struct MatvecSplit {
  int warpsPerRow, rowsPerPass;
};
__device__ __forceinline__ MatvecSplit matvecSplit(int rows) {
  const int warpsPerRow = rows >= kStepWarps ? 1 : kStepWarps / rows;
  return MatvecSplit{warpsPerRow, kStepWarps / warpsPerRow};
}

// sums[slot][warp][s]: the per-warp dot products of rows warp / warpsPerRow + slot * rowsPerPass.
// rowPointer(row) gives the row's weights, or null for a row past the end (a unit >= H);
// vector(s, k) the k-th element of sample s's vector (0 for a sample past the batch).
template <int BN, int Slots, class RowPointer, class Vector>
__device__ void blockMatvec(int rows, int length, const RowPointer& rowPointer, const Vector& vector, float (&chunk)[BN][kStepChunk],
                            float (&sums)[kMaxSlots][kStepWarps][BN]) {
  static_assert(Slots <= kMaxSlots, "at most kMaxSlots rows per warp");
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const MatvecSplit split = matvecSplit(rows);
  const int part = warp % split.warpsPerRow;
  const float* w[Slots];
  float acc[Slots][BN];
#pragma unroll
  for (int slot = 0; slot < Slots; ++slot) {
    const int row = warp / split.warpsPerRow + slot * split.rowsPerPass;
    w[slot] = row < rows ? rowPointer(row) : nullptr;
#pragma unroll
    for (int s = 0; s < BN; ++s) acc[slot][s] = 0.f;
  }
  for (int k0 = 0; k0 < length; k0 += kStepChunk) {
    const int width = min(kStepChunk, length - k0);
#pragma unroll
    for (int s = 0; s < BN; ++s)
      for (int k = threadIdx.x; k < width; k += kStepThreads) chunk[s][k] = vector(s, k0 + k);
    __syncthreads();
#pragma unroll 2
    for (int k = part * 32 + lane; k < width; k += 32 * split.warpsPerRow) {
      float v[BN];
#pragma unroll
      for (int s = 0; s < BN; ++s) v[s] = chunk[s][k];
#pragma unroll
      for (int slot = 0; slot < Slots; ++slot) {
        if (!w[slot]) continue;
        const float wv = w[slot][k0 + k];
#pragma unroll
        for (int s = 0; s < BN; ++s) acc[slot][s] = fmaf(wv, v[s], acc[slot][s]);
      }
    }
    __syncthreads();
  }
#pragma unroll
  for (int slot = 0; slot < Slots; ++slot) {
    if (!w[slot]) continue;  // the same for the whole warp
    warpSumEach(acc[slot]);
    constexpr int kLanesPerSum = 32 / (BN < 32 ? BN : 32);
    if (lane % kLanesPerSum == 0) sums[slot][warp][lane / kLanesPerSum] = acc[slot][0];
  }
  __syncthreads();
}

// Row `row`'s dot product with sample s's vector: its warps' sums added in warp order.
template <int BN>
__device__ __forceinline__ float matvecResult(const float (&sums)[kMaxSlots][kStepWarps][BN], int rows, int row, int s) {
  const MatvecSplit split = matvecSplit(rows);
  const int slot = row / split.rowsPerPass, first = row % split.rowsPerPass * split.warpsPerRow;
  float sum = sums[slot][first][s];
  for (int p = 1; p < split.warpsPerRow; ++p) sum += sums[slot][first + p][s];
  return sum;
}

struct ForwardStep {
  int n, t, hidden, directions, units, step;
  const float* whh;  // [D][3H][H]
  const float* bih;  // [D][3H] or null
  const float* bhh;  // [D][3H] or null
  float* y;          // [N][T][D*H]
  float* gates;      // [N][T][D][4H]: in W_ih x_t (no bias) in 0:3H; out r, z, n, W_hn h_prev + b_hn
};

// The block's products of W_hh's first `gates` gate rows for its units with h_prev of its
// samples: gate g of unit u is row g * units + u, W_hh row g * H + u0 + u (a block holds the gates
// of its units, which is what their gate equations need). Only at steps with a previous state.
template <int BN, int Slots>
__device__ void previousStateProducts(const ForwardStep& p, int gates, float (&chunk)[BN][kStepChunk],
                                      float (&sums)[kMaxSlots][kStepWarps][BN]) {
  const int H = p.hidden, T = p.t, D = p.directions;
  const int d = blockIdx.z, n0 = blockIdx.y * BN, u0 = blockIdx.x * p.units;
  const int samples = min(BN, p.n - n0), tPrev = timeAt(T, d, p.step - 1);
  const int64_t yStep = static_cast<int64_t>(D) * H;
  const float* w = p.whh + static_cast<int64_t>(d) * 3 * H * H;
  blockMatvec<BN, Slots>(
      gates * p.units, H,
      [&](int row) -> const float* {
        const int u = u0 + row % p.units;
        return u < H ? w + static_cast<int64_t>(row / p.units * H + u) * H : nullptr;
      },
      [&](int s, int k) { return s < samples ? p.y[(static_cast<int64_t>(n0 + s) * T + tPrev) * yStep + d * H + k] : 0.f; }, chunk, sums);
}

// One forward step, both directions: r, z and n of the block's units (24 rows over 8 warps at
// most).
template <int BN>
__global__ void __launch_bounds__(kStepThreads) gruForwardStepKernel(ForwardStep p) {
  __shared__ float chunk[BN][kStepChunk];
  __shared__ float sums[kMaxSlots][kStepWarps][BN];
  const int H = p.hidden, T = p.t, D = p.directions, G = 3 * H;
  const int d = blockIdx.z, n0 = blockIdx.y * BN, u0 = blockIdx.x * p.units;
  const int samples = min(BN, p.n - n0), rows = 3 * p.units;
  const int t = timeAt(T, d, p.step), tPrev = timeAt(T, d, p.step - 1);  // tPrev: only when step > 0
  const int64_t yStep = static_cast<int64_t>(D) * H;
  if (p.step > 0) previousStateProducts<BN, kMaxSlots>(p, 3, chunk, sums);
  const float* bi = p.bih ? p.bih + static_cast<int64_t>(d) * G : nullptr;
  const float* bh = p.bhh ? p.bhh + static_cast<int64_t>(d) * G : nullptr;
  for (int e = threadIdx.x; e < samples * p.units; e += kStepThreads) {
    const int s = e / p.units, u = e % p.units, j = u0 + u;
    if (j >= H) continue;
    const int64_t n = n0 + s;
    float* g = p.gates + ((n * T + t) * D + d) * 4 * H;
    float ghr = 0.f, ghz = 0.f, ghn = 0.f, h = 0.f;
    if (p.step > 0) {
      ghr = matvecResult<BN>(sums, rows, u, s);
      ghz = matvecResult<BN>(sums, rows, p.units + u, s);
      ghn = matvecResult<BN>(sums, rows, 2 * p.units + u, s);
      h = p.y[(n * T + tPrev) * yStep + d * H + j];
    }
    if (bh) ghr += bh[j], ghz += bh[H + j], ghn += bh[2 * H + j];
    float gir = g[j], giz = g[H + j], gin = g[2 * H + j];
    if (bi) gir += bi[j], giz += bi[H + j], gin += bi[2 * H + j];
    const float r = sigmoidOfDevice(gir + ghr);
    const float z = sigmoidOfDevice(giz + ghz);
    const float nn = tanhf(gin + r * ghn);
    g[j] = r;
    g[H + j] = z;
    g[2 * H + j] = nn;
    g[3 * H + j] = ghn;
    p.y[(n * T + t) * yStep + d * H + j] = nn + z * (h - nn);
  }
}

// Without linearBeforeReset a forward step is two launches: the candidate's product W_hn q needs
// q = r * h_prev of every unit. First r and z of the block's units (16 rows over 8 warps at most),
// and q.
template <int BN>
__global__ void __launch_bounds__(kStepThreads) gruForwardResetGatesKernel(ForwardStep p) {
  __shared__ float chunk[BN][kStepChunk];
  __shared__ float sums[kMaxSlots][kStepWarps][BN];
  const int H = p.hidden, T = p.t, D = p.directions, G = 3 * H;
  const int d = blockIdx.z, n0 = blockIdx.y * BN, u0 = blockIdx.x * p.units;
  const int samples = min(BN, p.n - n0), rows = 2 * p.units;
  const int t = timeAt(T, d, p.step), tPrev = timeAt(T, d, p.step - 1);  // tPrev: only when step > 0
  const int64_t yStep = static_cast<int64_t>(D) * H;
  if (p.step > 0) previousStateProducts<BN, 2>(p, 2, chunk, sums);
  const float* bi = p.bih ? p.bih + static_cast<int64_t>(d) * G : nullptr;
  const float* bh = p.bhh ? p.bhh + static_cast<int64_t>(d) * G : nullptr;
  for (int e = threadIdx.x; e < samples * p.units; e += kStepThreads) {
    const int s = e / p.units, u = e % p.units, j = u0 + u;
    if (j >= H) continue;
    const int64_t n = n0 + s;
    float* g = p.gates + ((n * T + t) * D + d) * 4 * H;
    float ghr = 0.f, ghz = 0.f, h = 0.f;
    if (p.step > 0) {
      ghr = matvecResult<BN>(sums, rows, u, s);
      ghz = matvecResult<BN>(sums, rows, p.units + u, s);
      h = p.y[(n * T + tPrev) * yStep + d * H + j];
    }
    if (bh) ghr += bh[j], ghz += bh[H + j];
    float gir = g[j], giz = g[H + j];
    if (bi) gir += bi[j], giz += bi[H + j];
    const float r = sigmoidOfDevice(gir + ghr);
    g[j] = r;
    g[H + j] = sigmoidOfDevice(giz + ghz);
    g[3 * H + j] = r * h;
  }
}

// Second launch: W_hn q for the block's units (W_hh row 2H + u0 + u against q of every unit), then
// n and h_t.
template <int BN>
__global__ void __launch_bounds__(kStepThreads) gruForwardResetCandidateKernel(ForwardStep p) {
  __shared__ float chunk[BN][kStepChunk];
  __shared__ float sums[kMaxSlots][kStepWarps][BN];
  const int H = p.hidden, T = p.t, D = p.directions, G = 3 * H;
  const int d = blockIdx.z, n0 = blockIdx.y * BN, u0 = blockIdx.x * p.units;
  const int samples = min(BN, p.n - n0), rows = p.units;
  const int t = timeAt(T, d, p.step), tPrev = timeAt(T, d, p.step - 1);
  const int64_t yStep = static_cast<int64_t>(D) * H;
  if (p.step > 0) {
    const float* w = p.whh + static_cast<int64_t>(d) * G * H + static_cast<int64_t>(2 * H) * H;
    blockMatvec<BN, 1>(
        rows, H, [&](int row) -> const float* { return u0 + row < H ? w + static_cast<int64_t>(u0 + row) * H : nullptr; },
        [&](int s, int k) { return s < samples ? p.gates[((static_cast<int64_t>(n0 + s) * T + t) * D + d) * 4 * H + 3 * H + k] : 0.f; },
        chunk, sums);
  }
  const float* bi = p.bih ? p.bih + static_cast<int64_t>(d) * G : nullptr;
  const float* bh = p.bhh ? p.bhh + static_cast<int64_t>(d) * G : nullptr;
  for (int e = threadIdx.x; e < samples * p.units; e += kStepThreads) {
    const int s = e / p.units, u = e % p.units, j = u0 + u;
    if (j >= H) continue;
    const int64_t n = n0 + s;
    float* g = p.gates + ((n * T + t) * D + d) * 4 * H;
    float ghn = p.step > 0 ? matvecResult<BN>(sums, rows, u, s) : 0.f;
    if (bh) ghn += bh[2 * H + j];
    const float gin = bi ? g[2 * H + j] + bi[2 * H + j] : g[2 * H + j];
    const float nn = tanhf(gin + ghn), z = g[H + j];
    const float h = p.step > 0 ? p.y[(n * T + tPrev) * yStep + d * H + j] : 0.f;
    g[2 * H + j] = nn;
    p.y[(n * T + t) * yStep + d * H + j] = nn + z * (h - nn);
  }
}

struct BackwardStep {
  int n, t, hidden, directions, units, step;
  const float* whhT;    // [D][H][3H]: W_hh transposed, so that a unit's column is a contiguous row
  const float* dy;      // [N][T][D*H]
  const float* y;       // [N][T][D*H]
  const float* gates;   // [N][T][D][4H]
  float* gateGrads;     // [N][T][D][4H]: this step written, the later step read
  float* dh;            // [D][N][H]: dh of the later step in, this step's out (same thread)
  float* dq;            // [D][N][H]: W_hn^T da_n of the later step (without linearBeforeReset)
};

// One step of back-propagation through time, both directions:
//   dh_t = dy_t + dh_{t+1} * z_{t+1} + W_hh^T [da_r, da_z, da_n * r]_{t+1}   (t+1: the later step)
// then the gate gradients of step t from dh_t. One row per unit (its W_hh column, 3H long);
// 8 units or fewer per block, so one slot.
template <int BN>
__global__ void __launch_bounds__(kStepThreads) gruBackwardStepKernel(BackwardStep p) {
  __shared__ float chunk[BN][kStepChunk];
  __shared__ float sums[kMaxSlots][kStepWarps][BN];
  const int H = p.hidden, T = p.t, D = p.directions, G = 3 * H;
  const int d = blockIdx.z, n0 = blockIdx.y * BN, u0 = blockIdx.x * p.units;
  const int samples = min(BN, p.n - n0), rows = p.units;
  const bool later = p.step + 1 < T;
  const int t = timeAt(T, d, p.step), tNext = timeAt(T, d, p.step + 1), tPrev = timeAt(T, d, p.step - 1);
  const int64_t yStep = static_cast<int64_t>(D) * H;
  if (later) {
    const float* wt = p.whhT + static_cast<int64_t>(d) * H * G;
    blockMatvec<BN, 1>(
        rows, G, [&](int row) -> const float* { return u0 + row < H ? wt + static_cast<int64_t>(u0 + row) * G : nullptr; },
        [&](int s, int j) {
          // the hidden-side gate gradients: da_r, da_z (columns 0:2H), da_n * r (3H:4H)
          return s < samples ? p.gateGrads[((static_cast<int64_t>(n0 + s) * T + tNext) * D + d) * 4 * H + (j < 2 * H ? j : j + H)] : 0.f;
        },
        chunk, sums);
  }
  for (int e = threadIdx.x; e < samples * p.units; e += kStepThreads) {
    const int s = e / p.units, u = e % p.units, j = u0 + u;
    if (j >= H) continue;
    const int64_t n = n0 + s;
    const float* g = p.gates + ((n * T + t) * D + d) * 4 * H;
    float* gg = p.gateGrads + ((n * T + t) * D + d) * 4 * H;
    float* dhSaved = p.dh + (static_cast<int64_t>(d) * p.n + n) * H + j;
    float dh = p.dy[(n * T + t) * yStep + d * H + j];
    if (later) {
      const float zNext = p.gates[((n * T + tNext) * D + d) * 4 * H + H + j];
      dh += matvecResult<BN>(sums, rows, u, s) + *dhSaved * zNext;
    }
    const float h = p.step > 0 ? p.y[(n * T + tPrev) * yStep + d * H + j] : 0.f;
    const float r = g[j], z = g[H + j], nn = g[2 * H + j], ghn = g[3 * H + j];
    const float omz = 1.f - z;
    const float dan = dh * omz * (1.f - nn * nn);
    const float daz = dh * (h - nn) * (z * omz);
    const float dar = (dan * ghn) * (r * (1.f - r));
    gg[j] = dar;
    gg[H + j] = daz;
    gg[2 * H + j] = dan;
    gg[3 * H + j] = dan * r;
    if (p.step > 0) *dhSaved = dh;
  }
}

// Without linearBeforeReset a backward step is two launches too:
//   dh_t = dy_t + dh_{t+1} * z_{t+1} + dq_{t+1} * r_{t+1} + W_h{r,z}^T [da_r, da_z]_{t+1}
// then da_z, da_n of step t (and da_r = 0, which the second launch replaces when h_prev exists):
// one row per unit, the first 2H of its W_hh column.
template <int BN>
__global__ void __launch_bounds__(kStepThreads) gruBackwardResetUpdateKernel(BackwardStep p) {
  __shared__ float chunk[BN][kStepChunk];
  __shared__ float sums[kMaxSlots][kStepWarps][BN];
  const int H = p.hidden, T = p.t, D = p.directions, G = 3 * H;
  const int d = blockIdx.z, n0 = blockIdx.y * BN, u0 = blockIdx.x * p.units;
  const int samples = min(BN, p.n - n0), rows = p.units;
  const bool later = p.step + 1 < T;
  const int t = timeAt(T, d, p.step), tNext = timeAt(T, d, p.step + 1), tPrev = timeAt(T, d, p.step - 1);
  const int64_t yStep = static_cast<int64_t>(D) * H;
  if (later) {
    const float* wt = p.whhT + static_cast<int64_t>(d) * H * G;
    blockMatvec<BN, 1>(
        rows, 2 * H, [&](int row) -> const float* { return u0 + row < H ? wt + static_cast<int64_t>(u0 + row) * G : nullptr; },
        [&](int s, int j) { return s < samples ? p.gateGrads[((static_cast<int64_t>(n0 + s) * T + tNext) * D + d) * 4 * H + j] : 0.f; },
        chunk, sums);
  }
  for (int e = threadIdx.x; e < samples * p.units; e += kStepThreads) {
    const int s = e / p.units, u = e % p.units, j = u0 + u;
    if (j >= H) continue;
    const int64_t n = n0 + s;
    const float* g = p.gates + ((n * T + t) * D + d) * 4 * H;
    float* gg = p.gateGrads + ((n * T + t) * D + d) * 4 * H;
    const int64_t state = (static_cast<int64_t>(d) * p.n + n) * H + j;
    float dh = p.dy[(n * T + t) * yStep + d * H + j];
    if (later) {
      const float* gNext = p.gates + ((n * T + tNext) * D + d) * 4 * H;
      dh += matvecResult<BN>(sums, rows, u, s) + p.dh[state] * gNext[H + j] + p.dq[state] * gNext[j];
    }
    const float h = p.step > 0 ? p.y[(n * T + tPrev) * yStep + d * H + j] : 0.f;
    const float z = g[H + j], nn = g[2 * H + j];
    const float omz = 1.f - z;
    const float dan = dh * omz * (1.f - nn * nn);
    gg[j] = 0.f;
    gg[H + j] = dh * (h - nn) * (z * omz);
    gg[2 * H + j] = dan;
    gg[3 * H + j] = dan;
    if (p.step > 0) p.dh[state] = dh;
  }
}

// Second launch, at steps with a previous state: dq_t = W_hn^T da_n for the block's units (the n
// part of their W_hh columns against da_n of every unit), da_r = dq * h_prev * r (1 - r).
template <int BN>
__global__ void __launch_bounds__(kStepThreads) gruBackwardResetGateKernel(BackwardStep p) {
  __shared__ float chunk[BN][kStepChunk];
  __shared__ float sums[kMaxSlots][kStepWarps][BN];
  const int H = p.hidden, T = p.t, D = p.directions, G = 3 * H;
  const int d = blockIdx.z, n0 = blockIdx.y * BN, u0 = blockIdx.x * p.units;
  const int samples = min(BN, p.n - n0), rows = p.units;
  const int t = timeAt(T, d, p.step), tPrev = timeAt(T, d, p.step - 1);
  const int64_t yStep = static_cast<int64_t>(D) * H;
  const float* wt = p.whhT + static_cast<int64_t>(d) * H * G + 2 * H;
  blockMatvec<BN, 1>(
      rows, H, [&](int row) -> const float* { return u0 + row < H ? wt + static_cast<int64_t>(u0 + row) * G : nullptr; },
      [&](int s, int j) { return s < samples ? p.gateGrads[((static_cast<int64_t>(n0 + s) * T + t) * D + d) * 4 * H + 2 * H + j] : 0.f; },
      chunk, sums);
  for (int e = threadIdx.x; e < samples * p.units; e += kStepThreads) {
    const int s = e / p.units, u = e % p.units, j = u0 + u;
    if (j >= H) continue;
    const int64_t n = n0 + s;
    const float r = p.gates[((n * T + t) * D + d) * 4 * H + j];
    const float dq = matvecResult<BN>(sums, rows, u, s);
    p.gateGrads[((n * T + t) * D + d) * 4 * H + j] = dq * p.y[(n * T + tPrev) * yStep + d * H + j] * (r * (1.f - r));
    p.dq[(static_cast<int64_t>(d) * p.n + n) * H + j] = dq;
  }
}

// ---- bias gradients: column sums ----------------------------------------------------------------
// gateGrads seen as [rows = N*T][width = D*4H], its columns summed in double like the CPU kernel
// (column_sums.cuh), each sum routed to the biases by the rule the CPU shares
// (routeGruBiasGradient).
struct GruBiasStore {
  float* dbih;
  float* dbhh;
  int hidden;
  __device__ __forceinline__ void store(int, int column, double sum) const {
    routeGruBiasGradient<float>(column, hidden, static_cast<float>(sum), dbih, dbhh);
  }
};

// ---- host side ----------------------------------------------------------------------------------

// The kernels index rows, columns and depths with 32-bit integers, and the GEMM core offsets in
// tensors with them too.
void checkIndexable(const GruShape& s) {
  const int64_t limit = INT32_MAX / 2;
  const int64_t largest = std::max({s.n * s.t, s.directions() * 4 * s.hidden, s.input});
  if (largest > limit) fail(ErrorCode::Shape, "gru (cuda): ", s.describe(), " has a dimension above ", limit, " (32-bit indexing)");
  gemm::requireIndexable("gru", "the input", s.inputSize());
  gemm::requireIndexable("gru", "the output", s.outputSize());
  gemm::requireIndexable("gru", "the gates", s.gatesSize());
  gemm::requireIndexable("gru", "the input weight", s.inputWeightSize());
  gemm::requireIndexable("gru", "the hidden weight", s.hiddenWeightSize());
}

int samplesPerBlock(int64_t n) { return n >= 16 ? 16 : n >= 8 ? 8 : n >= 4 ? 4 : n >= 2 ? 2 : 1; }

int unitsPerBlock(const GruShape& s, int samples) {
  const int64_t groups = ceilDiv(s.n, samples);
  int units = kMaxUnits;
  while (units > 1 && s.directions() * ceilDiv(s.hidden, units) * groups < kStepTargetBlocks) units /= 2;
  return units;
}

dim3 stepGrid(const GruShape& s, int samples, int units) {
  return dim3(static_cast<unsigned>(ceilDiv(s.hidden, units)), static_cast<unsigned>(ceilDiv(s.n, samples)), static_cast<unsigned>(s.directions()));
}

template <class Args>
void launchStep(const char* name, void (*const* kernels)(Args), int samples, dim3 grid, CudaStream stream, const Args& args) {
  const int index = samples == 16 ? 4 : samples == 8 ? 3 : samples == 4 ? 2 : samples == 2 ? 1 : 0;
  launch(name, kernels[index], grid, dim3(kStepThreads), 0, stream, args);
}

void (*const kForwardSteps[])(ForwardStep) = {gruForwardStepKernel<1>, gruForwardStepKernel<2>, gruForwardStepKernel<4>,
                                              gruForwardStepKernel<8>, gruForwardStepKernel<16>};
void (*const kBackwardSteps[])(BackwardStep) = {gruBackwardStepKernel<1>, gruBackwardStepKernel<2>, gruBackwardStepKernel<4>,
                                                gruBackwardStepKernel<8>, gruBackwardStepKernel<16>};
void (*const kForwardResetGates[])(ForwardStep) = {gruForwardResetGatesKernel<1>, gruForwardResetGatesKernel<2>, gruForwardResetGatesKernel<4>,
                                                   gruForwardResetGatesKernel<8>, gruForwardResetGatesKernel<16>};
void (*const kForwardResetCandidates[])(ForwardStep) = {gruForwardResetCandidateKernel<1>, gruForwardResetCandidateKernel<2>,
                                                        gruForwardResetCandidateKernel<4>, gruForwardResetCandidateKernel<8>,
                                                        gruForwardResetCandidateKernel<16>};
void (*const kBackwardResetUpdates[])(BackwardStep) = {gruBackwardResetUpdateKernel<1>, gruBackwardResetUpdateKernel<2>,
                                                       gruBackwardResetUpdateKernel<4>, gruBackwardResetUpdateKernel<8>,
                                                       gruBackwardResetUpdateKernel<16>};
void (*const kBackwardResetGates[])(BackwardStep) = {gruBackwardResetGateKernel<1>, gruBackwardResetGateKernel<2>, gruBackwardResetGateKernel<4>,
                                                     gruBackwardResetGateKernel<8>, gruBackwardResetGateKernel<16>};

// Pieces of one workspace() request, each 256-byte aligned.
int64_t alignedFloats(int64_t floats) { return ceilDiv(floats, 64) * 64; }

float* scratch(CudaStream stream, int64_t floats) {
  return floats > 0 ? static_cast<float*>(workspace(stream, floats * static_cast<int64_t>(sizeof(float)))) : nullptr;
}

}  // namespace

void gruForward(CudaStream stream, const GruShape& s, const float* x, const float* wih, const float* whh, const float* bih,
                const float* bhh, float* y, float* gates) {
  checkIndexable(s);
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 3 * H, N = s.n, T = s.t, gateRow = D * 4 * H;
  // gates[n][t][d][0:3H] = x[n][t] . wih[d]^T for every step and direction: C [N*T][D*3H], its
  // columns in runs of 3H (one per direction) 4H apart; B(k, j) = wih[j][k].
  GruGemmStore inputGates = plainStore(gates, gateRow);
  inputGates.run = static_cast<int>(G), inputGates.runStride = static_cast<int>(4 * H);
  gemm::run("gruForwardInputGemm", stream, N * T, D * G, I, gemm::rowsOf(x, N * T, I), gemm::rowsOf(wih, D * G, I), inputGates);

  const int samples = samplesPerBlock(N), units = unitsPerBlock(s, samples);
  ForwardStep p{static_cast<int>(N), static_cast<int>(T), static_cast<int>(H), static_cast<int>(D), units, 0, whh,
                s.bias ? bih : nullptr, s.bias ? bhh : nullptr, y, gates};
  const dim3 grid = stepGrid(s, samples, units);
  for (int step = 0; step < T; ++step) {
    p.step = step;
    if (s.linearBeforeReset) {
      launchStep("gruForwardStep", kForwardSteps, samples, grid, stream, p);
    } else {
      launchStep("gruForwardResetGates", kForwardResetGates, samples, grid, stream, p);
      launchStep("gruForwardResetCandidate", kForwardResetCandidates, samples, grid, stream, p);
    }
  }
}

void gruBackwardInput(CudaStream stream, const GruShape& s, const float* dy, const float* y, const float* gates, const float* wih,
                      const float* whh, float* gateGrads, float* dx) {
  checkIndexable(s);
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 3 * H, N = s.n, T = s.t, gateRow = D * 4 * H;
  const bool recurrent = T > 1;
  // The stream's workspace holds W_hh^T [D][H][3H], dh [D][N][H] and, without linearBeforeReset,
  // dq [D][N][H] (all only with a recurrence) during the steps, then the dx GEMM's split partials
  // (the stream orders the two uses): asked for once, at the larger size, so that it does not move
  // between them.
  const int64_t whhTFloats = recurrent ? alignedFloats(D * H * G) : 0, dhFloats = recurrent ? alignedFloats(D * N * H) : 0;
  const int64_t dqFloats = recurrent && !s.linearBeforeReset ? dhFloats : 0;
  const int64_t dxGemmFloats = s.inputGradient ? gemm::workspaceBytes(N * T, I, D * G) / 4 : 0;
  float* whhT = scratch(stream, std::max(whhTFloats + dhFloats + dqFloats, dxGemmFloats));
  float* dh = whhT ? whhT + whhTFloats : nullptr;
  float* dq = dqFloats ? dh + dhFloats : nullptr;

  if (recurrent) permuteForward(stream, PermuteShape{D, {G, H}, {1, 0}}, whh, whhT);
  const int samples = samplesPerBlock(N), units = unitsPerBlock(s, samples);
  BackwardStep p{static_cast<int>(N), static_cast<int>(T), static_cast<int>(H), static_cast<int>(D), units, 0, whhT, dy, y, gates, gateGrads, dh, dq};
  const dim3 grid = stepGrid(s, samples, units);
  for (int step = static_cast<int>(T) - 1; step >= 0; --step) {
    p.step = step;
    if (s.linearBeforeReset) {
      launchStep("gruBackwardStep", kBackwardSteps, samples, grid, stream, p);
      continue;
    }
    launchStep("gruBackwardResetUpdate", kBackwardResetUpdates, samples, grid, stream, p);
    if (step > 0) launchStep("gruBackwardResetGate", kBackwardResetGates, samples, grid, stream, p);
  }
  if (!s.inputGradient) return;
  // dx [N*T][I] = sum over d of [da_r, da_z, da_n][n][t][d] . wih[d]: depth (d, gate row) D*3H,
  // A's depth in runs of 3H, 4H apart; B = wih [D*3H][I].
  gemm::RowsAlongK<> gateGradients;
  gateGradients.data = gateGrads;
  gateGradients.extentI = static_cast<int>(N * T), gateGradients.extentK = static_cast<int>(D * G);
  gateGradients.iStride = static_cast<int>(gateRow), gateGradients.kPlane = static_cast<int>(G), gateGradients.kBatchStride = static_cast<int>(4 * H);
  gemm::run("gruBackwardInputGemm", stream, N * T, I, D * G, gateGradients, gemm::columnsOf(wih, D * G, I), plainStore(dx, I));
}

void gruBackwardWeight(CudaStream stream, const GruShape& s, const float* gateGrads, const float* gates, const float* x, const float* y,
                       float* dwih, float* dwhh) {
  checkIndexable(s);
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 3 * H, N = s.n, T = s.t, gateRow = D * 4 * H;
  // dwih [D*3H][I] = [da_r, da_z, da_n]^T [D*3H][N*T] . x [N*T][I]: A's rows in runs of 3H, 4H apart.
  gemm::ColumnsAlongI<> gateGradients;
  gateGradients.data = gateGrads;
  gateGradients.extentI = static_cast<int>(D * G), gateGradients.extentK = static_cast<int>(N * T);
  gateGradients.kStride = static_cast<int>(gateRow), gateGradients.iPlane = static_cast<int>(G), gateGradients.iBatchStride = static_cast<int>(4 * H);
  gemm::run("gruBackwardWeightInputGemm", stream, D * G, I, N * T, gateGradients, gemm::columnsOf(x, N * T, I), plainStore(dwih, I));
  if (T == 1) {  // no step has a previous state
    zero(dwhh, s.hiddenWeightSize() * static_cast<int64_t>(sizeof(float)), stream, "GRU hidden weight gradient");
    return;
  }
  // dwhh[d] [3H][H] = dgh^T [3H][N*(T-1)] . h_prev [N*(T-1)][H] over the steps with a previous
  // state: (n, t = 1..T-1) with h_prev = y[n][t-1] forwards, (n, t = 0..T-2) with h_prev =
  // y[n][t+1] in reverse; the depth in runs of T-1 steps per sample. dgh's columns: 0:2H and 3H:4H.
  // Direction 0 starts at gates step 1, column 0, and y step 0; direction 1 at gates step 0,
  // column 4H, and y step 1, column D*H + H (its h_prev of t is y[t+1]). Without
  // linearBeforeReset the r and z rows (columns 0:2H) take h_prev and the n rows (3H:4H) take q,
  // gates' fourth block at the same steps as dgh: two GEMMs.
  auto stepRuns = [&](const float* data, int64_t rows, int64_t stride) {
    StepRunsAlongI m;
    m.data = data;
    m.extentI = static_cast<int>(rows), m.extentK = static_cast<int>(N * (T - 1));
    m.iPlane = static_cast<int>(rows);
    m.kStride = static_cast<int>(stride), m.kRun = static_cast<int>(T - 1);
    m.kRunStride = static_cast<int>(T * stride);
    return m;
  };
  for (int64_t d = 0; d < D; ++d) {
    const int64_t g0 = d == 0 ? gateRow : 4 * H;
    const StepRunsAlongI previousStates = stepRuns(d == 0 ? y : y + D * H + H, H, D * H);
    float* dw = dwhh + d * G * H;
    if (s.linearBeforeReset) {
      StepRunsAlongI hiddenGradients = stepRuns(gateGrads + g0, G, gateRow);
      hiddenGradients.iPlane = static_cast<int>(2 * H), hiddenGradients.iBatchStride = static_cast<int>(3 * H);
      gemm::run("gruBackwardWeightHiddenGemm", stream, G, H, N * (T - 1), hiddenGradients, previousStates, plainStore(dw, H));
      continue;
    }
    gemm::run("gruBackwardWeightHiddenGemm", stream, 2 * H, H, N * (T - 1), stepRuns(gateGrads + g0, 2 * H, gateRow), previousStates,
              plainStore(dw, H));
    gemm::run("gruBackwardWeightResetGemm", stream, H, H, N * (T - 1), stepRuns(gateGrads + g0 + 3 * H, H, gateRow),
              stepRuns(gates + g0 + 3 * H, H, gateRow), plainStore(dw + 2 * H * H, H));
  }
}

void gruBackwardBias(CudaStream stream, const GruShape& s, const float* gateGrads, float* dbih, float* dbhh) {
  checkIndexable(s);
  const int64_t rows = s.n * s.t, width = s.directions() * 4 * s.hidden;
  const int64_t partials = sums::columnSumsScratch(rows, width);
  double* scratchSums = partials ? static_cast<double*>(workspace(stream, partials * static_cast<int64_t>(sizeof(double)))) : nullptr;
  sums::columnSums<double>("gruBackwardBias", stream, rows, width, gateGrads, scratchSums, GruBiasStore{dbih, dbhh, static_cast<int>(s.hidden)});
}

}  // namespace sj::cuda
