// Per-clip normalisation over the whole [mels][frames] block (DCASE's per-instance scaler over
// dims [1, 2]):
//
//   "minmax":      y = (x - min) / (max - min)
//   "standardize": y = (x - mean) / std,  std with Bessel's correction (n - 1), as torch.std
//   "none":        no kernel
//
// Guards: a constant block (max == min, or std == 0) gives y = 0: the divisor is max(range, 1e-30)
// (resp. max(std, 1e-30)), and x - min (x - mean) is exactly 0 there. The DESED TorchScaler adds
// eps = 1e-8 to the divisor instead: for a block spanning R dB that changes y by a factor
// 1 - 1e-8/R, below float resolution for any R > 0.1.
//
// Both statistics pass over the block in one thread (a reduction is never split across threads);
// the apply pass is multithreaded. Two passes for standardize (mean, then squared deviations).
// Cost: minmax 2(n-1) comparisons (min and max from x[0]) + 1 guard; flops 1 (range) + 1 (divide)
// + 2n. standardize: n adds + 1 divide + 1 multiply (mean); n subtractions + n MACs + 1 multiply
// (variance); 1 sqrt; 1 guard comparison + 1 divide; 2n (apply). For n = 1 the variance divisor
// is 1 (std = 0, y = 0).
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

enum class NormalizeKind { None, MinMax, Standardize };
NormalizeKind normalizeKindFromName(const std::string& name, const char* field);  // E_VALUE
const char* normalizeKindName(NormalizeKind kind);

struct NormalizeShape {
  int64_t size = 1;
  NormalizeKind kind = NormalizeKind::MinMax;
  void validate() const;
  std::string describe() const;
};

Cost normalizeForwardCost(const NormalizeShape& s);

// x and y may be the same array.
template <class T>
void normalizeForwardReference(const NormalizeShape& s, const T* x, T* y) {
  const double kTiny = 1e-30;
  if (s.kind == NormalizeKind::MinMax) {
    T lo = x[0], hi = x[0];
    for (int64_t i = 1; i < s.size; ++i) {
      lo = minOf(lo, x[i]);
      hi = maxOf(hi, x[i]);
    }
    const T scale = T(1) / maxOf(hi - lo, T(kTiny));
    for (int64_t i = 0; i < s.size; ++i) y[i] = (x[i] - lo) * scale;
  }
  if (s.kind == NormalizeKind::Standardize) {
    T sum = T(0);
    for (int64_t i = 0; i < s.size; ++i) sum = sum + x[i];
    const T mean = sum * (T(1) / T(static_cast<double>(s.size)));
    T squares = T(0);
    for (int64_t i = 0; i < s.size; ++i) {
      const T d = x[i] - mean;
      squares = mac(squares, d, d);
    }
    const T std = sqrt(squares * T(1.0 / static_cast<double>(s.size > 1 ? s.size - 1 : 1)));
    const T scale = T(1) / maxOf(std, T(kTiny));
    for (int64_t i = 0; i < s.size; ++i) y[i] = (x[i] - mean) * scale;
  }
}

void normalizeForward(ThreadPool& pool, const NormalizeShape& s, const float* x, float* y);

// ---- CUDA kernels (kernels/cuda/normalize.cu) ----------------------------------------------------
// Min-max or standardisation over the whole block, with deterministic reductions.

namespace cuda {

// x [size] -> y [size]; x and y may be the same array. Uses the stream's workspace.
void normalizeForward(CudaStream stream, const NormalizeShape& s, const float* x, float* y);

}  // namespace cuda

}  // namespace sj
