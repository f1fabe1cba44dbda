// The SGEMM core of the GEMM-shaped CUDA kernels (conv2d, linear, glu): C (M x N) = A (M x K) . B
// (K x N) in FP32 FMA (no tensor cores: the study measures FP32 work), with pluggable operand
// loaders and output epilogues, so that a convolution is an implicit GEMM whose patch matrix is
// gathered while it is loaded and never stored, and so that a bias, a gate or a scatter to NCHW
// happens as the result is written.
//
// Block tile TM x 128 (TM = 128, or 64 when M is 64 or less, or when 64-row tiles waste fewer rows:
// a 64-channel convolution would otherwise multiply 64 rows of zeros), k-tile 8, 256 threads, each
// thread owning a TM/16 x 8 register tile:
//   rows    m0 + ty*4 + {0..3}  (and m0 + 64 + ty*4 + {0..3} when TM = 128)   ty = thread / 16
//   columns n0 + tx*4 + {0..3}  and  n0 + 64 + tx*4 + {0..3}                   tx = thread % 16
// Shared memory holds the two operand tiles k-major, As[k][m] and Bs[k][n] (rows padded by 4
// floats), twice: while the block multiplies k-tile t out of one buffer, tile t+1 is on its way
// into the other with cp.async (global to shared, no staging registers, zero-filled outside the
// operand; sm_80 and newer, a plain load and store before), issued before the multiply so that its
// latency hides behind the FMAs; one wait and one barrier per k-tile. Per k step a thread reads 2 float4 of A (a broadcast: a warp spans two
// ty) and 2 float4 of B (16 distinct float4 in a row: conflict-free) for 64 FMAs. Per k-tile and
// thread (TM = 128): 512 FFMA against 32 LDS.128, 8 cp.async, 1 barrier and the loaders' index
// arithmetic (~15 instructions per gathered im2col element, ~5 per plain one): FFMA is ~80 % of
// the issued instructions of the main loop of a convolution, ~85 % of a plain GEMM.
// Registers: 64 accumulators + 16 fragments + loader state, within the 128 that two blocks per SM
// allow (__launch_bounds__(256, 2); 2 x 16.9 KB of shared memory); ptxas spills nothing.
//
// Loaders. The block stores each k-tile of an operand as tile[k][i] (i = m for A, n for B); a
// loader fetches this thread's Map::kPerThread elements (extent 128: 4; 64: 2) of the next
// k-tile, zero outside the operand, following one of two thread mappings, chosen by which index
// is contiguous in memory so that a warp's loads are coalesced (extent E = 128 or 64):
//   AlongI: thread t loads i = t % E at k = (t / E) * P + {0..P-1}: a warp reads 32 consecutive i
//   AlongK: thread t loads k = t % 8 at i = t / 8 + 32 * {0..P-1}: a warp reads 4 rows x 8 consecutive k
// Either way every thread keeps ONE index of the fixed axis, so per-thread index arithmetic
// (the pixel of an im2col column, say) is done once per block, not per element; and the copies
// are 4 bytes: a warp's request is 4 x 32 B or 128 B of whole sectors either way (16-byte copies
// would need aligned, unpadded, in-plane runs, which a gathered operand does not have).
// A loader is a struct (its fields set on the host, passed by value to the kernel) with
//   static constexpr Contiguous kContiguous = Contiguous::I or Contiguous::K;
//   static constexpr bool kAsync;  // true: plain elements, copied asynchronously; false: products
//                                  // (gated), staged in registers and stored after the multiply
//   void prepare();                                               // host: derived constants, before the launch
//   template <int E> __device__ void begin(int i0, int kBegin, int thread);  // this block's tile and k range
//   template <int E, class Put> __device__ void fetch(int kEnd, const Put& put);  // the next k-tile, in
//       order: put.element(j, src, inside) (or put.gated(j, src, gate, inside)) for j < P; src is
//       a valid address even where inside is false (the element is then 0)
// Epilogues: __device__ void store(int m, int n, Run4 v, int count) writes C(m, n + c) = v[c] for
// c < count (count <= 4 consecutive columns, all inside C).
//
// Split-K. When the M x N tiles are too few to fill the GPU (a weight gradient: small output, K =
// batch x pixels), grid.z splits K into equal ranges; each split writes its partial C into a
// workspace [split][M][N] and a second kernel sums the splits in a fixed order and runs the
// epilogue. The split count depends on the shape only, so results are bit-identical run to run
// and GPU to GPU; no floating-point atomics anywhere.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "base/error.h"
#include "core/executed_macs.h"
#include "cuda/device_memory.h"
#include "cuda/launch.h"
#include "kernels/cuda/elementwise.h"

