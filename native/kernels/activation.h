// Point-wise nonlinearities, forward and backward, one table-driven family:
//
//   x   [E]   input (any shape, E elements)
//   y   [E]   y = f(x)
//   dy  [E]   upstream gradient
//   dx  [E]   dx = dy * f'(x)
//
// The kinds (PyTorch's formulas, the module in brackets; ONNX operator after the slash):
//   gelu         0.5 x (1 + erf(x / sqrt 2))                 [GELU(approximate='none')] / Gelu
//   gelu_tanh    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))  [GELU(approximate='tanh')]
//   silu         x sigmoid(x)                                [SiLU] / Swish (Sigmoid, Mul)
//   hardswish    x min(max(x + 3, 0), 6) / 6                 [Hardswish] / HardSwish
//   hardsigmoid  max(0, min(1, a x + b)), a = 1/6, b = 1/2 by default  [Hardsigmoid] / HardSigmoid
//   clip         min(max(x, lo), hi) (ReLU6: lo = 0, hi = 6)  [clamp, ReLU6] / Clip
//   leaky_relu   x > 0 ? x : slope x                          [LeakyReLU] / LeakyRelu
//   tanh         tanh(x)                                      [Tanh] / Tanh
//
// Why one family and not eight copies of relu: the kinds differ only in two scalar formulas and
// their operation counts; the shape, validation, loops, threading, launch geometry, layer and tests
// are the same. Each kind's forward value and derivative are written once below (templates on the
// scalar type and on a math policy, so the reference loops, the CPU kernels and the CUDA kernels
// all evaluate the same expression) and each kind's per-element counts once in kActivationRules;
// a new kind is one case in each and one row in the table. relu and sigmoid stay their own files:
// they are used elsewhere (BCE from logits shares sigmoidOf) and their costs are already recorded.
//
// The backward pass reads x, never y: one rule for every kind, and the derivatives at the kinks
// are decided on x exactly as PyTorch decides them (below). tanh and the GELUs therefore recompute
// their transcendental in backward, and that work is counted.
//
// Derivatives at the kinks (a set of measure zero, but a choice every implementation makes):
//   hardswish    x <= -3: 0; -3 < x < 3: x/3 + 1/2; x >= 3: 1. PyTorch's hardswish_backward_kernel
//                (aten/src/ATen/native/cpu/Activation.cpp and cuda/ActivationHardswishKernel.cu,
//                v2.x); PyTorch 1.x tested x < -3 and x <= 3 instead, giving -1/2 at -3 and 3/2 at 3.
//   hardsigmoid  a if 0 < a x + b < 1, else 0: zero at both kinks, as PyTorch's
//                hardsigmoid_backward (x > -3 && x < 3 for its a = 1/6, b = 1/2).
//   clip         dy where lo <= x <= hi, else 0: the gradient passes at the bounds, as torch.clamp's
//                clamp_backward (torch/csrc/autograd/FunctionsManual.cpp). nn.ReLU6/Hardtanh
//                (hardtanh_backward) give 0 at the bounds instead; clip follows clamp, the op ONNX
//                Clip denotes.
//   leaky_relu   x > 0 ? dy : slope dy: slope at 0, as PyTorch's leaky_relu_backward.
//
// Every formula runs the same operations whatever the input (both comparisons of a clamp, both arms
// of a select are computed), so a kind's count per element is a constant and the cost is E times it.
#pragma once
#include <cstdint>
#include <string>
#include <type_traits>

#include "core/cost.h"
#include "core/host_device.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"
#include "kernels/sigmoid.h"

