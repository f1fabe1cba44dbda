// AVX2 + FMA build of the GRU element-wise gate math: 8 lanes.
#include "kernels/cpu/gru_elementwise.h"

namespace sj::gru_detail {

RowKernels rowKernelsAvx2() { return Lanes<8>::kernels(); }

}  // namespace sj::gru_detail