namespace sj::cuda::gemm {

constexpr int kThreads = 256;
constexpr int kTile = 128;       // block tile along N, and along M for large M
constexpr int kTileK = 8;        // k-tile
constexpr int kPad = 4;          // shared rows padded by 4 floats: conflict-free AlongK stores
constexpr int kHalf = 64;        // the register tile's 4-wide halves are 64 apart
constexpr int kMaxPerThread = kTileK * kTile / kThreads;  // operand elements a thread loads per k-tile: 4
constexpr int kColumnsPerThread = 8;

// Split-K policy: a wave is two blocks on each of an H100's 132 SMs; K is split (into ranges of
// at least 32 k-tiles, so that partial sums are worth their round trip through memory) until the
// blocks fill their last wave to at least 85 % (e.g. the weight gradient of a 64-channel 3 x 3
// convolution: 5 output tiles, K = 65536 pixels, split 45 ways), or as far as K allows. Constants,
// not the device's SM count, so that the split (and the rounding) is the same on any GPU.
constexpr int64_t kWaveBlocks = 2 * 132;
constexpr double kMinWaveFill = 0.85;
constexpr int kMinKTilesPerSplit = 32;
constexpr int64_t kMaxPartialBytes = int64_t(512) << 20;

// The thread mappings (see the header comment), for an operand tile of Extent rows (i).
enum class Contiguous { I, K };
template <Contiguous C, int Extent>
struct ThreadMap;
// In the shared tile float[kTileK][Extent + kPad], element j of a thread sits at
// slot(thread) + j * kSlotStride.
template <int Extent>
struct ThreadMap<Contiguous::I, Extent> {
  static constexpr int kPerThread = kTileK * Extent / kThreads;
  static constexpr int kSlotStride = Extent + kPad;
  static __device__ __forceinline__ int i(int thread) { return thread % Extent; }
  static __device__ __forceinline__ int k(int thread) { return thread / Extent * kPerThread; }  // first of kPerThread consecutive
  static __device__ __forceinline__ int slot(int thread) { return k(thread) * (Extent + kPad) + i(thread); }
};
template <int Extent>
struct ThreadMap<Contiguous::K, Extent> {
  static constexpr int kPerThread = kTileK * Extent / kThreads;
  static constexpr int kRowsPerPass = kThreads / kTileK;  // 32
  static constexpr int kSlotStride = kRowsPerPass;
  static __device__ __forceinline__ int i(int thread, int j) { return thread / kTileK + j * kRowsPerPass; }
  static __device__ __forceinline__ int k(int thread) { return thread % kTileK; }
  static __device__ __forceinline__ int slot(int thread) { return k(thread) * (Extent + kPad) + i(thread, 0); }
};

// ---- how a loader's elements reach shared memory -------------------------------------------------

// Asynchronously where the GPU can (cp.async, sm_80 and newer): global to shared with no register
// in between, zero-filled where `inside` is false (src-size 0: nothing is read; src is still a
// valid address). Older GPUs (Turing, Volta) and the emulator copy at once through a register,
// which the barrier before the tile is read makes equivalent: the same tile, without the overlap
// of the copy with the FMAs.
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#define SJ_GEMM_CP_ASYNC 1
#endif
__device__ __forceinline__ void copyAsync(float* sharedDst, const float* src, bool inside) {
#if defined(SJ_GEMM_CP_ASYNC)
  const unsigned dst = static_cast<unsigned>(__cvta_generic_to_shared(sharedDst));
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(dst), "l"(src), "r"(inside ? 4 : 0));
#else
  *sharedDst = inside ? *src : 0.f;
#endif
}
__device__ __forceinline__ void commitAsync() {
#if defined(SJ_GEMM_CP_ASYNC)
  asm volatile("cp.async.commit_group;\n" ::);
#endif
}
__device__ __forceinline__ void waitAsync() {
#if defined(SJ_GEMM_CP_ASYNC)
  asm volatile("cp.async.wait_group 0;\n" ::: "memory");
#endif
}

