// AVX2 + FMA micro-kernel: 6 x 16 tile, 12 accumulator registers of 8 floats (BLIS's Haswell shape).
#include "kernels/cpu/gemm_microkernel.h"

namespace sj::gemm_detail {

MicroKernel microKernelAvx2() { return microKernelOf<6, 2, 8>(); }
MicroKernel rowKernelAvx2() { return microKernelOf<1, 4, 8>(); }

}  // namespace sj::gemm_detail
