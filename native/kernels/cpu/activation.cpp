#include "kernels/activation.h"

namespace sj {

namespace {
constexpr int64_t kGrain = 1 << 14;  // elements per task at least: smaller calls run inline
}

// One loop per kind with the formula inlined: the piecewise-linear kinds vectorise; the others call
// the C library's erf, exp and tanh per element, as the reference does.
void activationForward(ThreadPool& pool, const ActivationShape& s, const float* x, float* y) {
  withActivationKind(s.kind, [&](auto kind) {
    constexpr ActivationKind K = decltype(kind)::value;
    const float a = static_cast<float>(s.a), b = static_cast<float>(s.b);
    pool.parallelFor(s.size, kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) y[i] = activationValue<K, HostMath>(x[i], a, b);
    });
  });
}

void activationBackwardInput(ThreadPool& pool, const ActivationShape& s, const float* x, const float* dy, float* dx) {
  withActivationKind(s.kind, [&](auto kind) {
    constexpr ActivationKind K = decltype(kind)::value;
    const float a = static_cast<float>(s.a), b = static_cast<float>(s.b);
    pool.parallelFor(s.size, kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) dx[i] = activationGradient<K, HostMath>(x[i], dy[i], a, b);
    });
  });
}

}  // namespace sj