// Element sinks a loader's fetch writes through. AsyncPut: straight into the shared tile (loaders
// of plain values). StagedPut: into registers, stored after the multiply (gated loaders, whose
// element is a product of two loads).
struct AsyncPut {
  float* slot;      // this thread's element 0 in the tile being filled
  int slotStride;   // floats between its elements
  __device__ __forceinline__ void element(int j, const float* src, bool inside) const { copyAsync(slot + j * slotStride, src, inside); }
};
struct StagedPut {
  float (&v)[kMaxPerThread];
  __device__ __forceinline__ void element(int j, const float* src, bool inside) const { v[j] = inside ? *src : 0.f; }
  __device__ __forceinline__ void gated(int j, const float* src, const float* gate, bool inside) const { v[j] = inside ? *src * *gate : 0.f; }
};

// Four consecutive outputs of one row, by value (an array member keeps them in registers once the
// epilogue is inlined and its loop unrolled).
struct Run4 {
  float v[4];
};

// ---- index cursors: flat indices kept as mixed-radix digits, advanced without divisions ----------

// flat = outer * base + inner
struct Digits2 {
  int outer = 0, inner = 0;
  __host__ __device__ __forceinline__ void set(int flat, int base) {
    outer = flat / base;
    inner = flat - outer * base;
  }
  // Adds a step already split into digits (stepInner < base).
  __device__ __forceinline__ void add(const Digits2& step, int base) {
    outer += step.outer;
    inner += step.inner;
    if (inner >= base) {
      inner -= base;
      ++outer;
    }
  }
};

// flat = (c * rows + y) * cols + x
struct Digits3 {
  int c = 0, y = 0, x = 0;
  __host__ __device__ __forceinline__ void set(int flat, int rows, int cols) {
    const int plane = rows * cols;
    c = flat / plane;
    const int r = flat - c * plane;
    y = r / cols;
    x = r - y * cols;
  }
  __device__ __forceinline__ void add(const Digits3& step, int rows, int cols) {
    c += step.c;
    y += step.y;
    x += step.x;
    if (x >= cols) {
      x -= cols;
      ++y;
    }
    if (y >= rows) {
      y -= rows;
      ++c;
    }
  }
  __device__ __forceinline__ void increment(int rows, int cols) {
    if (++x == cols) {
      x = 0;
      if (++y == rows) {
        y = 0;
        ++c;
      }
    }
  }
};

// ---- generic loaders ---------------------------------------------------------------------------

// Element (i, k) at data[(k / kPlane) * kBatchStride + k % kPlane + i * iStride], contiguous along
// k in runs of kPlane: a row-major matrix (kPlane = K), or the [batch][rows][plane] layout of an
// NCHW tensor whose (batch, pixel) pairs are the k index. Gated: times gate[] at the same offset.
template <bool Gated = false>
struct RowsAlongK {
  static constexpr Contiguous kContiguous = Contiguous::K;
  static constexpr bool kAsync = !Gated;
  const float* data = nullptr;
  const float* gate = nullptr;
  int extentI = 0, extentK = 0;  // I, K
  int iStride = 0, kPlane = 1, kBatchStride = 0;
  Digits2 kStep;  // kTileK as digits of radix kPlane: set by prepare()

