#include "kernels/linear.h"

#include "kernels/cuda/bias_sums.h"
#include "kernels/cuda/gemm_tile.cuh"

namespace sj::cuda {
namespace {

void requireIndexable(const char* kernel, const LinearShape& s) {
  gemm::requireIndexable(kernel, "the input", s.m * s.k);
  gemm::requireIndexable(kernel, "the output", s.m * s.nout);
  gemm::requireIndexable(kernel, "the weight", s.nout * s.k);
}

}  // namespace

// y (M x Nout) = x (M x K) . w^T (K x Nout) + b: both operands contiguous along K.
void linearForward(CudaStream stream, const LinearShape& s, const float* x, const float* w, const float* b, float* y) {
  requireIndexable("linearForward", s);
  gemm::run("linearForward", stream, s.m, s.nout, s.k, gemm::rowsOf(x, s.m, s.k), gemm::rowsOf(w, s.nout, s.k), gemm::rowMajor(y, s.nout, s.bias ? b : nullptr));
}

// dx (M x K) = dy (M x Nout) . w (Nout x K)
void linearBackwardInput(CudaStream stream, const LinearShape& s, const float* dy, const float* w, float* dx) {
  requireIndexable("linearBackwardInput", s);
  gemm::run("linearBackwardInput", stream, s.m, s.k, s.nout, gemm::rowsOf(dy, s.m, s.nout), gemm::columnsOf(w, s.nout, s.k), gemm::rowMajor(dx, s.k));
}

// dw (Nout x K) = dy^T (Nout x M) . x (M x K); K of the GEMM is the rows M, split when the weight
// has few tiles (gemm_tile.cuh).
void linearBackwardWeight(CudaStream stream, const LinearShape& s, const float* dy, const float* x, float* dw) {
  requireIndexable("linearBackwardWeight", s);
  gemm::run("linearBackwardWeight", stream, s.nout, s.k, s.m, gemm::columnsOf(dy, s.m, s.nout), gemm::columnsOf(x, s.m, s.k), gemm::rowMajor(dw, s.k));
}

// db = column sums of dy (M x Nout)
void linearBackwardBias(CudaStream stream, const LinearShape& s, const float* dy, float* db) {
  requireIndexable("linearBackwardBias", s);
  const int64_t scratch = sums::columnSumsScratch(s.m, s.nout);
  float* ws = scratch ? static_cast<float*>(workspace(stream, 4 * scratch)) : nullptr;
  sums::columnSums("linearBackwardBias", stream, s.m, s.nout, dy, db, ws);
}

}  // namespace sj::cuda
