#include "kernels/gru.h"

#include <algorithm>
#include <climits>
#include <cstdint>

#include "base/error.h"
#include "cuda/device_memory.h"
#include "cuda/launch.h"
#include "kernels/cuda/elementwise.h"

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

// About two blocks per SM of an H100 (132 SMs): the grid size the GEMM and bias sums aim for.
constexpr int64_t kTargetBlocks = 256;
// One block per SM for the step kernels: a step is latency-bound, and more, smaller blocks would
// mostly stage the same state vectors again.
constexpr int64_t kStepTargetBlocks = 132;

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Sums each of V values over the warp's 32 lanes (V a power of two, at most 32) in V - 1 +
// log2(32 / V) shuffles instead of 5 V: at each of the first log2 V levels a lane keeps half of
// its values, the upper half where its lane bit is set, and adds the partner's copy of that half;
// afterwards v[0] of lane l holds the sum of value l / (32 / V), and the last levels add whole
// lanes. A fixed tree: the same order on every run. (A recursion, so that every index into v is
// a constant and v stays in registers.)
template <int V, int Half>
__device__ __forceinline__ void halveAcrossLanes(float (&v)[V], int lane) {
  if constexpr (Half >= 1) {
    constexpr int kOffset = 32 * Half / V;  // 16 at the first level (Half = V / 2), then 8, ...
    const bool upper = (lane & kOffset) != 0;
#pragma unroll
    for (int i = 0; i < Half; ++i) {
      const float send = upper ? v[i] : v[i + Half];
      const float keep = upper ? v[i + Half] : v[i];
      v[i] = keep + __shfl_xor_sync(0xffffffffu, send, kOffset);
    }
    halveAcrossLanes<V, Half / 2>(v, lane);
  }
}

template <int V>
__device__ __forceinline__ void warpSumEach(float (&v)[V]) {
  static_assert(V >= 1 && V <= 32 && (V & (V - 1)) == 0, "a power of two up to 32");
  halveAcrossLanes<V, V / 2>(v, threadIdx.x % 32);
#pragma unroll
  for (int offset = 16 / V; offset > 0; offset /= 2) v[0] += __shfl_xor_sync(0xffffffffu, v[0], offset);
}

// The reference's sigmoidOf: 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below (no overflow).
__device__ __forceinline__ float sigmoidStable(float x) {
  const float e = expf(-fabsf(x));
  return (x >= 0.f ? 1.f : e) / (1.f + e);
}

__device__ __forceinline__ int timeAt(int steps, int d, int step) { return d == 0 ? step : steps - 1 - step; }

// ---- tiled GEMM over strided views ------------------------------------------------------------
// C[b](i, j) = sum_k A[b](i, k) B[b](k, j) for every batch b, where each operand is a view of a
// GRU tensor in place (no copies): an axis maps an index to an offset, and may come in runs
// (block) laid out blockStride apart, like the gate columns of one direction or the steps of one
// sample that have a previous state (kernels/cpu/gemm.h's Axis, same meaning).
//
// Block: a 64 x 64 tile of C, 256 threads as 16 x 16, each owning 4 x 4 outputs strided by 16
// (rows ty + 16a, columns tx + 16b: the B reads of a warp hit 16 consecutive words, the A reads
// broadcast, the C writes of a warp are 16 consecutive columns). Depth runs in stages of 16
// through two shared-memory buffers: the next stage is loaded into registers while this one is
// multiplied, then stored into the other buffer, so one barrier per stage suffices. Each operand
// tile load runs along whichever axis is contiguous (coalesced); the k offsets are stepped by
// an incremental (block, within-block) cursor, so no division happens in the loop.
//
// Split along k (weight gradients, whose outputs are too few tiles to fill the GPU): each split
// writes its own partial C, and a second kernel adds the splits in split order. Deterministic.

constexpr int kTile = 64;
constexpr int kTileK = 16;
constexpr int kGemmThreads = 256;
constexpr int kTilePad = 4;  // row padding of the shared tiles against bank conflicts in the stores
constexpr int32_t kPlainBlock = INT32_MAX;

struct Axis {
  int64_t stride = 1;
  int64_t blockStride = 0;
  int32_t block = kPlainBlock;  // indices per run; kPlainBlock: one run (a plain strided axis)
};
Axis plain(int64_t stride) { return Axis{stride, 0, kPlainBlock}; }
Axis blocked(int64_t stride, int64_t block, int64_t blockStride) { return Axis{stride, blockStride, static_cast<int32_t>(block)}; }