  Digits2 k_;  // this thread's k in the next k-tile, as digits and flat
  int kFlat_ = 0, row_ = 0;
  unsigned inside_ = 0;  // bit j: row j of this thread is inside the operand

  // Host: the constants derived from the fields above.
  void prepare() { kStep.set(kTileK, kPlane); }

  template <int Extent>
  __device__ __forceinline__ void begin(int i0, int kBegin, int thread) {
    using Map = ThreadMap<kContiguous, Extent>;
    const int i = i0 + Map::i(thread, 0);
    row_ = i * iStride;
#pragma unroll
    for (int j = 0; j < Map::kPerThread; ++j)
      if (i + j * Map::kRowsPerPass < extentI) inside_ |= 1u << j;
    kFlat_ = kBegin + Map::k(thread);
    k_.set(kFlat_, kPlane);
  }
  template <int Extent, class Put>
  __device__ __forceinline__ void fetch(int kEnd, const Put& put) {
    using Map = ThreadMap<kContiguous, Extent>;
    const bool kInside = kFlat_ < kEnd;
    const int at0 = k_.outer * kBatchStride + k_.inner + row_;
#pragma unroll
    for (int j = 0; j < Map::kPerThread; ++j) {
      const bool inside = kInside && (inside_ >> j & 1u);
      const int at = inside ? at0 + j * Map::kRowsPerPass * iStride : 0;
      if constexpr (Gated) {
        put.gated(j, data + at, gate + at, inside);
      } else {
        put.element(j, data + at, inside);
      }
    }
    kFlat_ += kTileK;
    k_.add(kStep, kPlane);
  }
};

// Element (i, k) at data[(i / iPlane) * iBatchStride + i % iPlane + k * kStride], contiguous along
// i in runs of iPlane: a row-major matrix read down its columns (iPlane = I), or an NCHW tensor
// whose (batch, pixel) pairs are the i index. Gated: times gate[] at the same offset.
template <bool Gated = false>
struct ColumnsAlongI {
  static constexpr Contiguous kContiguous = Contiguous::I;
  static constexpr bool kAsync = !Gated;
  const float* data = nullptr;
  const float* gate = nullptr;
  int extentI = 0, extentK = 0;
  int kStride = 0, iPlane = 1, iBatchStride = 0;

  int column_ = 0, k_ = 0;
  bool columnInside_ = false;

  void prepare() {}

  template <int Extent>
  __device__ __forceinline__ void begin(int i0, int kBegin, int thread) {
    using Map = ThreadMap<kContiguous, Extent>;
    const int i = i0 + Map::i(thread);
    columnInside_ = i < extentI;
    Digits2 d;
    d.set(i, iPlane);
    column_ = d.outer * iBatchStride + d.inner;
    k_ = kBegin + Map::k(thread);
  }
  template <int Extent, class Put>
  __device__ __forceinline__ void fetch(int kEnd, const Put& put) {
    using Map = ThreadMap<kContiguous, Extent>;
#pragma unroll
    for (int j = 0; j < Map::kPerThread; ++j) {
      const int k = k_ + j;
      const bool inside = columnInside_ && k < kEnd;
      const int at = inside ? column_ + k * kStride : 0;
      if constexpr (Gated) {
        put.gated(j, data + at, gate + at, inside);
      } else {
        put.element(j, data + at, inside);
      }
    }
    k_ += kTileK;
  }
};

// A row-major R x C matrix `data` as a GEMM operand (i, k) = data[i][k]: contiguous along k.
inline RowsAlongK<> rowsOf(const float* data, int64_t rows, int64_t cols) {
  RowsAlongK<> l;
  l.data = data;
  l.extentI = static_cast<int>(rows), l.extentK = static_cast<int>(cols);
  l.iStride = static_cast<int>(cols), l.kPlane = static_cast<int>(cols);
  return l;
}

