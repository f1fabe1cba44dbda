// Real FFT of length n = 2^a 3^b 5^c: mixed radix (4, 2, 3, 5), self-sorting (Stockham), so no
// bit-reversal pass.
//
//   x [n] real  ->  X [n/2+1] complex (re, im),   X[k] = sum_i x[i] e^(-2 pi i ik/n)
//
// Even n: the samples are packed two per complex value, z[j] = x[2j] + i x[2j+1] (h = n/2 values),
// a complex FFT of length h runs, and a split step separates the transforms of the even and odd
// samples: X[k] = (Z[k] + conj Z[h-k]) / 2 - i e^(-2 pi i k/n) (Z[k] - conj Z[h-k]) / 2.
// Odd n: a complex FFT of length n runs on (x, 0): its multiplications of those zero imaginary
// parts are executed and counted. n = 1 is the identity.
//
// Cost (what the algorithm executes; flops only, no MACs, no transcendentals):
//   stage of radix p, s interleaved sub-transforms of length m*p (s*m*p = h):
//     h/p butterflies of B(p) flops, B(2) = 4, B(4) = 16 (the -i factors are swaps), B(3) = 16,
//     B(5) = 48;  and (p-1)*s*(m-1) twiddle rotations of 6 flops (the j = 0 column has twiddle 1
//     and is skipped);
//   split (even n): 2 for X[0] and X[h], 14 per bin k in [1, h).
// n = 2048 (h = 1024 = 4^5): 20,480 butterfly + 16,902 twiddle + 14,324 split = 51,706 flops, 0.92x
// FFTW's convention of 2.5 n log2 n = 56,320 for a real transform (a convention for reporting
// speed, "mflops", not a count: http://www.fftw.org/speed/method.html). n = 400 (h = 200 = 4*2*5*5):
// 10,054 flops = 1.16x the convention: radix-5 butterflies cost more per point than radix 4.
//
// The reference (a template on the scalar type) and the fast kernel run the same butterflies
// (fft_detail below, shared code); the fast one on precomputed float twiddles, on caller scratch,
// and for the STFT on several transforms at once, one per SIMD lane (kernels/cpu/lane_kernels.h).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/buffer.h"
#include "core/cost.h"
#include "core/host_device.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

// The butterflies, the split and the STFT's reflection (SJ_HOST_DEVICE) are shared with the CUDA
// front end (kernels/cuda/fft_device.cuh).

namespace sj {

// E_VALUE naming `what` (e.g. "nFft") unless n >= 1 has no prime factor other than 2, 3 and 5.
void validateFftSize(int64_t n, const char* what);
bool fftSizeSupported(int64_t n);

struct FftStage {
  int radix = 2;         // p
  int64_t stride = 1;    // s: interleaved sub-transforms (product of the earlier radices)
  int64_t span = 1;      // m: length of each sub-transform divided by p
  int64_t twiddles = 0;  // offset of this stage's twiddles: w(j, t) at twiddles + j*(p-1) + (t-1)
};

class FftPlan {
 public:
  explicit FftPlan(int64_t n);  // E_VALUE unless fftSizeSupported(n)

  int64_t size() const { return n_; }
  int64_t bins() const { return n_ / 2 + 1; }
  bool packed() const { return n_ % 2 == 0; }  // even n: two real samples per complex value
  int64_t complexLength() const { return packed() ? n_ / 2 : n_; }
  const std::vector<FftStage>& stages() const { return stages_; }
  std::string describe() const;

  // Stage twiddles w(j, t) = e^(-2 pi i j t / (m p)), j in [0, m), t in [1, p); in double for the
  // reference, in float for the fast kernel (same values, rounded once).
  const double* twiddleRe() const { return twRe_.data(); }
  const double* twiddleIm() const { return twIm_.data(); }
  const float* twiddleReF() const { return twReF_.data(); }
  const float* twiddleImF() const { return twImF_.data(); }
  // Split coefficients c_k = -i e^(-2 pi i k/n) / 2, k in [0, h) (even n only).
  const double* splitRe() const { return spRe_.data(); }
  const double* splitIm() const { return spIm_.data(); }
  const float* splitReF() const { return spReF_.data(); }
  const float* splitImF() const { return spImF_.data(); }