namespace sj {

enum class ActivationKind { Gelu, GeluTanh, Silu, Hardswish, Hardsigmoid, Clip, LeakyRelu, Tanh };

// Per-element operations of one pass of one kind.
struct ActivationOps {
  int64_t flops, transcendentals, comparisons;
};

// Everything per kind that is not a formula: its name and its counts. Indexed by the kind.
struct ActivationRule {
  ActivationKind kind;
  const char* name;
  ActivationOps forward, backward;
};

inline constexpr ActivationRule kActivationRules[] = {
    // gelu: x * (1/sqrt 2), erf, 1 +, 0.5 x, *.
    //   backward: cdf = 0.5 (1 + erf(x / sqrt 2)) (3 flops, erf); pdf = exp(-0.5 x^2) / sqrt(2 pi)
    //   (3 flops, exp); dy (cdf + x pdf) (3 flops).
    {ActivationKind::Gelu, "gelu", {4, 1, 0}, {9, 2, 0}},
    // gelu_tanh: x^3 (2), k x^3 (1), x + (1), * sqrt(2/pi) (1), tanh, 1 + (1), 0.5 x (1), * (1).
    //   backward: the same inner (5 flops, tanh), 0.5 x (1), 1 + t (1), 0.5 (1 + t) (1),
    //   1 - t^2 (2), 1 + 3k x^2 (2), product of four (3), sum (1), * dy (1).
    {ActivationKind::GeluTanh, "gelu_tanh", {8, 1, 0}, {17, 1, 0}},
    // silu: sigmoidOf (3 flops, exp, 2 comparisons), x s (1).
    //   backward: s, then dy s (1 + x (1 - s)) (5 flops).
    {ActivationKind::Silu, "silu", {4, 1, 2}, {8, 1, 2}},
    // hardswish: x + 3, clamp to [0, 6] (2 comparisons), x *, / 6.
    //   backward: x <= -3, x >= 3 (2 comparisons), x / 3 + 1/2 (2), dy * (1).
    {ActivationKind::Hardswish, "hardswish", {3, 0, 2}, {3, 0, 2}},
    // hardsigmoid: a x + b (2), clamp to [0, 1] (2 comparisons).
    //   backward: a x + b (2), 0 < v, v < 1 (2 comparisons), dy a (1).
    {ActivationKind::Hardsigmoid, "hardsigmoid", {2, 0, 2}, {3, 0, 2}},
    // clip: max with lo, min with hi. backward: lo <= x, x <= hi.
    {ActivationKind::Clip, "clip", {0, 0, 2}, {0, 0, 2}},
    // leaky_relu: slope x (1), x > 0 (1 comparison). backward: slope dy (1), x > 0.
    {ActivationKind::LeakyRelu, "leaky_relu", {1, 0, 1}, {1, 0, 1}},
    // tanh: tanh. backward: t = tanh(x), dy (1 - t t) (3 flops).
    {ActivationKind::Tanh, "tanh", {0, 1, 0}, {3, 1, 0}},
};

inline constexpr const ActivationRule& activationRule(ActivationKind kind) { return kActivationRules[static_cast<int>(kind)]; }

constexpr bool activationRulesInKindOrder() {
  for (int i = 0; i < static_cast<int>(sizeof(kActivationRules) / sizeof(kActivationRules[0])); ++i)
    if (static_cast<int>(kActivationRules[i].kind) != i) return false;
  return true;
}
static_assert(activationRulesInKindOrder(), "kActivationRules is indexed by ActivationKind");

struct ActivationShape {
  int64_t size = 1;  // E
  ActivationKind kind = ActivationKind::Tanh;
  // The kind's constants: hardsigmoid alpha, beta; clip lo, hi (+-infinity: unbounded);
  // leaky_relu slope in `a`. Unused by the other kinds.
  double a = 0.0, b = 0.0;

