#include "kernels/fft.h"

#include <cmath>

#include "base/error.h"

namespace sj {

bool fftSizeSupported(int64_t n) {
  if (n < 1) return false;
  for (int64_t p : {2, 3, 5})
    while (n % p == 0) n /= p;
  return n == 1;
}

void validateFftSize(int64_t n, const char* what) {
  if (n < 1) fail(ErrorCode::Value, what, " must be >= 1, got ", n);
  int64_t rest = n;
  for (int64_t p : {2, 3, 5})
    while (rest % p == 0) rest /= p;
  if (rest == 1) return;
  int64_t factor = 7;
  while (rest % factor != 0 && factor * factor <= rest) ++factor;
  if (rest % factor != 0) factor = rest;
  fail(ErrorCode::Value, what, " = ", n, " has the prime factor ", factor, ": the FFT supports lengths 2^a * 3^b * 5^c (e.g. ", n - n % 64,
       " or ", n + 64 - n % 64, ")");
}

namespace {

// e^(-2 pi i k / n) with the angle reduced to the first octant, so large n keep full precision.
void unitRoot(int64_t k, int64_t n, double& re, double& im) {
  k %= n;
  const long double angle = -2.0L * 3.141592653589793238462643383279502884L * static_cast<long double>(k) / static_cast<long double>(n);
  re = static_cast<double>(std::cos(angle));
  im = static_cast<double>(std::sin(angle));
}

}  // namespace

FftPlan::FftPlan(int64_t n) : n_(n) {
  validateFftSize(n, "FFT length");
  const int64_t h = complexLength();
  int64_t stride = 1, length = h;
  for (int p : fftRadices(h)) {
    FftStage st;
    st.radix = p;
    st.stride = stride;
    st.span = length / p;
    st.twiddles = static_cast<int64_t>(twRe_.size());
    for (int64_t j = 0; j < st.span; ++j)
      for (int t = 1; t < p; ++t) {
        double re, im;
        unitRoot(j * t, length, re, im);
        twRe_.push_back(re);
        twIm_.push_back(im);
      }
    stages_.push_back(st);
    stride *= p;
    length /= p;
  }
  if (packed()) {
    for (int64_t k = 0; k < h; ++k) {
      double re, im;
      unitRoot(k, n_, re, im);
      spRe_.push_back(0.5 * im);   // -i (re + i im) / 2 = (im - i re) / 2
      spIm_.push_back(-0.5 * re);
    }
  }
  twReF_.assign(twRe_.begin(), twRe_.end());
  twImF_.assign(twIm_.begin(), twIm_.end());
  spReF_.assign(spRe_.begin(), spRe_.end());
  spImF_.assign(spIm_.begin(), spIm_.end());
}

std::string FftPlan::describe() const {
  std::string radices;
  for (const FftStage& st : stages_) radices += (radices.empty() ? "" : "x") + std::to_string(st.radix);
  return "rfft n=" + std::to_string(n_) + (packed() ? " (complex " + std::to_string(complexLength()) + ")" : "") +
         (radices.empty() ? "" : " radix " + radices);
}

std::vector<int> fftRadices(int64_t h) {
  std::vector<int> radices;
  while (h % 4 == 0) radices.push_back(4), h /= 4;
  if (h % 2 == 0) radices.push_back(2), h /= 2;
  while (h % 3 == 0) radices.push_back(3), h /= 3;
  while (h % 5 == 0) radices.push_back(5), h /= 5;
  return radices;
}

int64_t realFftFlops(int64_t n) {
  validateFftSize(n, "FFT length");
  const bool packed = n % 2 == 0;
  const int64_t h = packed ? n / 2 : n;
  int64_t flops = 0, stride = 1, length = h;
  for (int64_t p : fftRadices(h)) {
    const int64_t span = length / p;
    const int64_t butterflyFlops = p == 2 ? 4 : p == 3 ? 16 : p == 4 ? 16 : 48;
    flops += h / p * butterflyFlops + 6 * (p - 1) * stride * (span - 1);
    stride *= p;
    length = span;
  }
  if (packed) flops += 2 + 14 * (h - 1);
  return flops;
}

Cost realFftCost(int64_t n) {
  Cost c;
  c.flops = realFftFlops(n);
  c.bytesRead = kFloatBytes * n;
  c.bytesWritten = kFloatBytes * 2 * (n / 2 + 1);
  return c;
}

}  // namespace sj
