// The front end's lane kernels, templated on the vector type V (a GCC vector of floats, or float
// itself for one lane). Included only by lane_kernels*.cpp, each compiled for one instruction set;
// everything here has internal linkage, so the per-ISA copies never meet at link time.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

#include "kernels/cpu/lane_kernels.h"
#include "kernels/cpu/lane_math.h"
#include "kernels/fft.h"

#if defined(__SSE2__) || defined(__AVX__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace sj::frontend_lanes {
namespace {

using lane_math::IntLanes;
using lane_math::laneCount;
using lane_math::load;
using lane_math::logLanes;
using lane_math::select;
using lane_math::store;

template <class V>
inline V sqrtLanes(V x) {
  if constexpr (sizeof(V) == sizeof(float)) {
    return std::sqrt(x);
  } else {
#if defined(__AVX512F__)
    // The masked form: GCC 12 warns about the undefined source operand of _mm512_sqrt_ps.
    if constexpr (sizeof(V) == 64) return (V)_mm512_mask_sqrt_ps((__m512)x, (__mmask16)0xFFFF, (__m512)x);
#endif
#if defined(__AVX__)
    if constexpr (sizeof(V) == 32) return (V)_mm256_sqrt_ps((__m256)x);
#endif
#if defined(__SSE2__)
    if constexpr (sizeof(V) == 16) return (V)_mm_sqrt_ps((__m128)x);
#endif
    V r = x;
    for (int v = 0; v < laneCount<V>(); ++v) r[v] = std::sqrt(x[v]);
    return r;
  }
}

template <int P, class V>
inline void butterflyFixed(V* r, V* i) {
  if constexpr (P == 2) fft_detail::butterfly2<V, float>(r, i);
  if constexpr (P == 3) fft_detail::butterfly3<V, float>(r, i);
  if constexpr (P == 4) fft_detail::butterfly4<V, float>(r, i);
  if constexpr (P == 5) fft_detail::butterfly5<V, float>(r, i);
}

// One Stockham stage of radix P on lane-interleaved data (fft_detail::stageReference, one vector
// per element).
template <class V, int P>
void stage(const FftPlan& plan, const FftStage& st, const float* __restrict xr, const float* __restrict xi, float* __restrict yr,
           float* __restrict yi) {
  constexpr int W = laneCount<V>();
  const int64_t s = st.stride, m = st.span;
  const float* twr = plan.twiddleReF() + st.twiddles;
  const float* twi = plan.twiddleImF() + st.twiddles;
  for (int64_t j = 0; j < m; ++j) {
    float wr[P], wi[P];
    for (int t = 1; t < P; ++t) {
      wr[t] = twr[j * (P - 1) + t - 1];
      wi[t] = twi[j * (P - 1) + t - 1];
    }
    const float* inR = xr + j * s * W;
    const float* inI = xi + j * s * W;
    float* outR = yr + P * j * s * W;
    float* outI = yi + P * j * s * W;
    for (int64_t q = 0; q < s; ++q) {
      V ar[P], ai[P];
#pragma GCC unroll 5
      for (int r = 0; r < P; ++r) {
        ar[r] = load<V>(inR + (q + r * m * s) * W);
        ai[r] = load<V>(inI + (q + r * m * s) * W);
      }
      butterflyFixed<P>(ar, ai);
      if (j > 0) {
#pragma GCC unroll 4
        for (int t = 1; t < P; ++t) fft_detail::rotate<V, float>(ar[t], ai[t], wr[t], wi[t]);
      }
#pragma GCC unroll 5
      for (int t = 0; t < P; ++t) {
        store<V>(outR + (q + t * s) * W, ar[t]);
        store<V>(outI + (q + t * s) * W, ai[t]);
      }
    }
  }
}

template <class V>
void realFftLanes(const FftPlan& plan, float* zr, float* zi, float* wr, float* wi, float* xr, float* xi) {
  constexpr int W = laneCount<V>();
  float *ar = zr, *ai = zi, *br = wr, *bi = wi;
  for (const FftStage& st : plan.stages()) {
    switch (st.radix) {
      case 2: stage<V, 2>(plan, st, ar, ai, br, bi); break;
      case 3: stage<V, 3>(plan, st, ar, ai, br, bi); break;
      case 4: stage<V, 4>(plan, st, ar, ai, br, bi); break;
      default: stage<V, 5>(plan, st, ar, ai, br, bi); break;
    }
    std::swap(ar, br);
    std::swap(ai, bi);
  }
  const int64_t h = plan.complexLength();
  if (!plan.packed()) {
    std::memcpy(xr, ar, sizeof(float) * W * plan.bins());
    std::memcpy(xi, ai, sizeof(float) * W * plan.bins());
    return;
  }
  const V z0r = load<V>(ar), z0i = load<V>(ai), zero = {};
  store<V>(xr, z0r + z0i);
  store<V>(xi, zero);
  store<V>(xr + h * W, z0r - z0i);
  store<V>(xi + h * W, zero);
  const float* cr = plan.splitReF();
  const float* ci = plan.splitImF();
  for (int64_t k = 1; k < h; ++k) {
    V re, im;
    fft_detail::splitBin<V, float>(load<V>(ar + k * W), load<V>(ai + k * W), load<V>(ar + (h - k) * W), load<V>(ai + (h - k) * W), cr[k],
                                   ci[k], re, im);
    store<V>(xr + k * W, re);
    store<V>(xi + k * W, im);
  }
}

// Two-input shuffles over the concatenation (a, b) of W lanes each: lane i of the result is lane
// Map::at(i, W) of (a, b). GCC's __builtin_shuffle takes the indices as a vector, Clang's
// __builtin_shufflevector as constants.
template <class Map, class V, int... I>
inline V shuffle2(V a, V b, std::integer_sequence<int, I...>) {
#if defined(__clang__)
  return __builtin_shufflevector(a, b, Map::at(I, sizeof...(I))...);
#else
  using VI = typename IntLanes<V>::type;
  return __builtin_shuffle(a, b, VI{Map::at(I, sizeof...(I))...});
#endif
}
template <class Map, class V>
inline V shuffle2(V a, V b) {
  return shuffle2<Map>(a, b, std::make_integer_sequence<int, laneCount<V>()>());
}

struct InterleaveLow {  // a0 b0 a1 b1 ...
  static constexpr int at(int i, int w) { return i % 2 ? w + i / 2 : i / 2; }
};
struct InterleaveHigh {  // a(W/2) b(W/2) a(W/2+1) ...
  static constexpr int at(int i, int w) { return i % 2 ? w + w / 2 + i / 2 : w / 2 + i / 2; }
};
struct EvenElements {  // a0 a2 ... b0 b2 ...
  static constexpr int at(int i, int) { return 2 * i; }
};
struct OddElements {
  static constexpr int at(int i, int) { return 2 * i + 1; }
};
template <int H>
struct RotateDown {  // lane i + H of a, in lane i
  static constexpr int at(int i, int w) { return (i + H) % w; }
};

// rows[v][j] -> rows[j][v]: log2(W) rounds of pairwise interleaving (row i with row i + W/2).
template <class V>
inline void transpose(V* rows) {
  constexpr int W = laneCount<V>();
  for (int round = 1; round < W; round *= 2) {
    V next[W];
#pragma GCC unroll 16
    for (int i = 0; i < W / 2; ++i) {
      next[2 * i] = shuffle2<InterleaveLow>(rows[i], rows[i + W / 2]);
      next[2 * i + 1] = shuffle2<InterleaveHigh>(rows[i], rows[i + W / 2]);
    }
#pragma GCC unroll 16
    for (int i = 0; i < W; ++i) rows[i] = next[i];
  }
}

template <class V>
void windowRows(const float* const* src, const float* window, int64_t r0, int64_t count, float* zr, float* zi) {
  constexpr int W = laneCount<V>();
  if constexpr (W == 1) {
    for (int64_t row = r0; row < r0 + count; ++row) {
      zr[row] = src[0][2 * row] * window[2 * row];
      zi[row] = src[0][2 * row + 1] * window[2 * row + 1];
    }
  } else {
    for (int64_t row = r0; row < r0 + count; row += W) {
      const int64_t i = 2 * row;
      const V w0 = load<V>(window + i), w1 = load<V>(window + i + W);
      V re[W], im[W];
#pragma GCC unroll 16
      for (int v = 0; v < W; ++v) {
        const V a = load<V>(src[v] + i) * w0, b = load<V>(src[v] + i + W) * w1;
        re[v] = shuffle2<EvenElements>(a, b);
        im[v] = shuffle2<OddElements>(a, b);
      }
      transpose(re);
      transpose(im);
#pragma GCC unroll 16
      for (int j = 0; j < W; ++j) {
        store<V>(zr + (row + j) * W, re[j]);
        store<V>(zi + (row + j) * W, im[j]);
      }
    }
  }
}

template <class V>
void magnitude(const float* xr, const float* xi, int64_t bins, int power, float* out, int64_t stride, int valid) {
  constexpr int W = laneCount<V>();
  for (int64_t k = 0; k < bins; ++k) {
    const V re = load<V>(xr + k * W), im = load<V>(xi + k * W);
    V p = re * re + im * im;
    if (power == 1) p = sqrtLanes(p);
    if (valid == W) store<V>(out + k * stride, p);
    else std::memcpy(out + k * stride, &p, sizeof(float) * valid);
  }
}

template <class V>
void logAffine(const float* x, float* y, int64_t n, float floor, float add, float scale, bool clamp, float lo, float hi) {
  constexpr int W = laneCount<V>();
  auto one = [&](float v) {
    v = v > floor ? v : floor;
    v = scale * std::log(v + add);
    if (clamp) {
      v = v > lo ? v : lo;
      v = v < hi ? v : hi;
    }
    return v;
  };
  int64_t i = 0;
  if constexpr (W > 1) {
    const V vFloor = V{} + floor, vLo = V{} + lo, vHi = V{} + hi;
    for (; i + W <= n; i += W) {
      V v = load<V>(x + i);
      v = select(v > vFloor, v, vFloor);
      v = scale * logLanes(v + add);
      if (clamp) {
        v = select(v > vLo, v, vLo);
        v = select(v < vHi, v, vHi);
      }
      store<V>(y + i, v);
    }
  }
  for (; i < n; ++i) y[i] = one(x[i]);
}

// Sum of the lanes by halving (a tree: lanes + upper half, then + upper quarter, ...).
template <class V, int H = laneCount<V>() / 2>
inline float laneSum(V v) {
  if constexpr (H == 0) {
    return v[0];
  } else {
    return laneSum<V, H / 2>(v + shuffle2<RotateDown<H>>(v, v));
  }
}

template <class V>
float dot(const float* a, const float* b, int64_t n) {
  constexpr int W = laneCount<V>();
  if constexpr (W == 1) {
    float s = 0.f;
    for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
  } else {
    V acc0 = {}, acc1 = {};
    int64_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
      acc0 += load<V>(a + i) * load<V>(b + i);
      acc1 += load<V>(a + i + W) * load<V>(b + i + W);
    }
    if (i + W <= n) {
      acc0 += load<V>(a + i) * load<V>(b + i);
      i += W;
    }
    float s = laneSum(acc0 + acc1);
    for (; i < n; ++i) s += a[i] * b[i];
    return s;
  }
}