  void validate() const;  // E_SHAPE unless E > 0; E_VALUE for a constant that is not finite or lo > hi
  std::string describe() const;
};

Cost activationForwardCost(const ActivationShape& s);
Cost activationBackwardInputCost(const ActivationShape& s);

// ---- the formulas, once for every device -------------------------------------------------------

// The transcendentals a formula calls, for the host: unqualified, so that the operation-counting
// scalar of the tests finds its own by argument-dependent lookup. The CUDA kernels pass
// cuda::DeviceMath (kernels/cuda/device_math.h), whose functions are the device's.
struct HostMath {
  template <class T>
  static T expOf(T x) {
    return exp(x);
  }
  template <class T>
  static T erfOf(T x) {
    return erf(x);
  }
  template <class T>
  static T tanhOf(T x) {
    return tanh(x);
  }
  template <class T>
  static T logistic(T x) {
    return sigmoidOf(x);
  }
};

constexpr double kGeluInvSqrt2 = 0.70710678118654752440;       // 1 / sqrt(2)
constexpr double kGeluInvSqrt2Pi = 0.39894228040143267794;     // 1 / sqrt(2 pi)
constexpr double kGeluTanhScale = 0.79788456080286535588;      // sqrt(2 / pi)
constexpr double kGeluTanhCubic = 0.044715;                    // PyTorch's and Hendrycks & Gimpel's kappa
constexpr double kGeluTanhCubic3 = 3 * kGeluTanhCubic;         // its derivative's coefficient

// y = f(x). `a`, `b`: the shape's constants, in T.
template <ActivationKind K, class M, class T>
SJ_HOST_DEVICE inline T activationValue(T x, T a, T b) {
  if constexpr (K == ActivationKind::Gelu) {
    return T(0.5) * x * (T(1) + M::erfOf(x * T(kGeluInvSqrt2)));
  } else if constexpr (K == ActivationKind::GeluTanh) {
    const T inner = T(kGeluTanhScale) * (x + T(kGeluTanhCubic) * (x * x * x));
    return T(0.5) * x * (T(1) + M::tanhOf(inner));
  } else if constexpr (K == ActivationKind::Silu) {
    return x * M::logistic(x);
  } else if constexpr (K == ActivationKind::Hardswish) {
    T r = x + T(3);
    r = r > T(0) ? r : T(0);
    r = r < T(6) ? r : T(6);
    return x * r / T(6);
  } else if constexpr (K == ActivationKind::Hardsigmoid) {
    T v = a * x + b;
    v = v > T(0) ? v : T(0);
    return v < T(1) ? v : T(1);
  } else if constexpr (K == ActivationKind::Clip) {
    const T r = x > a ? x : a;
    return r < b ? r : b;
  } else if constexpr (K == ActivationKind::LeakyRelu) {
    const T scaled = a * x;  // computed for every x, so the count does not depend on the sign
    return x > T(0) ? x : scaled;
  } else {
    static_assert(K == ActivationKind::Tanh, "a kind without a formula");
    return M::tanhOf(x);
  }
}

// dx = dy * f'(x), with the kinks decided as the header says.
template <ActivationKind K, class M, class T>
SJ_HOST_DEVICE inline T activationGradient(T x, T dy, T a, T b) {
  if constexpr (K == ActivationKind::Gelu) {
    const T cdf = T(0.5) * (T(1) + M::erfOf(x * T(kGeluInvSqrt2)));
    const T pdf = M::expOf(T(-0.5) * (x * x)) * T(kGeluInvSqrt2Pi);
    return dy * (cdf + x * pdf);
  } else if constexpr (K == ActivationKind::GeluTanh) {
    const T x2 = x * x;
    const T t = M::tanhOf(T(kGeluTanhScale) * (x + T(kGeluTanhCubic) * (x2 * x)));
    const T half = T(0.5) * x;
    const T left = T(0.5) * (T(1) + t);                                                          // d(0.5 x)/dx (1 + t)
    const T right = half * (T(1) - t * t) * T(kGeluTanhScale) * (T(1) + T(kGeluTanhCubic3) * x2);  // 0.5 x dt/dx
    return dy * (left + right);
  } else if constexpr (K == ActivationKind::Silu) {
    const T s = M::logistic(x);
    return dy * (s * (T(1) + x * (T(1) - s)));
  } else if constexpr (K == ActivationKind::Hardswish) {
    const bool low = x <= T(-3), high = x >= T(3);
    const T slope = x / T(3) + T(0.5);
    return dy * (low ? T(0) : high ? T(1) : slope);
  } else if constexpr (K == ActivationKind::Hardsigmoid) {
    const T v = a * x + b;
    const bool above = v > T(0), below = v < T(1);
    const T g = dy * a;
    return above && below ? g : T(0);
  } else if constexpr (K == ActivationKind::Clip) {
    const bool fromLo = x >= a, toHi = x <= b;
    return fromLo && toHi ? dy : T(0);
  } else if constexpr (K == ActivationKind::LeakyRelu) {
    const T scaled = a * dy;
    return x > T(0) ? dy : scaled;
  } else {
    static_assert(K == ActivationKind::Tanh, "a kind without a derivative");
    const T t = M::tanhOf(x);
    return dy * (T(1) - t * t);
  }
}

// Calls fn(std::integral_constant<ActivationKind, K>{}) for the run-time kind, so that every loop
// is compiled once per kind with the formula inlined (no switch inside a loop).
template <class Fn>
inline void withActivationKind(ActivationKind kind, Fn&& fn) {
  using K = ActivationKind;
  switch (kind) {
    case K::Gelu: fn(std::integral_constant<K, K::Gelu>{}); break;
    case K::GeluTanh: fn(std::integral_constant<K, K::GeluTanh>{}); break;
    case K::Silu: fn(std::integral_constant<K, K::Silu>{}); break;
    case K::Hardswish: fn(std::integral_constant<K, K::Hardswish>{}); break;
    case K::Hardsigmoid: fn(std::integral_constant<K, K::Hardsigmoid>{}); break;
    case K::Clip: fn(std::integral_constant<K, K::Clip>{}); break;
    case K::LeakyRelu: fn(std::integral_constant<K, K::LeakyRelu>{}); break;
    case K::Tanh: fn(std::integral_constant<K, K::Tanh>{}); break;
  }
}

// ---- reference loops -------------------------------------------------------------------------

template <class T>
void activationForwardReference(const ActivationShape& s, const T* x, T* y) {
  withActivationKind(s.kind, [&](auto kind) {
    constexpr ActivationKind K = decltype(kind)::value;
    const T a = T(s.a), b = T(s.b);
    for (int64_t i = 0; i < s.size; ++i) y[i] = activationValue<K, HostMath>(x[i], a, b);
  });
}

template <class T>
void activationBackwardInputReference(const ActivationShape& s, const T* x, const T* dy, T* dx) {
  withActivationKind(s.kind, [&](auto kind) {
    constexpr ActivationKind K = decltype(kind)::value;
    const T a = T(s.a), b = T(s.b);
    for (int64_t i = 0; i < s.size; ++i) dx[i] = activationGradient<K, HostMath>(x[i], dy[i], a, b);
  });
}

// ---- CPU kernels (kernels/cpu/activation.cpp) ----------------------------------------------------

void activationForward(ThreadPool& pool, const ActivationShape& s, const float* x, float* y);
void activationBackwardInput(ThreadPool& pool, const ActivationShape& s, const float* x, const float* dy, float* dx);

// ---- CUDA kernels (kernels/cuda/activation.cu) ---------------------------------------------------
// All pointers are device memory.

namespace cuda {

void activationForward(CudaStream stream, const ActivationShape& s, const float* x, float* y);
void activationBackwardInput(CudaStream stream, const ActivationShape& s, const float* x, const float* dy, float* dx);

}  // namespace cuda

}  // namespace sj
