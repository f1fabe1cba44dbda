// Element-wise float math of the CPU kernels (exp, log, log1p, the logistic sigmoid and the GLU's
// gate), written once with GCC vector extensions (vector_math_impl.h over lane_math.h) and
// compiled per instruction set (vector_math.cpp for the portable build, vector_math_avx2.cpp,
// vector_math_avx512.cpp), chosen at run time like the front end's lane kernels (lane_kernels.h).
// The CPU kernels call the table of active() on the arrays that the reference loops treat element
// by element with libm.
//
// Every function treats each element alone with the same operations wherever it sits in the array
// (a last partial vector is computed zero-padded), so a caller that splits an array between
// threads gets the same bits whatever the split.
#pragma once
#include <cstdint>

namespace sj::vector_math {

struct Kernels {
  const char* isa;
  // y[i] = e^x[i] (lane_math.h expLanes, after Cephes expf): within 1.5 ulp, subnormal results
  // included; +inf above ~88.72, 0 below ~-103.97, NaN for NaN.
  void (*exp)(const float* x, float* y, int64_t n);
  // y[i] = ln x[i] (logLanes, after Cephes logf): within 1.5 ulp on normal positive floats,
  // std::log elsewhere (subnormals, -inf at 0, NaN below).
  void (*log)(const float* x, float* y, int64_t n);
  // y[i] = ln(1 + x[i]) (log1pLanes): within 3 ulp; -inf at -1, NaN below, as std::log1p.
  void (*log1p)(const float* x, float* y, int64_t n);
  // y[i] = sigmoidOf(x[i]) (kernels/sigmoid.h), the same operations with the exp above: within
  // 3 ulp of the exact sigmoid; exactly 0 or 1 once exp(-|x|) underflows, NaN for NaN.
  void (*sigmoid)(const float* x, float* y, int64_t n);
  // The GLU's gate (kernels/glu.h) and its bias, in one pass over lin: lin[i] += bias,
  // sig[i] = sigmoidOf(x[i]) as `sigmoid`, y[i] = lin[i] * sig[i]. A bias of -0.0f leaves lin as
  // it is (v + -0 = v for every v, -0 and NaN included).
  void (*gate)(const float* x, float bias, float* lin, float* sig, float* y, int64_t n);
};

const Kernels& active();  // the widest instruction set the CPU has (SEDJOULE_ISA may narrow it)

Kernels generic();
#if defined(SEDJOULE_X86)
Kernels avx2();
Kernels avx512();
#endif

}  // namespace sj::vector_math