template <class V>
void polyphase(const float* table, int64_t rowLength, int64_t up, int64_t down, int64_t reach, const float* x, int64_t n, int64_t j0,
               int64_t j1, float* y) {
  float edge[4096];
  // i0 = j M / L and phase = j M mod L, stepped without a division per output.
  const int64_t stepWhole = down / up, stepPhase = down % up;
  int64_t i0 = j0 * down / up, phase = j0 * down % up;
  for (int64_t j = j0; j < j1; ++j, i0 += stepWhole, phase += stepPhase) {
    if (phase >= up) {
      phase -= up;
      ++i0;
    }
    const int64_t start = i0 - reach + 1;
    const float* row = table + phase * rowLength;
    if (start >= 0 && start + rowLength <= n) {
      y[j] = dot<V>(row, x + start, rowLength);
      continue;
    }
    // An output near either end: its window, zero outside the signal, in pieces of 4096.
    float sum = 0.f;
    for (int64_t piece = 0; piece < rowLength; piece += 4096) {
      const int64_t len = std::min<int64_t>(4096, rowLength - piece);
      for (int64_t t = 0; t < len; ++t) {
        const int64_t i = start + piece + t;
        edge[t] = i >= 0 && i < n ? x[i] : 0.f;
      }
      sum += dot<V>(row + piece, edge, len);
    }
    y[j] = sum;
  }
}

template <class V>
Kernels kernelsFor(const char* isa) {
  return Kernels{isa, laneCount<V>(), &realFftLanes<V>, &windowRows<V>, &magnitude<V>, &logAffine<V>, &polyphase<V>};
}

}  // namespace
}  // namespace sj::frontend_lanes
