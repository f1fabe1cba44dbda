#include "expect_error.h"
#include "harness.h"
#include "kernels/relu.h"

namespace sj::testing {
namespace {

// Tolerances: fast = reference exactly (tolerance 0): both passes only select one of their inputs
// or zero, and the data are floats that both sides see exactly. Finite differences: the default
// 1e-6; dx is exact away from the kink at 0, which uniform data hit with probability ~1e-6 per
// sampled element.
struct ReluOp : OpTest<ReluOp, ReluShape> {
  std::string describe() const { return "relu " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.size}, {"dy", s.size}, {"y", s.size, Role::Output}, {"dx", s.size, Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x"}, {"y"}}, {Pass::BackwardInput, {"x", "dy"}, {"dx"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) reluForwardReference(s, t["x"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) reluBackwardInputReference(s, t["x"].data(), t["dy"].data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) reluForward(pool, s, t["x"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) reluBackwardInput(pool, s, t["x"].data(), t["dy"].data(), t["dx"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::reluForward(stream, s, d["x"], d["y"]);
    if (pass == Pass::BackwardInput) cuda::reluBackwardInput(stream, s, d["x"], d["dy"], d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? reluForwardCost(s) : reluBackwardInputCost(s); }
  OpChecks checks() const {
    OpChecks c;
    c.fastTolerance = 0.0;
    return c;
  }
};

}  // namespace

SJ_TEST(relu_table) {
  uint64_t seed = 31;
  // one element, odd sizes, a vector-width multiple, and sizes that split over the test pool
  for (int64_t size : {1, 2, 7, 64, 1001, 50001, 3 * 16384 + 5}) {
    ReluShape s;
    s.size = size;
    s.validate();
    checkOp(ReluOp{s}, seed++);
  }
}

SJ_TEST(relu_random) {
  std::mt19937_64 rng(4711);
  for (int i = 0; i < 8; ++i) {
    ReluShape s;
    s.size = draw(rng, 1, 20000);
    checkOp(ReluOp{s}, 300 + i);
  }
}

SJ_TEST(relu_rejects_bad_shapes) {
  ReluShape s;
  s.size = 0;
  expectError(ErrorCode::Shape, "positive number of elements, got 0", [&] { s.validate(); });
}

}  // namespace sj::testing