__device__ __forceinline__ int64_t axisOffset(const Axis& a, int i) {
  return static_cast<int64_t>(i / a.block) * a.blockStride + static_cast<int64_t>(i % a.block) * a.stride;
}

// A[b](i, k) or B[b](k, j): base + b * batchStride + offset(outer index) + offset(k); the outer
// index is i for A and j for B. alongK: k is the contiguous axis, so tile loads run along k.
struct Operand {
  const float* base;
  int64_t batchStride;
  Axis outer, k;
  bool alongK;
};
Operand operand(const float* base, int64_t batchStride, Axis outer, Axis k) { return Operand{base, batchStride, outer, k, k.stride == 1}; }

struct Output {
  float* base;
  int64_t batchStride;
  Axis rows, cols;
};

// The four elements of one operand's 64 x 16 stage that one thread loads, and where they go.
struct TileLoader {
  int64_t outerOffset[4];
  int tileOuter[4], tileK[4];
  int k[4], kRun[4], kWithin[4];  // the k index, its run and its place in the run
  bool outerValid[4];
  int stepRun, stepWithin;         // kTileK as (runs, within): the cursor's step
};

__device__ void initLoader(TileLoader& l, const Operand& op, int extent, int outerBase, int kStart, int tid) {
#pragma unroll
  for (int q = 0; q < 4; ++q) {
    // along k: 16 consecutive k of 16 rows per pass; along outer: 64 consecutive rows of 4 k
    l.tileOuter[q] = op.alongK ? tid / kTileK + 16 * q : tid % kTile;
    l.tileK[q] = op.alongK ? tid % kTileK : tid / kTile + 4 * q;
    const int outer = outerBase + l.tileOuter[q];
    l.outerValid[q] = outer < extent;
    l.outerOffset[q] = outer < extent ? axisOffset(op.outer, outer) : 0;
    l.k[q] = kStart + l.tileK[q];
    l.kRun[q] = l.k[q] / op.k.block;
    l.kWithin[q] = l.k[q] % op.k.block;
  }
  l.stepRun = kTileK / op.k.block;
  l.stepWithin = kTileK % op.k.block;
}

__device__ __forceinline__ void loadStage(const TileLoader& l, const Operand& op, const float* base, int kEnd, float (&v)[4]) {
#pragma unroll
  for (int q = 0; q < 4; ++q)
    v[q] = l.outerValid[q] && l.k[q] < kEnd
               ? base[l.outerOffset[q] + static_cast<int64_t>(l.kRun[q]) * op.k.blockStride + static_cast<int64_t>(l.kWithin[q]) * op.k.stride]
               : 0.f;
}

__device__ __forceinline__ void advanceStage(TileLoader& l, const Operand& op) {
#pragma unroll
  for (int q = 0; q < 4; ++q) {
    l.k[q] += kTileK;
    l.kRun[q] += l.stepRun;
    l.kWithin[q] += l.stepWithin;
    if (l.kWithin[q] >= op.k.block) {
      l.kWithin[q] -= op.k.block;
      ++l.kRun[q];
    }
  }
}

