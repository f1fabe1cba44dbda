// AVX2 + FMA micro-kernel: 6 x 16 tile, 12 accumulator registers of 8 floats (BLIS's Haswell shape).
#include "kernels/cpu/gemm_microkernel.h"

namespace sj::gemm_detail {

static void run(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool add) { microKernel<6, 2, 8>(kc, a, b, c, ldc, add); }

MicroKernel microKernelAvx2() { return {6, 16, &run}; }

}  // namespace sj::gemm_detail
