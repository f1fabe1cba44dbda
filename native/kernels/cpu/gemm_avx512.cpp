// AVX-512 micro-kernel: 8 x 32 tile, 16 accumulator registers of 16 floats; enough independent
// FMA chains to cover two FMA pipes of 4-cycle latency.
#include "kernels/cpu/gemm_microkernel.h"

namespace sj::gemm_detail {

MicroKernel microKernelAvx512() { return microKernelOf<8, 2, 16>(); }
MicroKernel rowKernelAvx512() { return microKernelOf<1, 4, 16>(); }

}  // namespace sj::gemm_detail