// grid (ceil(M/64), ceil(N/64), batch * splits), 256 threads. partials: null, or
// [batch * splits][M][N] for the split sum.
__global__ void __launch_bounds__(kGemmThreads)
    gruGemmKernel(int M, int N, int K, int splits, int kPerSplit, Operand a, Operand b, Output c, float* partials) {
  __shared__ float as[2][kTileK][kTile + kTilePad];
  __shared__ float bs[2][kTileK][kTile + kTilePad];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int rowBase = blockIdx.x * kTile, colBase = blockIdx.y * kTile;
  const int batch = blockIdx.z / splits, split = blockIdx.z % splits;
  const int kStart = split * kPerSplit, kEnd = min(K, kStart + kPerSplit);
  const float* aBase = a.base + batch * a.batchStride;
  const float* bBase = b.base + batch * b.batchStride;

  TileLoader la, lb;
  initLoader(la, a, M, rowBase, kStart, tid);
  initLoader(lb, b, N, colBase, kStart, tid);
  float va[4], vb[4];
  float acc[4][4] = {};
  const int stages = kEnd > kStart ? (kEnd - kStart + kTileK - 1) / kTileK : 0;
  if (stages > 0) {
    loadStage(la, a, aBase, kEnd, va);
    loadStage(lb, b, bBase, kEnd, vb);
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      as[0][la.tileK[q]][la.tileOuter[q]] = va[q];
      bs[0][lb.tileK[q]][lb.tileOuter[q]] = vb[q];
    }
  }
  __syncthreads();
  for (int stage = 0; stage < stages; ++stage) {
    const int cur = stage & 1;
    const bool more = stage + 1 < stages;
    if (more) {  // next stage's loads in flight during this stage's multiply
      advanceStage(la, a);
      advanceStage(lb, b);
      loadStage(la, a, aBase, kEnd, va);
      loadStage(lb, b, bBase, kEnd, vb);
    }
#pragma unroll
    for (int kk = 0; kk < kTileK; ++kk) {
      float ra[4], rb[4];
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        ra[q] = as[cur][kk][ty + 16 * q];
        rb[q] = bs[cur][kk][tx + 16 * q];
      }
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(ra[i], rb[j], acc[i][j]);
    }
    if (more) {
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        as[cur ^ 1][la.tileK[q]][la.tileOuter[q]] = va[q];
        bs[cur ^ 1][lb.tileK[q]][lb.tileOuter[q]] = vb[q];
      }
    }
    __syncthreads();
  }

  int64_t colOffset[4];
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    const int col = colBase + tx + 16 * j;
    colOffset[j] = col < N ? axisOffset(c.cols, col) : 0;
  }
  float* cBase = c.base + batch * c.batchStride;
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int row = rowBase + ty + 16 * i;
    if (row >= M) continue;
    const int64_t rowOffset = axisOffset(c.rows, row);
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int col = colBase + tx + 16 * j;
      if (col >= N) continue;
      if (partials)
        partials[(static_cast<int64_t>(blockIdx.z) * M + row) * N + col] = acc[i][j];
      else
        cBase[rowOffset + colOffset[j]] = acc[i][j];
    }
  }
}

// C[b](i, j) = sum over s, in order, of partials[b * splits + s][i][j]. Grid-stride, one output
// per thread.
__global__ void gruGemmSplitSumKernel(int64_t count, int M, int N, int splits, const float* __restrict__ partials, Output c) {
  const int64_t mn = static_cast<int64_t>(M) * N;
  for (int64_t idx = gridStrideStart(); idx < count; idx += gridStrideStep()) {
    const int64_t batch = idx / mn, within = idx % mn;
    const int row = static_cast<int>(within / N), col = static_cast<int>(within % N);
    const float* p = partials + batch * splits * mn + within;
    float sum = p[0];
    for (int s = 1; s < splits; ++s) sum += p[s * mn];
    c.base[batch * c.batchStride + axisOffset(c.rows, row) + axisOffset(c.cols, col)] = sum;
  }
}

struct GemmPlan {
  int m = 0, n = 0, k = 0, batch = 1, splits = 1, kPerSplit = 0;
  int64_t partialFloats() const { return splits > 1 ? static_cast<int64_t>(batch) * splits * m * n : 0; }
};

// Splits k when the output tiles alone would leave most of the GPU idle and k is deep enough
// that each split still runs at least 8 stages.
GemmPlan planGemm(int64_t m, int64_t n, int64_t k, int64_t batch) {
  GemmPlan p;
  p.m = static_cast<int>(m), p.n = static_cast<int>(n), p.k = static_cast<int>(k), p.batch = static_cast<int>(batch);
  p.kPerSplit = static_cast<int>(k);
  const int64_t tiles = ceilDiv(m, kTile) * ceilDiv(n, kTile) * batch;
  const int64_t splits = std::min(ceilDiv(kTargetBlocks, tiles), k / (8 * kTileK));
  if (splits > 1) {
    p.kPerSplit = static_cast<int>(ceilDiv(ceilDiv(k, splits), kTileK) * kTileK);
    p.splits = static_cast<int>(ceilDiv(k, p.kPerSplit));
  }
  return p;
}

