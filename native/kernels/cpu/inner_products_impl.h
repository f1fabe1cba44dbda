// The inner-product block (inner_products.h) for a vector type V of W floats and an MR x NR block
// of accumulators. Included by one file per instruction set, which picks MR and NR so that the
// accumulators, MR A vectors and one B vector fit its register file.
#pragma once
#include <cstring>
#include <utility>

#include "kernels/cpu/inner_products.h"
#include "kernels/cpu/lane_math.h"

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace sj::inner_products_detail {

// `count` floats from p (0 < count < W), zeros after them, reading nothing past them: a masked
// load where the instruction set has one (a row's last vector, once per row).
template <class V>
inline V loadLanes(const float* p, int64_t count) {
  [[maybe_unused]] constexpr int W = sizeof(V) / sizeof(float);
#if defined(__AVX512F__)
  if constexpr (W == 16) return (V)_mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << count) - 1), p);
#endif
#if defined(__AVX2__)
  if constexpr (W == 8) {
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return (V)_mm256_maskload_ps(p, mask);
  }
#endif
  V v = V{};
  std::memcpy(&v, p, count * sizeof(float));
  return v;
}

template <class V>
inline V loadVector(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}

// Two-input shuffle over the concatenation (a, b): lane i of the result is lane Map::at(i, W).
// GCC's __builtin_shuffle takes the indices as a vector, Clang's __builtin_shufflevector as constants.
template <class Map, class V, int... I>
inline V shuffle2(V a, V b, std::integer_sequence<int, I...>) {
#if defined(__clang__)
  return __builtin_shufflevector(a, b, Map::at(I, sizeof...(I))...);
#else
  using VI = typename lane_math::IntLanes<V>::type;
  return __builtin_shuffle(a, b, VI{Map::at(I, sizeof...(I))...});
#endif
}

// One level of the transposing sum: a and b each hold W / G partial sums in groups of G lanes;
// the result holds twice as many in groups of G / 2, a's group k folded into group 2k, b's into
// group 2k + 1 (FoldLow + FoldHigh).
template <int G>
struct FoldLow {
  static constexpr int at(int i, int w) { return i % G < G / 2 ? i : w + i - G / 2; }
};
template <int G>
struct FoldHigh {
  static constexpr int at(int i, int w) { return i % G < G / 2 ? i + G / 2 : w + i; }
};

// Folds count vectors of one partial sum each into vectors of W sums of one lane each; returns
// how many. Sum number q * W + r of the input ends in lane bitReversed(r) of vector q.
template <class V, int G>
__attribute__((always_inline)) inline int fold(V* v, int count) {
  if constexpr (G == 1) {
    return count;
  } else {
    constexpr auto lanes = std::make_integer_sequence<int, lane_math::laneCount<V>()>();
    int out = 0;
    for (int p = 0; p < count; p += 2, ++out) {
      const V b = p + 1 < count ? v[p + 1] : V{};
      v[out] = shuffle2<FoldLow<G>>(v[p], b, lanes) + shuffle2<FoldHigh<G>>(v[p], b, lanes);
    }
    return fold<V, G / 2>(v, out);
  }
}

constexpr int bitReversed(int r, int width) {
  int out = 0;
  for (int bit = 1; bit < width; bit <<= 1, r >>= 1) out = (out << 1) | (r & 1);
  return out;
}

template <class V, int MR, int NR>
void block(const float* const* a, const float* const* b, int64_t rows, int64_t aRowStride, int64_t bRowStride, int64_t length, float* sums) {
  constexpr int W = lane_math::laneCount<V>();
  V s[MR * NR];
  for (int q = 0; q < MR * NR; ++q) s[q] = V{};
  const int64_t whole = length / W * W;
  for (int64_t r = 0; r < rows; ++r) {
    const float* ar[MR];
    const float* br[NR];
    for (int ii = 0; ii < MR; ++ii) ar[ii] = a[ii] + r * aRowStride;
    for (int jj = 0; jj < NR; ++jj) br[jj] = b[jj] + r * bRowStride;
    for (int64_t e = 0; e < whole; e += W) {
      V av[MR];
      for (int ii = 0; ii < MR; ++ii) av[ii] = loadVector<V>(ar[ii] + e);
      for (int jj = 0; jj < NR; ++jj) {
        const V bv = loadVector<V>(br[jj] + e);
        for (int ii = 0; ii < MR; ++ii) s[ii * NR + jj] += av[ii] * bv;
      }
    }
    if (whole < length) {  // the row's last, partial vector: zero lanes past its end on both sides
      V av[MR];
      for (int ii = 0; ii < MR; ++ii) av[ii] = loadLanes<V>(ar[ii] + whole, length - whole);
      for (int jj = 0; jj < NR; ++jj) {
        const V bv = loadLanes<V>(br[jj] + whole, length - whole);
        for (int ii = 0; ii < MR; ++ii) s[ii * NR + jj] += av[ii] * bv;
      }
    }
  }
  // The block's lanes summed in a fixed tree, then added to the running sums. (The tree works on
  // a copy: an array whose address is taken would live in memory across the rows above.)
  V t[MR * NR];
  for (int q = 0; q < MR * NR; ++q) t[q] = s[q];
  const int vectors = fold<V, W>(t, MR * NR);
  for (int q = 0; q < vectors; ++q) {
    float lane[W];
    std::memcpy(lane, &t[q], sizeof(V));
    for (int r = 0; r < W; ++r)
      if (q * W + r < MR * NR) sums[q * W + r] += lane[bitReversed(r, W)];
  }
}

template <class V, int MR, int NR>
Kernels kernelsFor() {
  return {static_cast<int>(sizeof(V) / sizeof(float)), MR, NR, &block<V, MR, NR>};
}

}  // namespace sj::inner_products_detail
