// Lane-wise building blocks of the vectorised CPU kernels, templated on the vector type V (a GCC
// vector of floats): loads and stores, a select, and the elementary functions exp, log and log1p
// on every lane. Included only by the per-instruction-set files (lane_kernels*.cpp,
// vector_math*.cpp, conv2d_single_channel*.cpp), each compiled with its own flags; everything here has internal linkage, so
// the per-ISA copies never meet at link time.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace sj::lane_math {
namespace {

template <class V>
constexpr int laneCount() {
  return static_cast<int>(sizeof(V) / sizeof(float));
}

// The int32 and uint32 vectors with as many lanes as V (comparison masks, shuffle indices, bit
// patterns).
template <class V>
struct IntLanes {
  typedef int32_t type __attribute__((vector_size(sizeof(V))));
};
template <class V>
struct UintLanes {
  typedef uint32_t type __attribute__((vector_size(sizeof(V))));
};

template <class V>
inline V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}

template <class V>
inline void store(float* p, const V& v) {
  std::memcpy(p, &v, sizeof(V));
}

// The first `count` (< lanes) elements of p, the other lanes 0.
template <class V>
inline V loadPartial(const float* p, int64_t count) {
  V v = {};
  std::memcpy(&v, p, sizeof(float) * count);
  return v;
}

template <class V>
inline void storePartial(float* p, const V& v, int64_t count) {
  std::memcpy(p, &v, sizeof(float) * count);
}

// mask ? a : b, lane by lane (mask lanes are all ones or all zeros, as comparisons give).
template <class V>
inline V select(typename IntLanes<V>::type mask, V a, V b) {
  using VI = typename IntLanes<V>::type;
  return (V)((mask & (VI)a) | (~mask & (VI)b));
}

// Whether every lane of a comparison mask is set: the mask's 64-bit words ANDed, a few
// instructions where a test lane by lane is one branch per lane.
template <class VI>
inline bool allLanes(const VI& mask) {
  uint64_t words[sizeof(VI) / sizeof(uint64_t)];
  std::memcpy(words, &mask, sizeof words);
  uint64_t all = ~uint64_t{0};
  for (uint64_t word : words) all &= word;
  return all == ~uint64_t{0};
}

// e^x on every lane, after Cephes expf (Cephes Math Library 2.2, single/expf.c, S. L. Moshier,
// https://www.netlib.org/cephes/): n = round(x / ln 2), r = x - n ln 2 with ln 2 split in two
// constants (C1 = 0.693359375 has 9 significant bits, so n C1 is exact), e^r by Moshier's degree-6
// polynomial 1 + r + r^2 P(r) on |r| <= ln(2)/2 (peak relative error 4.2e-9 in theory; Cephes
// reports 1.7e-7 peak over +-MAXLOG), then the product with 2^n built in the exponent bits.
// Within 1.5 ulp of e^x, subnormal results included (test/native/vector_math_test.cpp; measured
// 1.0 ulp over every 97th float in [-110, 110]).
//
// The argument is first clamped to [-104, 89], beyond which e^x rounds to 0 or overflows to +inf;
// NaN passes the clamp untouched (its comparisons are false) and propagates through the
// polynomial. 2^n is applied as two factors 2^(n/2) and 2^(n - n/2), each a normal float for n in
// [-150, 128], so a subnormal result is rounded once, in the last multiplication.
template <class V>
inline V expLanes(V x) {
  using VI = typename IntLanes<V>::type;
  using VU = typename UintLanes<V>::type;
  const V hi = V{} + 89.0f, lo = V{} - 104.0f;
  x = select(x > hi, hi, x);
  x = select(x < lo, lo, x);
  // Adding 1.5 * 2^23 rounds x / ln 2 to the nearest integer, which lands in the low bits of the
  // sum: n without a float-to-int conversion (undefined for NaN).
  const V shifter = V{} + 12582912.0f;
  const V t = x * 1.44269504088896341f + shifter;
  const V fn = t - shifter;
  const VI n = (VI)((VU)t - (VU)shifter);
  V r = x - fn * 0.693359375f;
  r = r - fn * -2.12194440e-4f;
  V p = V{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const VI half = n >> 1;
  const V scaleLow = (V)((VU)(half + 127) << 23), scaleHigh = (V)((VU)(n - half + 127) << 23);
  return p * scaleLow * scaleHigh;
}

// Natural logarithm on every lane: Cephes logf (single/logf.c; x = 2^e m, m in [sqrt(1/2),
// sqrt(2)), a degree-9 polynomial in m - 1). Lanes that are not normal positive floats (0,
// negative, subnormal, inf, NaN) take std::log; only those lanes, so a lane's result does not
// depend on its neighbours.
template <class V>
inline V logLanes(V x) {
  constexpr int W = laneCount<V>();
  using VI = typename IntLanes<V>::type;
  const VI bits = (VI)x;
  VI e = ((bits >> 23) & 0xff) - 126;
  V m = (V)((bits & 0x807fffff) | 0x3f000000);  // [0.5, 1)
  const VI small = m < 0.707106781186547524f;    // -1 where m < sqrt(1/2)
  e += small;
  m = (m - 1.0f) + (V)((VI)m & small);           // m - 1, or 2m - 1
  const V fe = __builtin_convertvector(e, V);
  const V z = m * m;
  V p = V{} + 7.0376836292E-2f;
  p = p * m - 1.1514610310E-1f;
  p = p * m + 1.1676998740E-1f;
  p = p * m - 1.2420140846E-1f;
  p = p * m + 1.4249322787E-1f;
  p = p * m - 1.6668057665E-1f;
  p = p * m + 2.0000714765E-1f;
  p = p * m - 2.4999993993E-1f;
  p = p * m + 3.3333331174E-1f;
  V y = m * z * p;
  y += fe * -2.12194440e-4f;
  y -= 0.5f * z;
  V r = m + y + fe * 0.693359375f;
  const VI normal = (x >= 1.17549435e-38f) & (x <= 3.40282347e+38f);
  if (!allLanes(normal))
    for (int v = 0; v < W; ++v)
      if (!normal[v]) r[v] = std::log(x[v]);
  return r;
}

// ln(1 + x) on every lane, from logLanes by the correction of D. Goldberg, "What every computer
// scientist should know about floating-point arithmetic" (ACM Computing Surveys 23(1), 1991,
// Theorem 4): with u = 1 + x rounded, ln(1 + x) = x where u == 1, else ln(u) x / (u - 1), which
// cancels the rounding error of u. u = +inf (x = +inf or near FLT_MAX) gives ln(u) itself; x = -1
// gives -inf, x < -1 and NaN give NaN (through std::log in logLanes), as std::log1p does.
template <class V>
inline V log1pLanes(V x) {
  const V one = V{} + 1.0f, inf = V{} + __builtin_huge_valf();
  const V u = one + x, lnU = logLanes(u);
  return select(u == one, x, select(u == inf, lnU, lnU * (x / (u - one))));
}

// sigmoidOf (kernels/sigmoid.h) on every lane, the same operations: e = exp(-|x|),
// (x >= 0 ? 1 : e) / (1 + e).
template <class V>
inline V sigmoidLanes(V x) {
  using VU = typename UintLanes<V>::type;
  const V negAbs = (V)((VU)x | 0x80000000u);  // -|x|, NaN included
  const V e = expLanes(negAbs), one = V{} + 1.0f;
  return select(x >= V{}, one, e) / (one + e);
}

}  // namespace
}  // namespace sj::lane_math
