#include <cmath>
#include <cstdio>

#include "cuda_runs.h"
#include "expect_error.h"
#include "harness.h"
#include "kernels/glu.h"

namespace sj::testing {
namespace {

// Tolerances: fast within 1e-5 of max |ref| (observed up to 1.2e-6, in dx with saturated gates,
// where 1 - sig is taken from a float sig close to 1); the float GEMM adds C products per output,
// ~sqrt(C) * 6e-8 relative. Finite differences: the default 1e-6 with step 1e-6 (the function is
// smooth, central differences are accurate to ~1e-10).
struct GluOp : OpTest<GluOp, GluShape> {
  double xLo = -1.0, xHi = 1.0;

  std::string describe() const { return "glu " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    const int64_t e = s.size();
    return {{"x", e, Role::Filled, xLo, xHi},
            {"w", s.weightSize()},
            {"b", s.c},
            {"dy", e},
            {"lin", e, Role::Output},
            {"sig", e, Role::Output},
            {"y", e, Role::Output},
            {"dx", e, Role::Output},
            {"dw", s.weightSize(), Role::Output},
            {"db", s.c, Role::Output}};
  }
  std::vector<PassIo> passes() const {
    std::vector<PassIo> p = {{Pass::Forward, s.bias ? std::vector<std::string>{"x", "w", "b"} : std::vector<std::string>{"x", "w"}, {"lin", "sig", "y"}},
                             {Pass::BackwardInput, {"dy", "w", "lin", "sig"}, {"dx"}},
                             {Pass::BackwardWeight, {"dy", "sig", "x"}, {"dw"}}};
    if (s.bias) p.push_back({Pass::BackwardBias, {"dy", "sig"}, {"db"}});
    return p;
  }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    switch (pass) {
      case Pass::Forward:
        gluForwardReference(s, t["x"].data(), t["w"].data(), t["b"].data(), t["lin"].data(), t["sig"].data(), t["y"].data());
        break;
      case Pass::BackwardInput:
        gluBackwardInputReference(s, t["dy"].data(), t["w"].data(), t["lin"].data(), t["sig"].data(), t["dx"].data());
        break;
      case Pass::BackwardWeight: gluBackwardWeightReference(s, t["dy"].data(), t["sig"].data(), t["x"].data(), t["dw"].data()); break;
      case Pass::BackwardBias: gluBackwardBiasReference(s, t["dy"].data(), t["sig"].data(), t["db"].data()); break;
      default: break;
    }
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    switch (pass) {
      case Pass::Forward: gluForward(pool, s, t["x"].data(), t["w"].data(), t["b"].data(), t["lin"].data(), t["sig"].data(), t["y"].data()); break;
      case Pass::BackwardInput: gluBackwardInput(pool, s, t["dy"].data(), t["w"].data(), t["lin"].data(), t["sig"].data(), t["dx"].data()); break;
      case Pass::BackwardWeight: gluBackwardWeight(pool, s, t["dy"].data(), t["sig"].data(), t["x"].data(), t["dw"].data()); break;
      case Pass::BackwardBias: gluBackwardBias(pool, s, t["dy"].data(), t["sig"].data(), t["db"].data()); break;
      default: break;
    }
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    switch (pass) {
      case Pass::Forward: cuda::gluForward(stream, s, d["x"], d["w"], s.bias ? d["b"] : nullptr, d["lin"], d["sig"], d["y"]); break;
      case Pass::BackwardInput: cuda::gluBackwardInput(stream, s, d["dy"], d["w"], d["lin"], d["sig"], d["dx"]); break;
      case Pass::BackwardWeight: cuda::gluBackwardWeight(stream, s, d["dy"], d["sig"], d["x"], d["dw"]); break;
      case Pass::BackwardBias: cuda::gluBackwardBias(stream, s, d["dy"], d["sig"], d["db"]); break;
      default: break;
    }
  }
  Cost cost(Pass pass) const {
    switch (pass) {
      case Pass::Forward: return gluForwardCost(s);
      case Pass::BackwardInput: return gluBackwardInputCost(s);
      case Pass::BackwardWeight: return gluBackwardWeightCost(s);
      default: return gluBackwardBiasCost(s);
    }
  }
  OpChecks checks() const {
    OpChecks c;
    c.fastTolerance = 1e-5;
    return c;
  }
};

GluOp op(int64_t n, int64_t c, int64_t h, int64_t w, bool bias = true, double xLo = -1.0, double xHi = 1.0) {
  GluOp o;
  o.s.n = n, o.s.c = c, o.s.h = h, o.s.w = w, o.s.bias = bias, o.xLo = xLo, o.xHi = xHi;
  o.s.validate();
  return o;
}

}  // namespace

