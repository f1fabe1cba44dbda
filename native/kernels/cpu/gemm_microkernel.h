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
};

template <int MR, int NV, int W>
inline void microKernel(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict c, int64_t ldc, bool add) {
  typedef float V __attribute__((vector_size(W * 4)));
  constexpr int NR = NV * W;
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = V{};
  for (int64_t k = 0; k < kc; ++k) {
    V bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) std::memcpy(&bv[v], b + k * NR + v * W, sizeof(V));
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
      if (add) {
        V old;
        std::memcpy(&old, out, sizeof(V));
        acc[i][v] += old;
      }
      std::memcpy(out, &acc[i][v], sizeof(V));
    }
}

MicroKernel microKernelGeneric();
#if defined(SEDJOULE_X86)
MicroKernel microKernelAvx2();
MicroKernel microKernelAvx512();
#endif

}  // namespace sj::gemm_detail
