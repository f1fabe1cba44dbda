#include <cmath>
#include <limits>

#include "expect_error.h"
#include "harness.h"
#include "kernels/activation.h"

namespace sj::testing {
namespace {

// Tolerances: the fast kernel evaluates the reference's own formula in float (the C library's erf,
// exp, tanh), so it differs from the double reference by float rounding over at most 17 operations;
// the device's erff/expf/tanhf are within a few ulp of those. Finite differences: the default 1e-6,
// x drawn away from the kinks with probability ~1 - 1e-5 per sampled element.
struct ActivationOp : OpTest<ActivationOp, ActivationShape> {
  double lo = -4.0, hi = 4.0;  // x drawn from [lo, hi)

  std::string describe() const { return std::string(activationRule(s.kind).name) + " " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.size, Role::Filled, lo, hi}, {"dy", s.size}, {"y", s.size, Role::Output}, {"dx", s.size, Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x"}, {"y"}}, {Pass::BackwardInput, {"x", "dy"}, {"dx"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) activationForwardReference(s, t["x"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) activationBackwardInputReference(s, t["x"].data(), t["dy"].data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) activationForward(pool, s, t["x"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) activationBackwardInput(pool, s, t["x"].data(), t["dy"].data(), t["dx"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::activationForward(stream, s, d["x"], d["y"]);
    if (pass == Pass::BackwardInput) cuda::activationBackwardInput(stream, s, d["x"], d["dy"], d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? activationForwardCost(s) : activationBackwardInputCost(s); }
  OpChecks checks() const {
    OpChecks c;
    c.fastTolerance = 2e-6;
    c.cudaTolerance = 8e-6;
    return c;
  }
};

constexpr double kInf = std::numeric_limits<double>::infinity();

// Every kind, with its constants (PyTorch's defaults, and others), over a range that crosses its
// kinks. Tensors of fewer than 8 values are drawn from [-1, 1] instead: the fast kernel's error is
// absolute where a formula cancels (1 + erf(x / sqrt 2) for x < -3, 1 - tanh^2 for large |x|:
// about |x| 2^-24, in float as in PyTorch's kernels), and the bound is relative to the tensor's
// largest value, which a single value in such a tail makes tiny.
std::vector<ActivationOp> everyKind(int64_t size) {
  using K = ActivationKind;
  std::vector<ActivationOp> ops = {
      {{size, K::Gelu}},
      {{size, K::Gelu}, -9.0, 9.0},  // erf saturates
      {{size, K::GeluTanh}},
      {{size, K::Silu}, -30.0, 30.0},
      {{size, K::Hardswish}, -5.0, 5.0},
      {{size, K::Hardsigmoid, 1.0 / 6.0, 0.5}, -5.0, 5.0},
      {{size, K::Hardsigmoid, 0.2, 0.5}, -4.0, 4.0},  // ONNX's defaults
      {{size, K::Clip, 0.0, 6.0}, -3.0, 9.0},         // ReLU6
      {{size, K::Clip, -kInf, 0.5}},                  // only an upper bound
      {{size, K::LeakyRelu, 0.01}},
      {{size, K::LeakyRelu, -0.3}},
      {{size, K::Tanh}, -6.0, 6.0},
  };
  if (size < 8)
    for (ActivationOp& op : ops) op.lo = -1.0, op.hi = 1.0;
  return ops;
}

}  // namespace

SJ_TEST(activation_table) {
  uint64_t seed = 1300;
  // one element, odd sizes, and a size that splits over the test pool
  for (int64_t size : {1, 7, 64, 1001, 3 * 16384 + 5})
    for (const ActivationOp& op : everyKind(size)) {
      op.s.validate();
      checkOp(op, seed++);
    }
}

SJ_TEST(activation_random) {
  std::mt19937_64 rng(1357);
  for (int i = 0; i < 16; ++i) {
    std::vector<ActivationOp> ops = everyKind(draw(rng, 8, 20000));
    checkOp(ops[static_cast<size_t>(draw(rng, 0, static_cast<int64_t>(ops.size()) - 1))], 1400 + i);
  }
}

// Values from outside the formulas: Phi(1) = 0.8413447460685429 (the standard normal table) for
// gelu(1) = 1 * Phi(1); the tanh form and silu evaluated from their definitions with the C
// library's tanh and exp in double; the piecewise kinds by hand.
SJ_TEST(activation_known_values) {
  using K = ActivationKind;
  struct Case {
    ActivationShape s;
    double x, y;
  };
  const Case cases[] = {
      {{1, K::Gelu}, 1.0, 0.8413447460685429},
      {{1, K::Gelu}, -0.5, -0.15426876936299344},
      {{1, K::GeluTanh}, 1.0, 0.8411919906082768},
      {{1, K::GeluTanh}, -2.0, -0.04540230591222494},
      {{1, K::Silu}, 1.0, 0.7310585786300049},
      {{1, K::Silu}, -2.0, -0.2384058440442351},
      {{1, K::Hardswish}, 1.0, 4.0 / 6.0},
      {{1, K::Hardswish}, -4.0, 0.0},
      {{1, K::Hardswish}, 4.0, 4.0},
      {{1, K::Hardsigmoid, 1.0 / 6.0, 0.5}, 1.5, 0.75},
      {{1, K::Hardsigmoid, 0.2, 0.5}, 4.0, 1.0},
      {{1, K::Clip, 0.0, 6.0}, 7.5, 6.0},
      {{1, K::Clip, 0.0, 6.0}, -1.0, 0.0},
      {{1, K::LeakyRelu, 0.01}, -2.0, -0.02},
      {{1, K::Tanh}, 0.5, 0.46211715726000974},
  };
  for (const Case& c : cases) {
    const float x = static_cast<float>(c.x);
    float y = 0.f;
    activationForward(testPool(), c.s, &x, &y);
    SJ_CHECK(std::fabs(y - c.y) <= 2e-7 * std::max(1.0, std::fabs(c.y)), activationRule(c.s.kind).name, "(", c.x, ") = ", y, ", expected ", c.y);
  }
}

// At the kinks every implementation chooses a derivative; these are PyTorch's (kernels/activation.h).
SJ_TEST(activation_derivatives_at_kinks_follow_pytorch) {
  using K = ActivationKind;
  struct Case {
    ActivationShape s;
    double x, gradient;  // dx for dy = 1
  };
  const Case cases[] = {
      {{1, K::Hardswish}, -3.0, 0.0},  // x <= -3: 0
      {{1, K::Hardswish}, 3.0, 1.0},   // x >= 3: 1
      {{1, K::Hardswish}, 0.0, 0.5},
      {{1, K::Hardsigmoid, 1.0 / 6.0, 0.5}, -3.0, 0.0},
      {{1, K::Hardsigmoid, 1.0 / 6.0, 0.5}, 3.0, 0.0},
      {{1, K::Hardsigmoid, 1.0 / 6.0, 0.5}, 0.0, 1.0 / 6.0},
      {{1, K::Clip, 0.0, 6.0}, 0.0, 1.0},  // torch.clamp passes the gradient at the bounds
      {{1, K::Clip, 0.0, 6.0}, 6.0, 1.0},
      {{1, K::Clip, 0.0, 6.0}, 6.5, 0.0},
      {{1, K::LeakyRelu, 0.01}, 0.0, 0.01},  // x > 0 is false at 0
  };
  for (const Case& c : cases) {
    const float x = static_cast<float>(c.x), dy = 1.f;
    float fast = -1.f;
    double reference = -1.0;
    const double xd = c.x, dyd = 1.0;
    activationBackwardInput(testPool(), c.s, &x, &dy, &fast);
    activationBackwardInputReference(c.s, &xd, &dyd, &reference);
    SJ_CHECK(std::fabs(fast - c.gradient) < 1e-7 && std::fabs(reference - c.gradient) < 1e-12, activationRule(c.s.kind).name, "'(", c.x,
             ") = ", fast, " (reference ", reference, "), PyTorch gives ", c.gradient);
  }
}

SJ_TEST(activation_rejects_bad_shapes) {
  expectError(ErrorCode::Shape, "gelu: the tensor must have elements, got 0", [] { ActivationShape{0, ActivationKind::Gelu}.validate(); });
  expectError(ErrorCode::Value, "min must not exceed max, got min 2 and max 1",
              [] { ActivationShape{4, ActivationKind::Clip, 2.0, 1.0}.validate(); });
  expectError(ErrorCode::Value, "slope must be finite", [] { ActivationShape{4, ActivationKind::LeakyRelu, kInf}.validate(); });
  expectError(ErrorCode::Value, "alpha and beta must be finite", [] { ActivationShape{4, ActivationKind::Hardsigmoid, 0.2, -kInf}.validate(); });
}

}  // namespace sj::testing