// A row-major R x C matrix `data` as a GEMM operand (i, k) = data[k][i]: contiguous along i.
inline ColumnsAlongI<> columnsOf(const float* data, int64_t rows, int64_t cols) {
  ColumnsAlongI<> l;
  l.data = data;
  l.extentI = static_cast<int>(cols), l.extentK = static_cast<int>(rows);
  l.kStride = static_cast<int>(cols), l.iPlane = static_cast<int>(cols);
  return l;
}

// ---- epilogues ---------------------------------------------------------------------------------

// C row-major with leading dimension ldc, plus bias[n] when given (a linear layer's output).
struct RowMajorStore {
  float* out = nullptr;
  const float* columnBias = nullptr;
  int ldc = 0;

  __device__ __forceinline__ void store(int m, int n, Run4 v, int count) const {
    float* row = out + static_cast<int64_t>(m) * ldc + n;
#pragma unroll
    for (int c = 0; c < 4; ++c)
      if (c < count) row[c] = columnBias ? v.v[c] + columnBias[n + c] : v.v[c];
  }
};

// The NCHW offsets of a run: C(m, n + c) for c < count, where n = (batch, pixel) and C(m, n) lives
// at [(batch * rows + m) * plane + pixel]. Calls at(c, offset) for each; one division per run.
template <class At>
__device__ __forceinline__ void forEachPlanar(int m, int n, int count, int rows, int plane, At&& at) {
  Digits2 d;
  d.set(n, plane);
  int64_t offset = (static_cast<int64_t>(d.outer) * rows + m) * plane + d.inner;
#pragma unroll
  for (int c = 0; c < 4; ++c) {
    if (c >= count) break;
    at(c, offset);
    ++offset;
    if (++d.inner == plane) {  // the run crosses into the next image of the batch
      d.inner = 0;
      offset += static_cast<int64_t>(rows - 1) * plane;
    }
  }
}

// C (M x N) scattered to an NCHW tensor (forEachPlanar), plus bias[m] when given: a convolution's
// output. `vector`: out is 16-byte aligned and plane a multiple of 4, so that a run of 4 (which
// starts at a multiple of 4) lies in one image and is one float4 store.
struct PlanarStore {
  float* out = nullptr;
  const float* rowBias = nullptr;
  int rows = 0, plane = 1;
  bool vector = false;

  __device__ __forceinline__ void store(int m, int n, Run4 v, int count) const {
    const float bias = rowBias ? rowBias[m] : 0.f;
    if (vector && count == 4) {
      const int batch = n / plane;
      const int64_t offset = (static_cast<int64_t>(batch) * rows + m) * plane + (n - batch * plane);
      *reinterpret_cast<float4*>(out + offset) = make_float4(v.v[0] + bias, v.v[1] + bias, v.v[2] + bias, v.v[3] + bias);
      return;
    }
    forEachPlanar(m, n, count, rows, plane, [&](int c, int64_t offset) { out[offset] = v.v[c] + bias; });
  }
};

inline RowMajorStore rowMajor(float* out, int64_t cols, const float* columnBias = nullptr) {
  RowMajorStore s;
  s.out = out, s.ldc = static_cast<int>(cols), s.columnBias = columnBias;
  return s;
}

// ---- the kernels -------------------------------------------------------------------------------

struct Problem {
  int m = 0, n = 0, k = 0;
  int kPerSplit = 0;          // a multiple of kTileK; grid.z = ceil(k / kPerSplit)
  float* partials = nullptr;  // [split][M][N] when grid.z > 1, else null
};

