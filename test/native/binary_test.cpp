#include "expect_error.h"
#include "harness.h"
#include "kernels/binary.h"

namespace sj::testing {
namespace {

// The gradient of a is the BackwardInput pass and the gradient of b the BackwardWeight pass (as in a
// layer whose second operand is its own parameter). Divisors are drawn from [0.5, 1.5], away from
// 0. Tolerances: the defaults; the fast and CUDA kernels sum the gradient terms in double.
struct BinaryOpTest : OpTest<BinaryOpTest, BinaryShape> {
  std::string describe() const { return s.describe(); }
  std::vector<TensorDecl> tensors() const {
    const int64_t A = s.sizeOf(BinarySide::A), B = s.sizeOf(BinarySide::B), Y = s.size();
    const double lo = s.op == BinaryOp::Div ? 0.5 : -1.0, hi = s.op == BinaryOp::Div ? 1.5 : 1.0;
    return {{"a", A}, {"b", B, Role::Filled, lo, hi}, {"dy", Y}, {"y", Y, Role::Output}, {"da", A, Role::Output}, {"db", B, Role::Output}};
  }
  std::vector<PassIo> passes() const {
    std::vector<std::string> readsA = {"dy"}, readsB = {"dy"};
    if (s.op == BinaryOp::Mul) readsA.push_back("b"), readsB.push_back("a");
    if (s.op == BinaryOp::Div) readsA.push_back("b"), readsB.push_back("a"), readsB.push_back("b");
    return {{Pass::Forward, {"a", "b"}, {"y"}}, {Pass::BackwardInput, readsA, {"da"}}, {Pass::BackwardWeight, readsB, {"db"}}};
  }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) binaryForwardReference(s, t["a"].data(), t["b"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) binaryBackwardReference(s, BinarySide::A, t["a"].data(), t["b"].data(), t["dy"].data(), t["da"].data());
    if (pass == Pass::BackwardWeight) binaryBackwardReference(s, BinarySide::B, t["a"].data(), t["b"].data(), t["dy"].data(), t["db"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) binaryForward(pool, s, t["a"].data(), t["b"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) binaryBackward(pool, s, BinarySide::A, t["a"].data(), t["b"].data(), t["dy"].data(), t["da"].data());
    if (pass == Pass::BackwardWeight) binaryBackward(pool, s, BinarySide::B, t["a"].data(), t["b"].data(), t["dy"].data(), t["db"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::binaryForward(stream, s, d["a"], d["b"], d["y"]);
    if (pass == Pass::BackwardInput) cuda::binaryBackward(stream, s, BinarySide::A, d["a"], d["b"], d["dy"], d["da"]);
    if (pass == Pass::BackwardWeight) cuda::binaryBackward(stream, s, BinarySide::B, d["a"], d["b"], d["dy"], d["db"]);
  }
  Cost cost(Pass pass) const {
    if (pass == Pass::Forward) return binaryForwardCost(s);
    return binaryBackwardCost(s, pass == Pass::BackwardInput ? BinarySide::A : BinarySide::B);
  }
};

using Dims = std::vector<int64_t>;
constexpr BinaryOp kOps[] = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div};

}  // namespace

SJ_TEST(binary_table) {
  // Whole tensors, batch first: equal shapes; a squeeze-excitation scale [B,C,1,1] x [B,C,H,W];
  // a positional table shared by the batch [1,1,T,F] + [B,1,T,F]; a scalar; both operands
  // broadcast ([B,3,1] op [B,1,4]); a large same-shape pair that splits over the test pool.
  const std::vector<std::pair<Dims, Dims>> cases = {
      {{2, 3, 4}, {2, 3, 4}},       {{2, 3, 4, 5}, {2, 3, 1, 1}}, {{2, 3, 1, 1}, {2, 3, 4, 5}}, {{3, 1, 4, 5}, {1, 1, 4, 5}},
      {{2, 3, 4}, {1, 1, 1}},       {{2, 3, 1}, {2, 1, 4}},       {{1}, {1}},                   {{3, 70001}, {3, 70001}},
      {{4, 8, 1000}, {1, 8, 1}},
  };
  uint64_t seed = 11;
  for (BinaryOp op : kOps)
    for (const auto& [a, b] : cases) checkOp(BinaryOpTest{binaryShape(op, a, b)}, seed++);
}

SJ_TEST(binary_random) {
  std::mt19937_64 rng(4242);
  for (int i = 0; i < 24; ++i) {
    const int64_t rank = draw(rng, 1, 5);
    Dims a, b;
    for (int64_t d = 0; d < rank; ++d) {
      const int64_t n = draw(rng, 1, 6), pick = draw(rng, 0, 3);
      a.push_back(pick == 1 ? 1 : n);
      b.push_back(pick == 2 ? 1 : n);
    }
    checkOp(BinaryOpTest{binaryShape(kOps[i % 4], a, b)}, 500 + i);
  }
}

SJ_TEST(binary_broadcasts_like_numpy) {
  SJ_CHECK(broadcastShapes({8, 1, 6, 1}, {7, 1, 5}) == (Dims{8, 7, 6, 5}), "numpy's example");
  SJ_CHECK(broadcastShapes({5, 4}, {1}) == (Dims{5, 4}), "a scalar");
  SJ_CHECK(broadcastShapes({1, 3, 4}, {3, 4}) == (Dims{1, 3, 4}), "a missing leading dimension");
}

SJ_TEST(binary_rejects_bad_shapes) {
  expectError(ErrorCode::Shape, "[2,3] and [2,4] do not broadcast", [] { broadcastShapes({2, 3}, {2, 4}); });
  expectError(ErrorCode::Shape, "must have one rank", [] { binaryShape(BinaryOp::Mul, {2, 3}, {3}); });
  BinaryShape s = binaryShape(BinaryOp::Add, {2, 3}, {2, 3});
  s.a[1] = 2;
  expectError(ErrorCode::Shape, "does not broadcast at dimension 1", [&] { s.validate(); });
}

}  // namespace sj::testing
