// Amplitude compression of a mel spectrogram, element by element, then an optional clamp:
//
//   "db":   y = multiplier * log10(max(x, amin))   (torchaudio AmplitudeToDB with ref_value 1 and
//           no top_db: multiplier 20 for magnitudes, 10 for powers; the subtraction of
//           multiplier * log10(max(amin, ref)) = 0 is not executed)
//   "log":  y = ln(x + eps)
//   "none": y = x
//   clamp:  y = min(max(y, clampMin), clampMax)   (torch.clamp(min, max); the DCASE baseline clamps
//           its dB to [-50, 80])
//
// log10 runs as ln times the constant multiplier / ln 10; the fast kernel's ln is a vectorised
// polynomial (kernels/cpu/lane_kernels.h), within 2 ulp of std::log. Cost per element: db 1 comparison + 1
// transcendental + 1 flop; log 1 flop + 1 transcendental; clamp 2 comparisons.
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

enum class AmplitudeKind { None, Log, Db };
AmplitudeKind amplitudeKindFromName(const std::string& name, const char* field);  // E_VALUE
const char* amplitudeKindName(AmplitudeKind kind);

struct AmplitudeShape {
  int64_t size = 1;
  AmplitudeKind kind = AmplitudeKind::Db;
  double multiplier = 20.0, amin = 1e-10;  // db
  double eps = 1e-6;                       // log
  bool clamp = false;
  double clampMin = -50.0, clampMax = 80.0;

  void validate() const;  // E_VALUE naming the field
  std::string describe() const;
};

Cost amplitudeForwardCost(const AmplitudeShape& s);

// x and y may be the same array.
template <class T>
void amplitudeForwardReference(const AmplitudeShape& s, const T* x, T* y) {
  const double ln10 = 2.302585092994045684;
  for (int64_t i = 0; i < s.size; ++i) {
    T v = x[i];
    if (s.kind == AmplitudeKind::Db) v = T(s.multiplier / ln10) * log(maxOf(v, T(s.amin)));
    if (s.kind == AmplitudeKind::Log) v = log(v + T(s.eps));
    if (s.clamp) v = minOf(maxOf(v, T(s.clampMin)), T(s.clampMax));
    y[i] = v;
  }
}

// The map the fast kernels (CPU and CUDA) apply to each element, in float:
//   log: y = scale * ln(max(x, floor) + add)   (db: floor = amin, add = 0, scale = multiplier / ln 10;
//                                              log: floor = -FLT_MAX, add = eps, scale = 1)
//   none: y = x;  then, when clamp, y = min(max(y, lo), hi).
struct AmplitudeMap {
  bool log = false;
  float floor = 0.f, add = 0.f, scale = 1.f;
  bool clamp = false;
  float lo = 0.f, hi = 0.f;
};
AmplitudeMap amplitudeMap(const AmplitudeShape& s);

void amplitudeForward(ThreadPool& pool, const AmplitudeShape& s, const float* x, float* y);

// ---- CUDA kernels (kernels/cuda/amplitude.cu) ----------------------------------------------------
// The per-element map is amplitudeMap(), the CPU kernel's.

namespace cuda {

// x [size] -> y [size]; x and y may be the same array.
void amplitudeForward(CudaStream stream, const AmplitudeShape& s, const float* x, float* y);

}  // namespace cuda

}  // namespace sj