// A staged k-tile from a loader's registers into shared memory, tile[k][i].
template <Contiguous C, int Extent>
__device__ __forceinline__ void stash(float (*tile)[Extent + kPad], int thread, const float (&v)[kMaxPerThread]) {
  using Map = ThreadMap<C, Extent>;
  float* slot = &tile[0][0] + Map::slot(thread);
#pragma unroll
  for (int j = 0; j < Map::kPerThread; ++j) slot[j * Map::kSlotStride] = v[j];
}

// The next k-tile of an operand: issued into `tile` (asynchronous loaders) or into `staged`
// (gated loaders, stored by finish() once the FMAs that hide their latency are done).
template <int Extent, class Load>
__device__ __forceinline__ void issue(Load& l, float (*tile)[Extent + kPad], float (&staged)[kMaxPerThread], int thread, int kEnd) {
  using Map = ThreadMap<Load::kContiguous, Extent>;
  if constexpr (Load::kAsync) {
    l.template fetch<Extent>(kEnd, AsyncPut{&tile[0][0] + Map::slot(thread), Map::kSlotStride});
  } else {
    l.template fetch<Extent>(kEnd, StagedPut{staged});
  }
}
template <int Extent, class Load>
__device__ __forceinline__ void finish(float (*tile)[Extent + kPad], const float (&staged)[kMaxPerThread], int thread) {
  if constexpr (!Load::kAsync) stash<Load::kContiguous, Extent>(tile, thread, staged);
}

// f[0..3] = row[offset..offset+3], f[4..7] = row[offset+64..offset+67] (for as many as f holds).
template <int Count>
__device__ __forceinline__ void loadFragment(const float* row, int offset, float (&f)[Count]) {
#pragma unroll
  for (int h = 0; h < Count / 4; ++h) {
    const float4 q = *reinterpret_cast<const float4*>(row + offset + h * kHalf);
    f[h * 4 + 0] = q.x, f[h * 4 + 1] = q.y, f[h * 4 + 2] = q.z, f[h * 4 + 3] = q.w;
  }
}

// One TileM x 128 tile of C per block: grid (ceil(N / 128), ceil(M / TileM), splits).
template <int TileM, class LoadA, class LoadB, class Store>
__global__ void __launch_bounds__(kThreads, 2) gemmKernel(Problem p, LoadA a, LoadB b, Store out) {
  constexpr int kRows = TileM / 16;  // rows per thread: 8 or 4
  __align__(16) __shared__ float As[2][kTileK][TileM + kPad];
  __align__(16) __shared__ float Bs[2][kTileK][kTile + kPad];
  const int thread = threadIdx.x;
  const int tx = thread % 16, ty = thread / 16;
  const int m0 = blockIdx.y * TileM, n0 = blockIdx.x * kTile;
  const int kBegin = blockIdx.z * p.kPerSplit;
  const int kEnd = min(p.k, kBegin + p.kPerSplit);

  a.template begin<TileM>(m0, kBegin, thread);
  b.template begin<kTile>(n0, kBegin, thread);
  float va[kMaxPerThread], vb[kMaxPerThread];  // staged loaders only
  issue<TileM>(a, As[0], va, thread, kEnd);
  issue<kTile>(b, Bs[0], vb, thread, kEnd);
  commitAsync();
  finish<TileM, LoadA>(As[0], va, thread);
  finish<kTile, LoadB>(Bs[0], vb, thread);
  waitAsync();
  __syncthreads();

  float acc[kRows][kColumnsPerThread];
#pragma unroll
  for (int i = 0; i < kRows; ++i)
#pragma unroll
    for (int j = 0; j < kColumnsPerThread; ++j) acc[i][j] = 0.f;

  int buffer = 0;
  for (int k0 = kBegin; k0 < kEnd; k0 += kTileK) {
    const bool more = k0 + kTileK < kEnd;
    if (more) {  // the next k-tile on its way into the other buffer (last read before the previous
                 // barrier); its latency overlaps the FMAs below
      issue<TileM>(a, As[buffer ^ 1], va, thread, kEnd);
      issue<kTile>(b, Bs[buffer ^ 1], vb, thread, kEnd);
      commitAsync();
    }
#pragma unroll
    for (int kk = 0; kk < kTileK; ++kk) {
      float fa[kRows], fb[kColumnsPerThread];
      loadFragment(As[buffer][kk], ty * 4, fa);
      loadFragment(Bs[buffer][kk], tx * 4, fb);
#pragma unroll
      for (int i = 0; i < kRows; ++i)
#pragma unroll
        for (int j = 0; j < kColumnsPerThread; ++j) acc[i][j] = fmaf(fa[i], fb[j], acc[i][j]);
    }
    if (more) {
      finish<TileM, LoadA>(As[buffer ^ 1], va, thread);
      finish<kTile, LoadB>(Bs[buffer ^ 1], vb, thread);
    }
    waitAsync();
    __syncthreads();
    buffer ^= 1;
  }

  float* partial = p.partials ? p.partials + static_cast<int64_t>(blockIdx.z) * p.m * p.n : nullptr;
#pragma unroll
  for (int i = 0; i < kRows; ++i) {
    const int m = m0 + (i / 4) * kHalf + ty * 4 + i % 4;
    if (m >= p.m) continue;
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int n = n0 + h * kHalf + tx * 4;
      if (n >= p.n) continue;
      const int count = min(4, p.n - n);
      Run4 v;
#pragma unroll
      for (int c = 0; c < 4; ++c) v.v[c] = acc[i][h * 4 + c];
      if (partial) {
        float* row = partial + static_cast<int64_t>(m) * p.n + n;
#pragma unroll
        for (int c = 0; c < 4; ++c)
          if (c < count) row[c] = v.v[c];
      } else {
        out.store(m, n, v, count);
      }
    }
  }
}

