// The array functions of vector_math.h, templated on the vector type V (a GCC vector of floats)
// over the lane functions of lane_math.h. Included only by vector_math*.cpp, each compiled for one
// instruction set; everything here has internal linkage, so the per-ISA copies never meet at link
// time.
#pragma once
#include <cstdint>

#include "kernels/cpu/lane_math.h"
#include "kernels/cpu/vector_math.h"

namespace sj::vector_math {
namespace {

using lane_math::laneCount;
using lane_math::load;
using lane_math::loadPartial;
using lane_math::store;
using lane_math::storePartial;

// y[i] = F(x[i]) a vector at a time; the last partial vector zero-padded, so that every element
// goes through the same operations.
template <class V, V (*F)(V)>
void mapArray(const float* x, float* y, int64_t n) {
  constexpr int W = laneCount<V>();
  int64_t i = 0;
  for (; i + W <= n; i += W) store(y + i, F(load<V>(x + i)));
  if (i < n) storePartial(y + i, F(loadPartial<V>(x + i, n - i)), n - i);
}

template <class V>
void gateArray(const float* x, float bias, float* lin, float* sig, float* y, int64_t n) {
  constexpr int W = laneCount<V>();
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    const V s = lane_math::sigmoidLanes(load<V>(x + i)), l = load<V>(lin + i) + bias;
    store(lin + i, l);
    store(sig + i, s);
    store(y + i, l * s);
  }
  if (i < n) {
    const V s = lane_math::sigmoidLanes(loadPartial<V>(x + i, n - i)), l = loadPartial<V>(lin + i, n - i) + bias;
    storePartial(lin + i, l, n - i);
    storePartial(sig + i, s, n - i);
    storePartial(y + i, l * s, n - i);
  }
}

template <class V>
Kernels kernelsFor(const char* isa) {
  return Kernels{isa,
                 &mapArray<V, lane_math::expLanes<V>>,
                 &mapArray<V, lane_math::logLanes<V>>,
                 &mapArray<V, lane_math::log1pLanes<V>>,
                 &mapArray<V, lane_math::sigmoidLanes<V>>,
                 &gateArray<V>};
}

}  // namespace
}  // namespace sj::vector_math
