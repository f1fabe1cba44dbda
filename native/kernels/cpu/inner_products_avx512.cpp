// AVX-512: 4 x 6 accumulators + 4 A vectors + 1 B vector = 29 of 32 registers; 24 independent FMA
// chains hide the FMA latency on two ports.
#include "kernels/cpu/inner_products_impl.h"

namespace sj::inner_products_detail {

Kernels avx512() {
  typedef float V __attribute__((vector_size(64)));
  return kernelsFor<V, 4, 6>();
}

}  // namespace sj::inner_products_detail
