#include "kernels/linear.h"

#include "kernels/cuda/bias_sums.h"
#include "kernels/cuda/gemm_tile.cuh"

namespace sj::cuda {
namespace {

// Row-major R x C matrix `data`, read as a GEMM operand (i, k) = data[i][k] (AlongK: contiguous k).
gemm::RowsAlongK<> rowsOf(const float* data, int64_t rows, int64_t cols) {
  gemm::RowsAlongK<> l;
  l.data = data;
  l.extentI = static_cast<int>(rows), l.extentK = static_cast<int>(cols);
  l.iStride = static_cast<int>(cols), l.kPlane = static_cast<int>(cols);
  return l;
}

// Row-major R x C matrix `data`, read as a GEMM operand (i, k) = data[k][i] (AlongI: contiguous i).
gemm::ColumnsAlongI<> columnsOf(const float* data, int64_t rows, int64_t cols) {
  gemm::ColumnsAlongI<> l;
  l.data = data;
  l.extentI = static_cast<int>(cols), l.extentK = static_cast<int>(rows);
  l.kStride = static_cast<int>(cols), l.iPlane = static_cast<int>(cols);
  return l;
}

gemm::RowMajorStore rowMajor(float* out, int64_t cols, const float* columnBias = nullptr) {
  gemm::RowMajorStore s;
  s.out = out, s.ldc = static_cast<int>(cols), s.columnBias = columnBias;
  return s;
}

void requireIndexable(const char* kernel, const LinearShape& s) {
  gemm::requireIndexable(kernel, "the input", s.m * s.k);
  gemm::requireIndexable(kernel, "the output", s.m * s.nout);
  gemm::requireIndexable(kernel, "the weight", s.nout * s.k);
}

}  // namespace

// y (M x Nout) = x (M x K) . w^T (K x Nout) + b: both operands contiguous along K.
void linearForward(CudaStream stream, const LinearShape& s, const float* x, const float* w, const float* b, float* y) {
  requireIndexable("linearForward", s);
  gemm::run("linearForward", stream, s.m, s.nout, s.k, rowsOf(x, s.m, s.k), rowsOf(w, s.nout, s.k), rowMajor(y, s.nout, s.bias ? b : nullptr));
}

// dx (M x K) = dy (M x Nout) . w (Nout x K)
void linearBackwardInput(CudaStream stream, const LinearShape& s, const float* dy, const float* w, float* dx) {
  requireIndexable("linearBackwardInput", s);
  gemm::run("linearBackwardInput", stream, s.m, s.k, s.nout, rowsOf(dy, s.m, s.nout), columnsOf(w, s.nout, s.k), rowMajor(dx, s.k));
}

// dw (Nout x K) = dy^T (Nout x M) . x (M x K); K of the GEMM is the rows M, split when the weight
// has few tiles (gemm_tile.cuh).
void linearBackwardWeight(CudaStream stream, const LinearShape& s, const float* dy, const float* x, float* dw) {
  requireIndexable("linearBackwardWeight", s);
  gemm::run("linearBackwardWeight", stream, s.nout, s.k, s.m, columnsOf(dy, s.m, s.nout), columnsOf(x, s.m, s.k), rowMajor(dw, s.k));
}

// db = column sums of dy (M x Nout)
void linearBackwardBias(CudaStream stream, const LinearShape& s, const float* dy, float* db) {
  requireIndexable("linearBackwardBias", s);
  const int64_t scratch = sums::columnSumsScratch(s.m, s.nout);
  float* ws = scratch ? static_cast<float*>(workspace(stream, 4 * scratch)) : nullptr;
  sums::columnSums("linearBackwardBias", stream, s.m, s.nout, dy, db, ws);
}

}  // namespace sj::cuda
