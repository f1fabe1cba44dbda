// The front end's two data-movement kernels: no arithmetic, only bytes.
//
// pad:        x [samples] -> y [length], y = x then zeros (length > samples): a clip shorter than
//             clipSeconds. In place (x already at the start of y) only the zeros are written.
//             Cropping a clip that is too long needs no kernel: the next stage reads a prefix.
// frame_crop: x [rows][frames] -> y [rows][keep], y[r][t] = x[r][t] for t < frames, else 0.
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"

namespace sj {

struct PadShape {
  int64_t samples = 1, length = 1;
  bool inPlace = false;
  void validate() const;
  std::string describe() const;
};

Cost padForwardCost(const PadShape& s);

template <class T>
void padForwardReference(const PadShape& s, const T* x, T* y) {
  for (int64_t i = 0; i < s.length; ++i)
    if (i >= s.samples || !s.inPlace) y[i] = i < s.samples ? x[i] : T(0);
}

void padForward(const PadShape& s, const float* x, float* y);

struct FrameCropShape {
  int64_t rows = 1, frames = 1, keep = 1;
  int64_t kept() const { return keep < frames ? keep : frames; }  // frames copied per row
  void validate() const;
  std::string describe() const;
};

Cost frameCropForwardCost(const FrameCropShape& s);

template <class T>
void frameCropForwardReference(const FrameCropShape& s, const T* x, T* y) {
  for (int64_t r = 0; r < s.rows; ++r)
    for (int64_t t = 0; t < s.keep; ++t) y[r * s.keep + t] = t < s.frames ? x[r * s.frames + t] : T(0);
}

void frameCropForward(ThreadPool& pool, const FrameCropShape& s, const float* x, float* y);

// ---- CUDA kernels (kernels/cuda/pad_crop.cu) -----------------------------------------------------

namespace cuda {

// x [samples] -> y [length]; in place (x == y) only the zeros are written.
void padForward(CudaStream stream, const PadShape& s, const float* x, float* y);
// x [rows][frames] -> y [rows][keep]
void frameCropForward(CudaStream stream, const FrameCropShape& s, const float* x, float* y);

}  // namespace cuda

}  // namespace sj
