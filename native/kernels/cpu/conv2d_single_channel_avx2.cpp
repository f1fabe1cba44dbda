// AVX2: 1 channel x 4 vectors in flight (9 weight + 4 accumulator registers of 16); the weight
// gradient keeps 9 accumulators.
#include "kernels/cpu/conv2d_single_channel_impl.h"

namespace sj::single_channel_detail {

Kernels avx2() {
  typedef float V __attribute__((vector_size(32)));
  return kernelsFor<V, 1, 4, 1>();
}

}  // namespace sj::single_channel_detail