SJ_TEST(glu_table) {
  uint64_t seed = 61;
  const GluOp table[] = {
      op(1, 1, 1, 1),                      // smallest
      op(1, 1, 5, 3, false),               // C = 1, no bias
      op(2, 3, 1, 1),                      // H = W = 1
      op(3, 5, 7, 5),                      // odd sizes
      op(1, 17, 4, 9),                     // channels beyond one micro-tile, N = 1
      op(2, 33, 3, 7),                     // more rows than M splits
      op(2, 64, 8, 9),                     // large enough for a parallel GEMM
      op(40, 100, 1, 1),                   // more channels than positions: the GEMM splits rows
      op(2, 4, 6, 5, true, -30.0, 30.0),   // saturated gates on both sides
      op(1, 3, 4, 4, true, -100.0, 100.0), // exp(-|x|) underflows to 0, never overflows
      // The weight gradient's inner products: channel counts past and between their blocks of
      // 4 x 6, 3 x 4, 2 x 4; planes that end inside a vector, and planes longer than one block of
      // positions (cut into pieces a whole number of vectors long).
      op(2, 7, 3, 37),
      op(3, 13, 1, 5),
      op(1, 11, 40, 31),
      op(2, 25, 2, 701),
  };
  for (const GluOp& o : table) checkOp(o, seed++);
}

SJ_TEST(glu_random) {
  std::mt19937_64 rng(161803);
  for (int i = 0; i < 10; ++i) checkOp(op(draw(rng, 1, 3), draw(rng, 1, 24), draw(rng, 1, 9), draw(rng, 1, 9), draw(rng, 0, 1) == 1), 600 + i);
}

SJ_TEST(glu_thread_count_invariant) {
  GluShape s;
  s.n = 2, s.c = 64, s.h = 8, s.w = 9;
  const int64_t e = s.size();
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> x(e), dy(e), w(s.weightSize()), b(s.c);
  for (auto* v : {&x, &dy, &w, &b})
    for (float& f : *v) f = u(rng);
  auto run = [&](ThreadPool& pool) {
    std::vector<float> lin(e), sig(e), y(e), dx(e), dw(s.weightSize()), db(s.c);
    gluForward(pool, s, x.data(), w.data(), b.data(), lin.data(), sig.data(), y.data());
    gluBackwardInput(pool, s, dy.data(), w.data(), lin.data(), sig.data(), dx.data());
    gluBackwardWeight(pool, s, dy.data(), sig.data(), x.data(), dw.data());
    gluBackwardBias(pool, s, dy.data(), sig.data(), db.data());
    std::vector<float> all;
    for (const auto* v : {&lin, &sig, &y, &dx, &dw, &db}) all.insert(all.end(), v->begin(), v->end());
    return all;
  };
  ThreadPool one(1), five(5);
  SJ_CHECK(run(one) == run(five), "glu results must be bitwise the same for 1 and 5 threads");
}

// CUDA passes on shapes past one GEMM tile (128 or 64 rows x 128 columns, k-tile 8) with ragged
// edges, against the double reference, and twice more for bit-identical results.
SJ_TEST(glu_cuda_tiling_edges) {
  if (!cudaParityAvailable()) {
    std::printf("  glu_cuda_tiling_edges: skipped (%s)\n", cudaParityUnavailableReason().c_str());
    return;
  }
  const GluOp table[] = {
      op(2, 130, 3, 7),                      // C = 130: 3 tiles of 64 rows, 2 of 128 columns, ragged; planes of 21
      op(2, 200, 3, 5),                      // C = 200: 2 x 2 tiles of 128 x 128, ragged
      op(3, 5, 20, 25, false),               // dW K = 1500 positions split in 5
      op(2, 3, 40, 30, true, -30.0, 30.0),   // planes of 1200: a block per plane sum; saturated gates
  };
  uint64_t seed = 970;
  for (const GluOp& o : table) checkCudaLargeAndDeterministic(o, seed++);
}

SJ_TEST(glu_rejects_bad_shapes) {
  GluShape s;
  s.n = 2, s.c = 0, s.h = 3, s.w = 3;
  expectError(ErrorCode::Shape, "channels must be positive, got 0", [&] { s.validate(); });
  s.c = 3, s.w = -1;
  expectError(ErrorCode::Shape, "width must be positive, got -1", [&] { s.validate(); });
}

}  // namespace sj::testing
