// AVX-512: 16 lanes, one zmm register per vector.
#include "kernels/cpu/vector_math_impl.h"

namespace sj::vector_math {

Kernels avx512() {
  typedef float V __attribute__((vector_size(64)));
  return kernelsFor<V>("avx512");
}

}  // namespace sj::vector_math
