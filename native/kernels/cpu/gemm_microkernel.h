// The GEMM micro-kernel, written once with GCC vector extensions and compiled per instruction set
// (gemm_avx512.cpp, gemm_avx2.cpp, and gemm.cpp for the portable build). It computes one MR x NR
// tile from packed panels and stores it straight into C (row stride ldc), overwriting or adding:
//   c[i * ldc + j] (+)= sum_k a[k][i] * b[k][j]     (a: kc x MR, b: kc x NR)
// Accumulators stay in registers for the whole depth. Tiles at C's edges, or in views whose rows
// are not evenly spaced, go through a scratch tile (ldc = NR) that the driver merges.
#pragma once
#include <cstdint>
#include <cstring>

namespace sj::gemm_detail {

struct MicroKernel {
  int mr;
  int nr;
  void (*run)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool add);
  // The same with B read in place: row k of the panel is the NR floats at b + bRows[k], its
  // NR / vector-width vectors `bStep` floats apart (the implicit convolution's rows of a
  // zero-padded image, conv2d_implicit.h: consecutive floats, or one vector per output row);
  // rowBias (MR values, or null) is added to the tile's rows as it is stored.
  void (*runIndirect)(int64_t kc, const float* a, const float* b, const int64_t* bRows, int64_t bStep, float* c, int64_t ldc, bool add,
                      const float* rowBias);
  int vectorWidth;  // floats per vector
};

// Row k of the B panel: packed (bRows null: b + k * NR) or in place (b + bRows[k]); vector v of
// it at + v * bStep.
template <int MR, int NV, int W>
inline void microKernelRows(int64_t kc, const float* __restrict a, const float* __restrict b, const int64_t* __restrict bRows,
                            int64_t bStep, float* __restrict c, int64_t ldc, bool add, const float* __restrict rowBias) {
  typedef float V __attribute__((vector_size(W * 4)));
  constexpr int NR = NV * W;
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = V{};
  for (int64_t k = 0; k < kc; ++k) {
    V bv[NV];
    const float* row = bRows ? b + bRows[k] : b + k * NR;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) std::memcpy(&bv[v], row + v * bStep, sizeof(V));
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const float ai = a[k * MR + i];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] += ai * bv[v];
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      float* out = c + i * ldc + v * W;
      if (rowBias) acc[i][v] += rowBias[i];
      if (add) {
        V old;
        std::memcpy(&old, out, sizeof(V));
        acc[i][v] += old;
      }
      std::memcpy(out, &acc[i][v], sizeof(V));
    }
}

template <int MR, int NV, int W>
void microKernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool add) {
  microKernelRows<MR, NV, W>(kc, a, b, nullptr, W, c, ldc, add, nullptr);
}
template <int MR, int NV, int W>
void microKernelIndirect(int64_t kc, const float* a, const float* b, const int64_t* bRows, int64_t bStep, float* c, int64_t ldc, bool add,
                         const float* rowBias) {
  microKernelRows<MR, NV, W>(kc, a, b, bRows, bStep, c, ldc, add, rowBias);
}
template <int MR, int NV, int W>
MicroKernel microKernelOf() {
  return {MR, NV * W, &microKernel<MR, NV, W>, &microKernelIndirect<MR, NV, W>, W};
}

// The micro-kernel of the widest instruction set this CPU has (SEDJOULE_ISA may narrow it).
const MicroKernel& activeMicroKernel();
// Its one-row form for a product with a single row of A (a batch of 1): an MR-row tile would
// multiply MR - 1 rows of zeros. 4 vectors per row, so 4 FMA chains hide some of their latency.
const MicroKernel& activeRowKernel();

MicroKernel microKernelGeneric();
MicroKernel rowKernelGeneric();
#if defined(SEDJOULE_X86)
MicroKernel microKernelAvx2();
MicroKernel microKernelAvx512();
MicroKernel rowKernelAvx2();
MicroKernel rowKernelAvx512();
#endif

}  // namespace sj::gemm_detail
