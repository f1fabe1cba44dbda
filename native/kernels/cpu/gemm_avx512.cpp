// AVX-512 micro-kernel: 8 x 32 tile, 16 accumulator registers of 16 floats; enough independent
// FMA chains to cover two FMA pipes of 4-cycle latency.
#include "kernels/cpu/gemm_microkernel.h"

namespace sj::gemm_detail {

static void run(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool add) { microKernel<8, 2, 16>(kc, a, b, c, ldc, add); }

MicroKernel microKernelAvx512() { return {8, 32, &run}; }

}  // namespace sj::gemm_detail
