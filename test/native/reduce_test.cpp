#include "expect_error.h"
#include "harness.h"
#include "kernels/reduce.h"

namespace sj::testing {
namespace {

// Max: the drawn values are distinct almost surely, so no ties (where finite differences and the
// first-maximum rule would disagree); the step is far below the gap between two values.
struct ReduceOpTest : OpTest<ReduceOpTest, ReduceShape> {
  std::string describe() const { return s.describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.size()}, {"dy", s.outputs()}, {"y", s.outputs(), Role::Output}, {"dx", s.size(), Role::Output}};
  }
  std::vector<PassIo> passes() const {
    std::vector<std::string> reads = {"dy"};
    if (s.op == ReduceOp::Max) reads.push_back("x");
    return {{Pass::Forward, {"x"}, {"y"}}, {Pass::BackwardInput, reads, {"dx"}}};
  }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) reduceForwardReference(s, t["x"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) reduceBackwardInputReference(s, t["x"].data(), t["dy"].data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) reduceForward(pool, s, t["x"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) reduceBackwardInput(pool, s, t["x"].data(), t["dy"].data(), t["dx"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::reduceForward(stream, s, d["x"], d["y"]);
    if (pass == Pass::BackwardInput) cuda::reduceBackwardInput(stream, s, d["x"], d["dy"], d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? reduceForwardCost(s) : reduceBackwardInputCost(s); }
};

using Dims = std::vector<int64_t>;
constexpr ReduceOp kOps[] = {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Max};

}  // namespace

SJ_TEST(reduce_table) {
  // Whole tensors, batch first: the last axis; the middle one (strided); two separated axes; every
  // axis but the batch (a global pool); a size-1 reduced axis; a long row that splits the pool.
  const std::vector<std::pair<Dims, std::vector<int>>> cases = {
      {{2, 3, 5}, {2}},       {{2, 3, 5}, {1}},   {{2, 3, 4, 5}, {1, 3}}, {{2, 3, 4, 5}, {1, 2, 3}},
      {{3, 1, 4}, {1}},       {{4, 50000}, {1}},  {{3, 7}, {0}},
  };
  uint64_t seed = 61;
  for (ReduceOp op : kOps)
    for (const auto& [x, axes] : cases) checkOp(ReduceOpTest{reduceShape(op, x, axes)}, seed++);
}

SJ_TEST(reduce_random) {
  std::mt19937_64 rng(1313);
  for (int i = 0; i < 18; ++i) {
    const int64_t rank = draw(rng, 1, 5);
    Dims x;
    std::vector<int> axes;
    for (int64_t d = 0; d < rank; ++d) {
      x.push_back(draw(rng, 1, 5));
      if (draw(rng, 0, 1)) axes.push_back(static_cast<int>(d));
    }
    checkOp(ReduceOpTest{reduceShape(kOps[i % 3], x, axes)}, 1700 + i);
  }
}

SJ_TEST(reduce_max_gradient_goes_to_the_first_maximum) {
  const ReduceShape s = reduceShape(ReduceOp::Max, {1, 4}, {1});
  const std::vector<float> x = {0.5f, 2.f, 2.f, -1.f}, dy = {3.f};
  std::vector<float> y(1), dx(4, 9.f);
  reduceForward(testPool(), s, x.data(), y.data());
  reduceBackwardInput(testPool(), s, x.data(), dy.data(), dx.data());
  SJ_CHECK(y[0] == 2.f, "max is ", y[0]);
  SJ_CHECK(dx == (std::vector<float>{0.f, 3.f, 0.f, 0.f}), "dx = ", dx[0], " ", dx[1], " ", dx[2], " ", dx[3]);
}

SJ_TEST(reduce_rejects_bad_axes) {
  expectError(ErrorCode::Shape, "axis 3 is outside a tensor of rank 3", [] { reduceShape(ReduceOp::Sum, {2, 3, 4}, {3}); });
  expectError(ErrorCode::Value, "axis 1 is listed twice", [] { reduceShape(ReduceOp::Sum, {2, 3, 4}, {1, 1}); });
}

}  // namespace sj::testing