// C(m, n) = sum over splits s, in order, of partials[s][m][n]; then the epilogue.
template <class Store>
__global__ void splitKReduceKernel(int m, int n, int splits, const float* __restrict__ partials, Store out) {
  const int64_t size = static_cast<int64_t>(m) * n;
  for (int64_t at = gridStrideStart(); at < size; at += gridStrideStep()) {
    float sum = partials[at];
    for (int s = 1; s < splits; ++s) sum += partials[s * size + at];
    const int row = static_cast<int>(at / n);
    Run4 v{{sum, 0.f, 0.f, 0.f}};
    out.store(row, static_cast<int>(at - static_cast<int64_t>(row) * n), v, 1);
  }
}

// The kernels index with 32-bit integers (half the registers and instructions of 64-bit ones);
// tensors of 2^31 elements or more are refused.
inline void requireIndexable(const char* kernel, const char* what, int64_t count) {
  if (count >= std::numeric_limits<int32_t>::max())
    fail(ErrorCode::Shape, kernel, " (CUDA): ", what, " has ", count, " elements, more than the 32-bit indices of the kernel allow");
}

// Rows of the block tile: 64 where 64-row tiles cover M with fewer rows than 128-row ones (M <= 64,
// or M = 130, say), else 128 (twice the FMAs per shared-memory load).
inline int tileRows(int64_t m) { return (m + 63) / 64 * 64 < (m + kTile - 1) / kTile * kTile ? 64 : kTile; }

// How many k-ranges the GEMM splits into (1: none): a function of the shape only. The fewest
// splits whose blocks fill their last wave to kMinWaveFill, else the fullest.
inline int splitCount(int64_t m, int64_t n, int64_t k) {
  const int64_t tiles = ((m + tileRows(m) - 1) / tileRows(m)) * ((n + kTile - 1) / kTile);
  const int64_t kTiles = (k + kTileK - 1) / kTileK;
  const int64_t most = std::min<int64_t>(kTiles / kMinKTilesPerSplit, std::max<int64_t>(1, kMaxPartialBytes / (m * n * 4)));
  int64_t best = 1;
  double bestFill = 0.0;
  for (int64_t splits = 1; splits <= std::max<int64_t>(1, most); ++splits) {
    const int64_t blocks = tiles * splits;
    const double fill = static_cast<double>(blocks) / static_cast<double>((blocks + kWaveBlocks - 1) / kWaveBlocks * kWaveBlocks);
    if (fill >= kMinWaveFill) return static_cast<int>(splits);
    if (fill > bestFill) best = splits, bestFill = fill;
  }
  return static_cast<int>(best);
}

