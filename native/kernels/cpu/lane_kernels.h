// The vectorised inner loops of the front end, written once with GCC vector extensions
// (lane_kernels_impl.h) and compiled per instruction set (lane_kernels.cpp for the portable build,
// lane_kernels_avx2.cpp, lane_kernels_avx512.cpp), chosen at run time like the GEMM micro-kernel.
//
// "Lane-interleaved" data holds `lanes` independent vectors side by side: element e of vector v is
// at [e * lanes + v]. The STFT runs one frame per lane, so every FFT butterfly is one SIMD
// operation on `lanes` frames, whatever the stage's stride (pocketfft vectorises multi-transform
// calls the same way).
#pragma once
#include <cstdint>

namespace sj {

class FftPlan;

namespace frontend_lanes {

struct Kernels {
  const char* isa;
  int lanes;
  // Real FFT of `lanes` lane-interleaved transforms. z (zr, zi) [complexLength][lanes] holds the
  // packed input (even n: z[j] = x[2j] + i x[2j+1]; odd n: z[j] = x[j] + 0i) and is overwritten;
  // (wr, wi) is scratch of the same size; X (xr, xi) [n/2+1][lanes] receives the spectrum.
  void (*realFft)(const FftPlan& plan, float* zr, float* zi, float* wr, float* wi, float* xr, float* xi);
  // Windowed frames into the packed FFT input, rows [r0, r0 + count), count a multiple of lanes:
  //   zr[row][v] = src[v][2 row] * window[2 row],  zi[row][v] = src[v][2 row + 1] * window[2 row + 1]
  // (a deinterleave and a lanes x lanes transpose in registers).
  void (*windowRows)(const float* const* src, const float* window, int64_t r0, int64_t count, float* zr, float* zi);
  // out[k * stride + v] = sqrt(re^2 + im^2) (power 1) or re^2 + im^2 (power 2), k < bins, v < valid.
  void (*magnitude)(const float* xr, const float* xi, int64_t bins, int power, float* out, int64_t stride, int valid);
  // y[i] = scale * ln(max(x[i], floor) + add), then clamped to [lo, hi] when clamp (the amplitude
  // kernel: dB with floor = amin, add = 0; log with floor = -FLT_MAX, add = eps). ln is a
  // polynomial (Cephes logf, within 2 ulp) on normal positive arguments, std::log otherwise.
  void (*logAffine)(const float* x, float* y, int64_t n, float floor, float add, float scale, bool clamp, float lo, float hi);
  // Polyphase resampling of outputs [j0, j1): y[j] = sum over t < rowLength of
  // table[(j M mod L) * rowLength + t] * x[j M / L - reach + 1 + t], x read as 0 outside [0, n);
  // each sum in a fixed order (lane partial sums, then a tree over the lanes).
  void (*polyphase)(const float* table, int64_t rowLength, int64_t up, int64_t down, int64_t reach, const float* x, int64_t n, int64_t j0,
                    int64_t j1, float* y);
};

const Kernels& active();   // the widest instruction set the CPU has (SEDJOULE_ISA may narrow it)
const Kernels& scalar();   // one lane, for single transforms

Kernels generic();
#if defined(SEDJOULE_X86)
Kernels avx2();
Kernels avx512();
#endif

}  // namespace frontend_lanes
}  // namespace sj
