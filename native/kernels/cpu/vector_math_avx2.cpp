// AVX2 + FMA: 8 lanes, one ymm register per vector.
#include "kernels/cpu/vector_math_impl.h"

namespace sj::vector_math {

Kernels avx2() {
  typedef float V __attribute__((vector_size(32)));
  return kernelsFor<V>("avx2");
}

}  // namespace sj::vector_math