// The split of an M x N x K product: k-range per split (a multiple of kTileK) and split count.
struct Split {
  int kPerSplit, splits;
};
inline Split splitOf(int64_t m, int64_t n, int64_t k) {
  const int64_t kTiles = (k + kTileK - 1) / kTileK, wanted = splitCount(m, n, k);
  const int64_t kPerSplit = (kTiles + wanted - 1) / wanted * kTileK;
  return Split{static_cast<int>(kPerSplit), static_cast<int>((k + kPerSplit - 1) / kPerSplit)};
}

// Workspace bytes run() takes for an M x N x K product (the split partials; 0 without a split), so
// that a caller sharing the stream's workspace can ask for the largest need first.
inline int64_t workspaceBytes(int64_t m, int64_t n, int64_t k) {
  const Split split = splitOf(m, n, k);
  return split.splits > 1 ? static_cast<int64_t>(split.splits) * m * n * 4 : 0;
}

// C = A . B through the loaders and the epilogue. `name` names the launch; A's and B's loaders
// must carry their extents (A: I = m; B: I = n; both: K = k).
template <class LoadA, class LoadB, class Store>
void run(const char* name, CudaStream stream, int64_t m, int64_t n, int64_t k, const LoadA& a, const LoadB& b, const Store& out) {
  if (m <= 0 || n <= 0 || k <= 0) fail(ErrorCode::Shape, name, " (CUDA): GEMM dimensions must be positive, got ", m, " x ", n, " x ", k);
  requireIndexable(name, "the product", m * n);
  const int tileM = tileRows(m);
  if ((m + tileM - 1) / tileM > 65535) fail(ErrorCode::Shape, name, " (CUDA): ", m, " output rows is more than the grid allows");
  Problem p;
  p.m = static_cast<int>(m), p.n = static_cast<int>(n), p.k = static_cast<int>(k);
  const Split split = splitOf(m, n, k);
  const int splits = split.splits;
  p.kPerSplit = split.kPerSplit;
  if (splits > 1) p.partials = static_cast<float*>(workspace(stream, workspaceBytes(m, n, k)));
  LoadA preparedA = a;
  LoadB preparedB = b;
  preparedA.prepare();
  preparedB.prepare();
  const dim3 grid(static_cast<unsigned>((n + kTile - 1) / kTile), static_cast<unsigned>((m + tileM - 1) / tileM), static_cast<unsigned>(splits));
  // Every block computes its whole TileM x 128 tile over whole k-tiles, zeros beyond the edges.
  countExecutedMacs(static_cast<int64_t>(grid.y) * tileM * grid.x * kTile * ((k + kTileK - 1) / kTileK * kTileK));
  if (tileM == kTile) {
    launch(name, gemmKernel<kTile, LoadA, LoadB, Store>, grid, dim3(kThreads), 0, stream, p, preparedA, preparedB, out);
  } else {
    launch(name, gemmKernel<64, LoadA, LoadB, Store>, grid, dim3(kThreads), 0, stream, p, preparedA, preparedB, out);
  }
  if (splits > 1) {
    launch("splitKReduce", splitKReduceKernel<Store>, elementwiseGrid(m * n), dim3(kElementwiseThreads), 0, stream, p.m, p.n, splits,
           static_cast<const float*>(p.partials), out);
  }
}

// Whether a pointer is 16-byte aligned (float4 stores).
inline bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

}  // namespace sj::cuda::gemm
