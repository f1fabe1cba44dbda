#include "kernels/cpu/vector_math.h"

#include "core/cpu_isa.h"
#include "kernels/cpu/vector_math_impl.h"

namespace sj::vector_math {

// Portable build: 4 lanes (one SSE register on x86-64).
Kernels generic() {
  typedef float V __attribute__((vector_size(16)));
  return kernelsFor<V>("generic");
}

const Kernels& active() {
  static const Kernels kernels = forActiveIsa<Kernels>(SJ_ISA_BUILDS(&generic, &avx2, &avx512));
  return kernels;
}

}  // namespace sj::vector_math
