// AVX-512 build of the GRU element-wise gate math: 16 lanes.
#include "kernels/cpu/gru_elementwise.h"

namespace sj::gru_detail {

RowKernels rowKernelsAvx512() { return Lanes<16>::kernels(); }

}  // namespace sj::gru_detail
