// AVX-512: 2 channels x 4 vectors in flight (18 weight + 8 accumulator registers of 32); the weight
// gradient keeps 2 x 9 accumulators.
#include "kernels/cpu/conv2d_single_channel_impl.h"

namespace sj::single_channel_detail {

Kernels avx512() {
  typedef float V __attribute__((vector_size(64)));
  return kernelsFor<V, 2, 4, 2>();
}

}  // namespace sj::single_channel_detail