void runGemm(const char* name, CudaStream stream, const GemmPlan& p, const Operand& a, const Operand& b, const Output& c, float* partials) {
  const dim3 grid(static_cast<unsigned>(ceilDiv(p.m, kTile)), static_cast<unsigned>(ceilDiv(p.n, kTile)),
                  static_cast<unsigned>(p.batch * p.splits));
  float* splitOut = p.splits > 1 ? partials : nullptr;
  launch(name, gruGemmKernel, grid, dim3(kGemmThreads), 0, stream, p.m, p.n, p.k, p.splits, p.kPerSplit, a, b, c, splitOut);
  if (p.splits > 1) {
    const int64_t count = static_cast<int64_t>(p.batch) * p.m * p.n;
    launch("gruGemmSplitSum", gruGemmSplitSumKernel, elementwiseGrid(count), dim3(kElementwiseThreads), 0, stream, count, p.m, p.n, p.splits,
           static_cast<const float*>(partials), c);
  }
}

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

// One forward step, both directions. Rows of the block's matrix-vector product: gate g of unit
// u is row g * units + u, W_hh row g * H + u0 + u: a block holds r, z and n of its units, which
// is what the gate equations of those units need. Slots: 24 rows over 8 warps at most.
template <int BN>
__global__ void __launch_bounds__(kStepThreads) gruForwardStepKernel(ForwardStep p) {
  __shared__ float chunk[BN][kStepChunk];
  __shared__ float sums[kMaxSlots][kStepWarps][BN];
  const int H = p.hidden, T = p.t, D = p.directions, G = 3 * H;
  const int d = blockIdx.z, n0 = blockIdx.y * BN, u0 = blockIdx.x * p.units;
  const int samples = min(BN, p.n - n0), rows = 3 * p.units;
  const int t = timeAt(T, d, p.step), tPrev = timeAt(T, d, p.step - 1);  // tPrev: only when step > 0
  const int64_t yStep = static_cast<int64_t>(D) * H;
  if (p.step > 0) {
    const float* w = p.whh + static_cast<int64_t>(d) * G * H;
    blockMatvec<BN, kMaxSlots>(
        rows, H,
        [&](int row) -> const float* {
          const int u = u0 + row % p.units;
          return u < H ? w + static_cast<int64_t>(row / p.units * H + u) * H : nullptr;
        },
        [&](int s, int k) { return s < samples ? p.y[(static_cast<int64_t>(n0 + s) * T + tPrev) * yStep + d * H + k] : 0.f; }, chunk,
        sums);
  }
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
    const float r = sigmoidStable(gir + ghr);
    const float z = sigmoidStable(giz + ghz);
    const float nn = tanhf(gin + r * ghn);
    g[j] = r;
    g[H + j] = z;
    g[2 * H + j] = nn;
    g[3 * H + j] = ghn;
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

// out[b][c][r] = in[b][r][c], in [rows][cols]: 32 x 32 tiles through shared memory (a padded row
// against bank conflicts), 256 threads each moving 4 elements; grid (ceil(cols/32), ceil(rows/32), batch).
__global__ void __launch_bounds__(256) gruTransposeKernel(int rows, int cols, const float* __restrict__ in, float* __restrict__ out) {
  __shared__ float tile[32][33];
  const int tx = threadIdx.x % 32, ty = threadIdx.x / 32;
  const int64_t batch = static_cast<int64_t>(blockIdx.z) * rows * cols;
  const int r0 = blockIdx.y * 32, c0 = blockIdx.x * 32;
  for (int i = ty; i < 32; i += 8)
    if (r0 + i < rows && c0 + tx < cols) tile[i][tx] = in[batch + static_cast<int64_t>(r0 + i) * cols + c0 + tx];
  __syncthreads();
  for (int i = ty; i < 32; i += 8)
    if (c0 + i < cols && r0 + tx < rows) out[batch + static_cast<int64_t>(c0 + i) * rows + r0 + tx] = tile[tx][i];
}

// ---- bias gradients: column sums --------------------------------------------------------------
// gateGrads seen as [rows = N*T][width = D*4H]. First kernel: grid (ceil(width/32), chunks), a
// block sums 32 columns over one chunk of rows, warp w taking rows w, w + 8, ... (coalesced
// 128-byte rows), in double like the CPU kernel; the 8 warps' sums are added in warp order into
// partial[chunk][col]. Second kernel: partials added in chunk order, then routed to the biases
// (routeGruBiasGradient, shared with the CPU).

constexpr int kBiasWarps = 8;

__global__ void __launch_bounds__(kBiasWarps * 32)
    gruBiasPartialKernel(int rows, int rowsPerChunk, int width, const float* __restrict__ gateGrads, double* __restrict__ partial) {
  __shared__ double warpSums[kBiasWarps][32];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int col = blockIdx.x * 32 + lane;
  const int first = blockIdx.y * rowsPerChunk, last = min(rows, first + rowsPerChunk);
  double acc = 0.0;
  if (col < width)
    for (int row = first + warp; row < last; row += kBiasWarps) acc += gateGrads[static_cast<int64_t>(row) * width + col];
  warpSums[warp][lane] = acc;
  __syncthreads();
  if (warp == 0 && col < width) {
    double sum = warpSums[0][lane];
    for (int w = 1; w < kBiasWarps; ++w) sum += warpSums[w][lane];
    partial[static_cast<int64_t>(blockIdx.y) * width + col] = sum;
  }
}

__global__ void gruBiasFinishKernel(int chunks, int width, int hidden, const double* __restrict__ partial, float* __restrict__ dbih,
                                    float* __restrict__ dbhh) {
  for (int64_t col = gridStrideStart(); col < width; col += gridStrideStep()) {
    double sum = partial[col];
    for (int c = 1; c < chunks; ++c) sum += partial[static_cast<int64_t>(c) * width + col];
    routeGruBiasGradient<float>(col, hidden, static_cast<float>(sum), dbih, dbhh);
  }
}

// ---- host side ----------------------------------------------------------------------------------

// The kernels index rows, columns and depths with 32-bit integers (offsets are 64-bit).
void checkIndexable(const GruShape& s) {
  const int64_t limit = INT32_MAX / 2;
  const int64_t largest = std::max({s.n * s.t, s.directions() * 4 * s.hidden, s.input});
  if (largest > limit) fail(ErrorCode::Shape, "gru (cuda): ", s.describe(), " has a dimension above ", limit, " (32-bit indexing)");
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
  const GemmPlan plan = planGemm(N * T, D * G, I, 1);
  float* partials = scratch(stream, plan.partialFloats());
  runGemm("gruForwardInputGemm", stream, plan, operand(x, 0, plain(I), plain(1)), operand(wih, 0, plain(I), plain(1)),
          Output{gates, 0, plain(gateRow), blocked(1, G, 4 * H)}, partials);

  const int samples = samplesPerBlock(N), units = unitsPerBlock(s, samples);
  ForwardStep p{static_cast<int>(N), static_cast<int>(T), static_cast<int>(H), static_cast<int>(D), units, 0, whh,
                s.bias ? bih : nullptr, s.bias ? bhh : nullptr, y, gates};
  const dim3 grid = stepGrid(s, samples, units);
  for (int step = 0; step < T; ++step) {
    p.step = step;
    launchStep("gruForwardStep", kForwardSteps, samples, grid, stream, p);
  }
}

void gruBackwardInput(CudaStream stream, const GruShape& s, const float* dy, const float* y, const float* gates, const float* wih,
                      const float* whh, float* gateGrads, float* dx) {
  checkIndexable(s);
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 3 * H, N = s.n, T = s.t, gateRow = D * 4 * H;
  const bool recurrent = T > 1;
  const GemmPlan plan = s.inputGradient ? planGemm(N * T, I, D * G, 1) : GemmPlan{};
  // workspace: W_hh^T [D][H][3H], dh [D][N][H] (both only with a recurrence), the dx GEMM's splits
  const int64_t whhTFloats = recurrent ? alignedFloats(D * H * G) : 0, dhFloats = recurrent ? alignedFloats(D * N * H) : 0;
  float* base = scratch(stream, whhTFloats + dhFloats + plan.partialFloats());
  float* whhT = base;
  float* dh = base ? base + whhTFloats : nullptr;
  float* partials = base ? base + whhTFloats + dhFloats : nullptr;

  if (recurrent)
    launch("gruTransposeWhh", gruTransposeKernel, dim3(static_cast<unsigned>(ceilDiv(H, 32)), static_cast<unsigned>(ceilDiv(G, 32)), static_cast<unsigned>(D)),
           dim3(256), 0, stream, static_cast<int>(G), static_cast<int>(H), whh, whhT);
  const int samples = samplesPerBlock(N), units = unitsPerBlock(s, samples);
  BackwardStep p{static_cast<int>(N), static_cast<int>(T), static_cast<int>(H), static_cast<int>(D), units, 0, whhT, dy, y, gates, gateGrads, dh};
  const dim3 grid = stepGrid(s, samples, units);
  for (int step = static_cast<int>(T) - 1; step >= 0; --step) {
    p.step = step;
    launchStep("gruBackwardStep", kBackwardSteps, samples, grid, stream, p);
  }
  if (!s.inputGradient) return;
  // dx [N*T][I] = sum over d of [da_r, da_z, da_n][n][t][d] . wih[d]: depth (d, gate row) D*3H,
  // A's depth in runs of 3H, 4H apart; B = wih [D*3H][I].
  runGemm("gruBackwardInputGemm", stream, plan, operand(gateGrads, 0, plain(gateRow), blocked(1, G, 4 * H)), operand(wih, 0, plain(1), plain(I)),
          Output{dx, 0, plain(I), plain(1)}, partials);
}

void gruBackwardWeight(CudaStream stream, const GruShape& s, const float* gateGrads, const float* x, const float* y, float* dwih,
                       float* dwhh) {
  checkIndexable(s);
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 3 * H, N = s.n, T = s.t, gateRow = D * 4 * H;
  const GemmPlan inputPlan = planGemm(D * G, I, N * T, 1);
  const GemmPlan hiddenPlan = T > 1 ? planGemm(G, H, N * (T - 1), D) : GemmPlan{};
  const int64_t inputPartials = alignedFloats(inputPlan.partialFloats());
  float* base = scratch(stream, inputPartials + hiddenPlan.partialFloats());

  // dwih [D*3H][I] = [da_r, da_z, da_n]^T [D*3H][N*T] . x [N*T][I]
  runGemm("gruBackwardWeightInputGemm", stream, inputPlan, operand(gateGrads, 0, blocked(1, G, 4 * H), plain(gateRow)),
          operand(x, 0, plain(1), plain(I)), Output{dwih, 0, plain(I), plain(1)}, base);
  if (T == 1) {  // no step has a previous state
    zero(dwhh, s.hiddenWeightSize() * static_cast<int64_t>(sizeof(float)), stream, "GRU hidden weight gradient");
    return;
  }
  // dwhh[d] [3H][H] = dgh^T [3H][N*(T-1)] . h_prev [N*(T-1)][H] over the steps with a previous
  // state: (n, t = 1..T-1) with h_prev = y[n][t-1] forwards, (n, t = 0..T-2) with h_prev =
  // y[n][t+1] in reverse; the depth in runs of T-1 steps per sample. dgh's columns: 0:2H and 3H:4H.
  // Batched over the directions: direction 1 starts at gates column 4H, step 0, and y column
  // D*H + H (its h_prev of t is y[t+1]).
  const float* g0 = gateGrads + gateRow;
  runGemm("gruBackwardWeightHiddenGemm", stream, hiddenPlan,
          operand(g0, 4 * H - gateRow, blocked(1, 2 * H, 3 * H), blocked(gateRow, T - 1, T * gateRow)),
          operand(y, D * H + H, plain(1), blocked(D * H, T - 1, T * D * H)), Output{dwhh, G * H, plain(H), plain(1)},
          base ? base + inputPartials : nullptr);
}

void gruBackwardBias(CudaStream stream, const GruShape& s, const float* gateGrads, float* dbih, float* dbhh) {
  checkIndexable(s);
  const int64_t rows = s.n * s.t, width = s.directions() * 4 * s.hidden, colBlocks = ceilDiv(width, 32);
  // chunks of rows: enough blocks to fill the GPU, at least 32 rows (4 per warp) per chunk
  const int64_t chunks = std::max<int64_t>(1, std::min(kTargetBlocks / colBlocks, ceilDiv(rows, 32)));
  const int64_t rowsPerChunk = ceilDiv(rows, chunks);
  const int64_t used = ceilDiv(rows, rowsPerChunk);
  double* partial = static_cast<double*>(workspace(stream, used * width * static_cast<int64_t>(sizeof(double))));
  launch("gruBackwardBiasPartial", gruBiasPartialKernel, dim3(static_cast<unsigned>(colBlocks), static_cast<unsigned>(used)), dim3(kBiasWarps * 32), 0,
         stream, static_cast<int>(rows), static_cast<int>(rowsPerChunk), static_cast<int>(width), gateGrads, partial);
  launch("gruBackwardBiasFinish", gruBiasFinishKernel, elementwiseGrid(width), dim3(kElementwiseThreads), 0, stream, static_cast<int>(used),
         static_cast<int>(width), static_cast<int>(s.hidden), static_cast<const double*>(partial), dbih, dbhh);
}

}  // namespace sj::cuda
