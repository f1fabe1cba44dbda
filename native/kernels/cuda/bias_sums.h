// The deterministic sums behind the bias gradients of the GEMM-shaped kernels (conv2d, linear, glu):
//   planeSums:  out[r] = sum over j < plane of a[r * plane + j] (* gate[same])   rows of an NCHW tensor
//   columnSums: out[c] = sum over r < rows of in[r * cols + c]                   a row-major matrix
// A bias gradient of an NCHW tensor [N][C][plane] is planeSums into [N][C], then columnSums over N.
// Every sum runs in a fixed order (a per-thread loop, then a fixed tree), so the bits depend on the
// shape and the data only. No floating-point atomics.
#pragma once
#include <cstdint>

#include "cuda/cuda_stream.h"

namespace sj::cuda::sums {

// out[r] for r < rows; gate may be null (no product). `name` names the launch.
void planeSums(const char* name, CudaStream stream, int64_t rows, int64_t plane, const float* a, const float* gate, float* out);

// Scratch values columnSums needs for `rows` x `cols` (two ping-pong levels of chunk partials), in
// the accumulator's type (float here; the GRU sums its bias gradients in double: column_sums.cuh).
int64_t columnSumsScratch(int64_t rows, int64_t cols);

// In float. `scratch`: columnSumsScratch(rows, cols) floats (may be null when that is 0).
void columnSums(const char* name, CudaStream stream, int64_t rows, int64_t cols, const float* in, float* out, float* scratch);

}  // namespace sj::cuda::sums
