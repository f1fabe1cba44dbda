#include "expect_error.h"
#include "harness.h"
#include "kernels/concat.h"

namespace sj::testing {
namespace {

// Two inputs a and b concatenated into y, one kernel call each (as the concat layer runs them); a
// pass's cost is the sum of its two calls'. Copies: exact (tolerance 0).
struct ConcatShapes {
  int64_t outer, partA, partB, inner;
  ConcatShape of(bool first) const { return {outer, first ? partA : partB, partA + partB, inner, first ? 0 : partA}; }
};

struct ConcatOp : OpTest<ConcatOp, ConcatShapes> {
  std::string describe() const { return "concat " + s.of(true).describe() + " + " + s.of(false).describe(); }
  std::vector<TensorDecl> tensors() const {
    const int64_t A = s.of(true).sliceSize(), B = s.of(false).sliceSize();
    return {{"a", A}, {"b", B}, {"dy", A + B}, {"y", A + B, Role::Output}, {"da", A, Role::Output}, {"db", B, Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"a", "b"}, {"y"}}, {Pass::BackwardInput, {"dy"}, {"da", "db"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) {
      concatForwardReference(s.of(true), t["a"].data(), t["y"].data());
      concatForwardReference(s.of(false), t["b"].data(), t["y"].data());
    }
    if (pass == Pass::BackwardInput) {
      concatBackwardInputReference(s.of(true), t["dy"].data(), t["da"].data());
      concatBackwardInputReference(s.of(false), t["dy"].data(), t["db"].data());
    }
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) {
      concatForward(pool, s.of(true), t["a"].data(), t["y"].data());
      concatForward(pool, s.of(false), t["b"].data(), t["y"].data());
    }
    if (pass == Pass::BackwardInput) {
      concatBackwardInput(pool, s.of(true), t["dy"].data(), t["da"].data());
      concatBackwardInput(pool, s.of(false), t["dy"].data(), t["db"].data());
    }
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) {
      cuda::concatForward(stream, s.of(true), d["a"], d["y"]);
      cuda::concatForward(stream, s.of(false), d["b"], d["y"]);
    }
    if (pass == Pass::BackwardInput) {
      cuda::concatBackwardInput(stream, s.of(true), d["dy"], d["da"]);
      cuda::concatBackwardInput(stream, s.of(false), d["dy"], d["db"]);
    }
  }
  Cost cost(Pass pass) const {
    Cost c = pass == Pass::Forward ? concatForwardCost(s.of(true)) : concatBackwardInputCost(s.of(true));
    c += pass == Pass::Forward ? concatForwardCost(s.of(false)) : concatBackwardInputCost(s.of(false));
    return c;
  }
  OpChecks checks() const {
    OpChecks c;
    c.fastTolerance = 0.0;
    return c;
  }
};

}  // namespace

SJ_TEST(concat_table) {
  // outer (batch x leading dims), the two parts along the axis, inner (trailing dims): the last
  // axis (inner 1), the first per-sample axis, unequal parts, and rows that split over the pool.
  const ConcatShapes cases[] = {{1, 1, 1, 1}, {2, 3, 4, 1}, {4, 2, 5, 7}, {3, 1, 6, 33}, {5000, 3, 4, 2}, {2, 40000, 1, 1}};
  uint64_t seed = 71;
  for (const ConcatShapes& c : cases) checkOp(ConcatOp{c}, seed++);
}

SJ_TEST(concat_random) {
  std::mt19937_64 rng(977);
  for (int i = 0; i < 10; ++i) checkOp(ConcatOp{{draw(rng, 1, 6), draw(rng, 1, 9), draw(rng, 1, 9), draw(rng, 1, 40)}}, 700 + i);
}

SJ_TEST(concat_rejects_bad_shapes) {
  expectError(ErrorCode::Shape, "is not a slice of the output", [] { ConcatShape{2, 3, 4, 1, 2}.validate(); });
  expectError(ErrorCode::Shape, "is not a slice of the output", [] { ConcatShape{0, 3, 4, 1, 0}.validate(); });
}

}  // namespace sj::testing
