// AVX2: 3 x 4 accumulators + 3 A vectors + 1 B vector = all 16 registers.
#include "kernels/cpu/inner_products_impl.h"

namespace sj::inner_products_detail {

Kernels avx2() {
  typedef float V __attribute__((vector_size(32)));
  return kernelsFor<V, 3, 4>();
}

}  // namespace sj::inner_products_detail
