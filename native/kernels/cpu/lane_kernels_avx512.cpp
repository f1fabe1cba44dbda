// AVX-512: 16 lanes, one zmm register per vector.
#include "kernels/cpu/lane_kernels_impl.h"

namespace sj::frontend_lanes {

Kernels avx512() {
  typedef float V __attribute__((vector_size(64)));
  return kernelsFor<V>("avx512");
}

}  // namespace sj::frontend_lanes