 private:
  int64_t n_;
  std::vector<FftStage> stages_;
  std::vector<double> twRe_, twIm_, spRe_, spIm_;
  std::vector<float> twReF_, twImF_, spReF_, spImF_;
};

// The radices of the complex FFT of length h, in stage order: 4s, then one 2, then 3s, then 5s.
std::vector<int> fftRadices(int64_t h);

// x [n] -> re, im [n/2+1]
Cost realFftCost(int64_t n);
int64_t realFftFlops(int64_t n);  // the flops column of realFftCost, reused by the STFT

namespace fft_detail {

// The butterflies and the split, shared by the reference (T = S = the scalar type) and the fast
// kernels (T = a SIMD vector of floats, S = float). Constants are S(...): free on the counting
// scalar; every +, -, * is one flop.

template <class T, class S>
SJ_HOST_DEVICE inline void rotate(T& re, T& im, S wr, S wi) {  // (re + i im) * (wr + i wi): 6 flops
  const T r = re * wr - im * wi;
  im = re * wi + im * wr;
  re = r;
}

template <class T, class S>
SJ_HOST_DEVICE inline void butterfly2(T* r, T* i) {  // 4 flops
  const T ar = r[0], ai = i[0];
  r[0] = ar + r[1];
  i[0] = ai + i[1];
  r[1] = ar - r[1];
  i[1] = ai - i[1];
}

template <class T, class S>
SJ_HOST_DEVICE inline void butterfly4(T* r, T* i) {  // 16 flops
  const T t0r = r[0] + r[2], t0i = i[0] + i[2];
  const T t1r = r[0] - r[2], t1i = i[0] - i[2];
  const T t2r = r[1] + r[3], t2i = i[1] + i[3];
  const T t3r = r[1] - r[3], t3i = i[1] - i[3];
  r[0] = t0r + t2r;
  i[0] = t0i + t2i;
  r[2] = t0r - t2r;
  i[2] = t0i - t2i;
  r[1] = t1r + t3i;  // t1 - i t3
  i[1] = t1i - t3r;
  r[3] = t1r - t3i;  // t1 + i t3
  i[3] = t1i + t3r;
}

template <class T, class S>
SJ_HOST_DEVICE inline void butterfly3(T* r, T* i) {  // 16 flops
  constexpr double kSin60 = 0.86602540378443864676;
  const T t1r = r[1] + r[2], t1i = i[1] + i[2];
  const T dr = r[1] - r[2], di = i[1] - i[2];
  const T t2r = r[0] - S(0.5) * t1r, t2i = i[0] - S(0.5) * t1i;
  const T ur = S(kSin60) * dr, ui = S(kSin60) * di;
  r[0] = r[0] + t1r;
  i[0] = i[0] + t1i;
  r[1] = t2r + ui;  // t2 - i u
  i[1] = t2i - ur;
  r[2] = t2r - ui;  // t2 + i u
  i[2] = t2i + ur;
}

template <class T, class S>
SJ_HOST_DEVICE inline void butterfly5(T* r, T* i) {  // 48 flops
  constexpr double c1 = 0.30901699437494742410, c2 = -0.80901699437494742410;  // cos(2 pi/5), cos(4 pi/5)
  constexpr double s1 = 0.95105651629515357212, s2 = 0.58778525229247312917;   // sin(2 pi/5), sin(4 pi/5)
  const T t1r = r[1] + r[4], t1i = i[1] + i[4];
  const T t2r = r[2] + r[3], t2i = i[2] + i[3];
  const T t3r = r[1] - r[4], t3i = i[1] - i[4];
  const T t4r = r[2] - r[3], t4i = i[2] - i[3];
  const T b1r = r[0] + S(c1) * t1r + S(c2) * t2r, b1i = i[0] + S(c1) * t1i + S(c2) * t2i;
  const T b2r = r[0] + S(c2) * t1r + S(c1) * t2r, b2i = i[0] + S(c2) * t1i + S(c1) * t2i;
  const T e1r = S(s1) * t3r + S(s2) * t4r, e1i = S(s1) * t3i + S(s2) * t4i;
  const T e2r = S(s2) * t3r - S(s1) * t4r, e2i = S(s2) * t3i - S(s1) * t4i;
  r[0] = r[0] + t1r + t2r;
  i[0] = i[0] + t1i + t2i;
  r[1] = b1r + e1i;  // b1 - i e1
  i[1] = b1i - e1r;
  r[4] = b1r - e1i;  // b1 + i e1
  i[4] = b1i + e1r;
  r[2] = b2r + e2i;  // b2 - i e2
  i[2] = b2i - e2r;
  r[3] = b2r - e2i;  // b2 + i e2
  i[3] = b2i + e2r;
}

template <class T, class S>
SJ_HOST_DEVICE inline void butterfly(int p, T* r, T* i) {
  switch (p) {
    case 2: butterfly2<T, S>(r, i); break;
    case 3: butterfly3<T, S>(r, i); break;
    case 4: butterfly4<T, S>(r, i); break;
    default: butterfly5<T, S>(r, i); break;
  }
}

// X[k] from Z[k] and Z[h-k] (1 <= k < h): 14 flops.
template <class T, class S>
SJ_HOST_DEVICE inline void splitBin(T zkr, T zki, T zmr, T zmi, S cr, S ci, T& xr, T& xi) {
  const T er = zkr + zmr, ei = zki - zmi;  // Z[k] + conj Z[h-k]
  const T orr = zkr - zmr, oi = zki + zmi;  // Z[k] - conj Z[h-k]
  xr = S(0.5) * er + (orr * cr - oi * ci);
  xi = S(0.5) * ei + (oi * cr + orr * ci);
}

// One Stockham stage: x -> y, both [h] complex (split re / im).
template <class T>
void stageReference(const FftPlan& plan, const FftStage& st, const T* xr, const T* xi, T* yr, T* yi) {
  const int p = st.radix;
  const int64_t s = st.stride, m = st.span;
  const double* twr = plan.twiddleRe() + st.twiddles;
  const double* twi = plan.twiddleIm() + st.twiddles;
  T ar[5], ai[5];
  for (int64_t j = 0; j < m; ++j)
    for (int64_t q = 0; q < s; ++q) {
      for (int r = 0; r < p; ++r) {
        ar[r] = xr[q + s * (j + r * m)];
        ai[r] = xi[q + s * (j + r * m)];
      }
      butterfly<T, T>(p, ar, ai);
      for (int t = 0; t < p; ++t) {
        if (j > 0 && t > 0) rotate<T, T>(ar[t], ai[t], T(twr[j * (p - 1) + t - 1]), T(twi[j * (p - 1) + t - 1]));
        yr[q + s * (p * j + t)] = ar[t];
        yi[q + s * (p * j + t)] = ai[t];
      }
    }
}

}  // namespace fft_detail

// ---- reference -------------------------------------------------------------------------------

template <class T>
void realFftReference(const FftPlan& plan, const T* x, T* re, T* im) {
  const int64_t h = plan.complexLength();
  std::vector<T> ar(h), ai(h), br(h), bi(h);
  for (int64_t j = 0; j < h; ++j) {
    ar[j] = plan.packed() ? x[2 * j] : x[j];
    ai[j] = plan.packed() ? x[2 * j + 1] : T(0);
  }
  T *zr = ar.data(), *zi = ai.data(), *wr = br.data(), *wi = bi.data();
  for (const FftStage& st : plan.stages()) {
    fft_detail::stageReference(plan, st, zr, zi, wr, wi);
    std::swap(zr, wr);
    std::swap(zi, wi);
  }
  if (!plan.packed()) {
    for (int64_t k = 0; k < plan.bins(); ++k) {
      re[k] = zr[k];
      im[k] = zi[k];
    }
    return;
  }
  re[0] = zr[0] + zi[0];
  im[0] = T(0);
  re[h] = zr[0] - zi[0];
  im[h] = T(0);
  for (int64_t k = 1; k < h; ++k)
    fft_detail::splitBin<T, T>(zr[k], zi[k], zr[h - k], zi[h - k], T(plan.splitRe()[k]), T(plan.splitIm()[k]), re[k], im[k]);
}

// ---- CPU kernels (kernels/cpu/fft.cpp) -----------------------------------------------------------

// Floats of scratch realFft needs.
int64_t realFftScratch(const FftPlan& plan);
// One transform: x [n] -> re, im [n/2+1]. No allocation.
void realFft(const FftPlan& plan, const float* x, float* re, float* im, float* scratch);

// ---- CUDA kernels (kernels/cuda/fft.cu) ----------------------------------------------------------
// Batched: one thread block transforms one or several sequences in shared memory (the same Stockham
// stages and butterflies as the CPU kernels, from fft_detail), so the STFT (stft.h) runs every frame
// of a clip in one launch.
//
//   x [count][n] real  ->  re, im [count][n/2+1]        cost: count x realFftCost(n)

namespace cuda {

// 2^a 3^b 5^c with h < 2^30 has fewer stages than this (at most 19, all radix 3).
constexpr int kMaxFftStages = 32;

// What a kernel needs of an FftPlan, passed by value as a kernel parameter: the stages and the
// device addresses of the float twiddle and split tables (the CPU's float tables, copied).
struct FftPlanView {
  int n = 1, h = 1, bins = 1;  // h: the complex length (n/2 packed, else n)
  int packed = 0;
  int stages = 0;
  int radix[kMaxFftStages] = {}, stride[kMaxFftStages] = {}, span[kMaxFftStages] = {}, twiddles[kMaxFftStages] = {};
  const float* twiddleRe = nullptr;
  const float* twiddleIm = nullptr;
  const float* splitRe = nullptr;  // [h], packed only
  const float* splitIm = nullptr;
};

// An FftPlan's tables on the device, copied once (the front end keeps one per extractor).
// E_VALUE for n >= 2^30 (the kernels index in int).
class FftDevicePlan {
 public:
  FftDevicePlan(const FftPlan& plan, CudaStream stream);
  const FftPlanView& view() const { return view_; }
  int64_t size() const { return view_.n; }

 private:
  Buffer<float> tables_;  // twiddle re, twiddle im, split re, split im
  FftPlanView view_;
};

// x [count][n] -> re, im [count][n/2+1]. No allocation for n up to 12,288 (8,192 on Turing: the
// shared-memory path); longer transforms run their stages in the stream's workspace.
void realFft(CudaStream stream, const FftDevicePlan& plan, int64_t count, const float* x, float* re, float* im);

}  // namespace cuda

}  // namespace sj
