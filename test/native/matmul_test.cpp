#include "expect_error.h"
#include "harness.h"
#include "kernels/matmul.h"

namespace sj::testing {
namespace {

// The gradient of a is the BackwardInput pass and the gradient of b the BackwardWeight pass (in a
// layer both are graph inputs; the pass names only tell the two apart here).
struct MatmulOpTest : OpTest<MatmulOpTest, MatmulShape> {
  std::string describe() const { return s.describe(); }
  std::vector<TensorDecl> tensors() const {
    const int64_t A = s.sizeA(), B = s.sizeB(), Y = s.sizeY();
    return {{"a", A}, {"b", B}, {"dy", Y}, {"y", Y, Role::Output}, {"da", A, Role::Output}, {"db", B, Role::Output}};
  }
  std::vector<PassIo> passes() const {
    return {{Pass::Forward, {"a", "b"}, {"y"}}, {Pass::BackwardInput, {"dy", "b"}, {"da"}}, {Pass::BackwardWeight, {"dy", "a"}, {"db"}}};
  }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) matmulForwardReference(s, t["a"].data(), t["b"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) matmulBackwardReference(s, BinarySide::A, t["a"].data(), t["b"].data(), t["dy"].data(), t["da"].data());
    if (pass == Pass::BackwardWeight) matmulBackwardReference(s, BinarySide::B, t["a"].data(), t["b"].data(), t["dy"].data(), t["db"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) matmulForward(pool, s, t["a"].data(), t["b"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) matmulBackward(pool, s, BinarySide::A, t["a"].data(), t["b"].data(), t["dy"].data(), t["da"].data());
    if (pass == Pass::BackwardWeight) matmulBackward(pool, s, BinarySide::B, t["a"].data(), t["b"].data(), t["dy"].data(), t["db"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::matmulForward(stream, s, d["a"], d["b"], d["y"]);
    if (pass == Pass::BackwardInput) cuda::matmulBackward(stream, s, BinarySide::A, d["a"], d["b"], d["dy"], d["da"]);
    if (pass == Pass::BackwardWeight) cuda::matmulBackward(stream, s, BinarySide::B, d["a"], d["b"], d["dy"], d["db"]);
  }
  Cost cost(Pass pass) const {
    if (pass == Pass::Forward) return matmulForwardCost(s);
    return matmulBackwardCost(s, pass == Pass::BackwardInput ? BinarySide::A : BinarySide::B);
  }
};

using Dims = std::vector<int64_t>;

}  // namespace

SJ_TEST(matmul_table) {
  // Whole tensors, batch first: plain matrices; attention's Q K^T and (attention . V) per head
  // [B, H, T, d]; a matrix shared by the batch ([1, K, N]: its gradient sums the fan-out); both
  // operands broadcast ([B, 3, 1, ...] x [B, 1, 2, ...]); a vector-like product (N = 1); sizes past
  // one GEMM tile (the split-K path of the CUDA core on the tall-K case).
  const std::vector<std::pair<Dims, Dims>> cases = {
      {{3, 4}, {4, 5}},
      {{2, 3, 5, 4}, {2, 3, 4, 5}},
      {{2, 3, 5, 5}, {2, 3, 5, 4}},
      {{3, 4, 6}, {1, 6, 5}},
      {{1, 4, 6}, {3, 6, 5}},
      {{2, 3, 1, 4, 2}, {2, 1, 2, 2, 3}},
      {{2, 7, 9}, {2, 9, 1}},
      {{2, 130, 70}, {2, 70, 129}},
      {{1, 8, 3000}, {1, 3000, 6}},
  };
  uint64_t seed = 31;
  for (const auto& [a, b] : cases) checkOp(MatmulOpTest{matmulShape(a, b)}, seed++);
}

SJ_TEST(matmul_random) {
  std::mt19937_64 rng(777);
  for (int i = 0; i < 16; ++i) {
    const int64_t rank = draw(rng, 2, 5);
    Dims a, b;
    for (int64_t d = 0; d + 2 < rank; ++d) {
      const int64_t n = draw(rng, 1, 4), pick = draw(rng, 0, 3);
      a.push_back(pick == 1 ? 1 : n);
      b.push_back(pick == 2 ? 1 : n);
    }
    const int64_t m = draw(rng, 1, 9), k = draw(rng, 1, 9), n = draw(rng, 1, 9);
    a.push_back(m), a.push_back(k), b.push_back(k), b.push_back(n);
    checkOp(MatmulOpTest{matmulShape(a, b)}, 900 + i);
  }
}

SJ_TEST(matmul_rejects_bad_shapes) {
  expectError(ErrorCode::Shape, "the inner dimensions 4 and 3 differ", [] { matmulShape({2, 3, 4}, {2, 3, 5}); });
  expectError(ErrorCode::Shape, "must have one rank", [] { matmulShape({2, 3, 4}, {4, 5}); });
  expectError(ErrorCode::Shape, "must have one rank", [] { matmulShape({4}, {4}); });
  expectError(ErrorCode::Shape, "do not broadcast", [] { matmulShape({2, 3, 4}, {3, 4, 5}); });
}

}  // namespace sj::testing
