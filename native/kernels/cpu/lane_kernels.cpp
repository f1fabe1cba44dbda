#include "kernels/cpu/lane_kernels.h"

#include "core/cpu_isa.h"
#include "kernels/cpu/lane_kernels_impl.h"

namespace sj::frontend_lanes {

// Portable build: 4 lanes (one SSE register on x86-64).
Kernels generic() {
  typedef float V __attribute__((vector_size(16)));
  return kernelsFor<V>("generic");
}

const Kernels& active() {
  static const Kernels kernels = forActiveIsa<Kernels>(SJ_ISA_BUILDS(&generic, &avx2, &avx512));
  return kernels;
}

const Kernels& scalar() {
  static const Kernels kernels = kernelsFor<float>("scalar");
  return kernels;
}

}  // namespace sj::frontend_lanes
