#include <cmath>
#include <cstdio>

#include "cuda_runs.h"
#include "expect_error.h"
#include "harness.h"
#include "kernels/layernorm.h"

namespace sj::testing {
namespace {

// Tolerances: the default 1e-4 of the largest value. The fast and CUDA kernels sum in double and
// normalise in float; dx is a difference of terms of size |dy weight| rstd that cancel (exactly
// for D = 2 with equal weights), so its float error is relative to those terms, not to dx.
struct LayerNormOp : OpTest<LayerNormOp, LayerNormShape> {
  double lo = -1.0, hi = 1.0;  // x drawn from [lo, hi)

  std::string describe() const { return "layernorm " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    const int64_t e = s.size(), r = s.rows, d = s.cols;
    std::vector<TensorDecl> t = {{"x", e, Role::Filled, lo, hi},  {"dy", e},
                                 {"y", e, Role::Output},          {"mean", r, Role::Output},
                                 {"rstd", r, Role::Output},       {"dx", e, Role::Output}};
    if (s.affine) {
      t.push_back({"weight", d, Role::Filled, 0.5, 1.5});
      t.push_back({"bias", d});
      t.push_back({"dweight", d, Role::Output});
      t.push_back({"dbias", d, Role::Output});
    }
    return t;
  }
  std::vector<PassIo> passes() const {
    if (!s.affine) return {{Pass::Forward, {"x"}, {"y", "mean", "rstd"}}, {Pass::BackwardInput, {"dy", "x", "mean", "rstd"}, {"dx"}}};
    return {{Pass::Forward, {"x", "weight", "bias"}, {"y", "mean", "rstd"}},
            {Pass::BackwardInput, {"dy", "x", "weight", "mean", "rstd"}, {"dx"}},
            {Pass::BackwardWeight, {"dy", "x", "mean", "rstd"}, {"dweight"}},
            {Pass::BackwardBias, {"dy"}, {"dbias"}}};
  }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    const T* w = s.affine ? t["weight"].data() : nullptr;
    const T* b = s.affine ? t["bias"].data() : nullptr;
    if (pass == Pass::Forward) layernormForwardReference(s, t["x"].data(), w, b, t["mean"].data(), t["rstd"].data(), t["y"].data());
    if (pass == Pass::BackwardInput)
      layernormBackwardInputReference(s, t["dy"].data(), t["x"].data(), w, t["mean"].data(), t["rstd"].data(), t["dx"].data());
    if (pass == Pass::BackwardWeight)
      layernormBackwardWeightReference(s, t["dy"].data(), t["x"].data(), t["mean"].data(), t["rstd"].data(), t["dweight"].data());
    if (pass == Pass::BackwardBias) layernormBackwardBiasReference(s, t["dy"].data(), t["dbias"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    const float* w = s.affine ? t["weight"].data() : nullptr;
    const float* b = s.affine ? t["bias"].data() : nullptr;
    if (pass == Pass::Forward) layernormForward(pool, s, t["x"].data(), w, b, t["mean"].data(), t["rstd"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) layernormBackwardInput(pool, s, t["dy"].data(), t["x"].data(), w, t["mean"].data(), t["rstd"].data(), t["dx"].data());
    if (pass == Pass::BackwardWeight)
      layernormBackwardWeight(pool, s, t["dy"].data(), t["x"].data(), t["mean"].data(), t["rstd"].data(), t["dweight"].data());
    if (pass == Pass::BackwardBias) layernormBackwardBias(pool, s, t["dy"].data(), t["dbias"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    const float* w = s.affine ? d["weight"] : nullptr;
    const float* b = s.affine ? d["bias"] : nullptr;
    if (pass == Pass::Forward) cuda::layernormForward(stream, s, d["x"], w, b, d["mean"], d["rstd"], d["y"]);
    if (pass == Pass::BackwardInput) cuda::layernormBackwardInput(stream, s, d["dy"], d["x"], w, d["mean"], d["rstd"], d["dx"]);
    if (pass == Pass::BackwardWeight) cuda::layernormBackwardWeight(stream, s, d["dy"], d["x"], d["mean"], d["rstd"], d["dweight"]);
    if (pass == Pass::BackwardBias) cuda::layernormBackwardBias(stream, s, d["dy"], d["dbias"]);
  }
  Cost cost(Pass pass) const {
    switch (pass) {
      case Pass::Forward: return layernormForwardCost(s);
      case Pass::BackwardInput: return layernormBackwardInputCost(s);
      case Pass::BackwardWeight: return layernormBackwardWeightCost(s);
      default: return layernormBackwardBiasCost(s);
    }
  }
};

LayerNormOp op(int64_t rows, int64_t cols, bool affine, double eps = 1e-5, double lo = -1.0, double hi = 1.0) {
  LayerNormOp o;
  o.s.rows = rows;
  o.s.cols = cols;
  o.s.affine = affine;
  o.s.eps = eps;
  o.lo = lo;
  o.hi = hi;
  return o;
}

}  // namespace

SJ_TEST(layernorm_table) {
  uint64_t seed = 1500;
  const LayerNormOp ops[] = {
      op(1, 1, true),     // one value: x-hat = 0, y = bias
      op(3, 2, true),     op(4, 7, false), op(5, 64, true), op(2, 300, true),  // a row wider than a CUDA block
      op(257, 33, true),  // more rows than a column-sum chunk
      op(6, 40, true, 1e-3, 100.0, 101.0),  // |mean| large against the spread: the two-pass statistics
      op(8, 16, false, 0.1),
  };
  for (const LayerNormOp& o : ops) {
    o.s.validate();
    checkOp(o, seed++);
  }
}

SJ_TEST(layernorm_random) {
  std::mt19937_64 rng(1551);
  for (int i = 0; i < 8; ++i) checkOp(op(draw(rng, 1, 60), draw(rng, 1, 90), i % 3 != 0), 1560 + i);
}

// A value computed by hand: the row (1, 2, 3, 4) has mean 2.5 and biased variance 1.25, so with
// eps = 0, x-hat = (x - 2.5) / sqrt(1.25); weight 2, bias 1 scale and shift it.
SJ_TEST(layernorm_known_values) {
  LayerNormShape s;
  s.rows = 1;
  s.cols = 4;
  s.eps = 1e-30;
  const float x[] = {1, 2, 3, 4}, w[] = {2, 2, 2, 2}, b[] = {1, 1, 1, 1};
  float y[4], mean, rstd;
  layernormForward(testPool(), s, x, w, b, &mean, &rstd, y);
  SJ_CHECK(mean == 2.5f && std::fabs(rstd - 1 / std::sqrt(1.25)) < 1e-7, "mean ", mean, " rstd ", rstd);
  for (int i = 0; i < 4; ++i) {
    const double want = (x[i] - 2.5) / std::sqrt(1.25) * 2 + 1;
    SJ_CHECK(std::fabs(y[i] - want) < 1e-6, "y[", i, "] = ", y[i], ", expected ", want);
  }
}

// Rows over several column-sum chunks and rows wider than a block, on the device, twice: the same
// bits both times.
SJ_TEST(layernorm_cuda_deterministic_and_accurate) {
  if (!cudaParityAvailable()) {
    std::printf("  layernorm_cuda_deterministic_and_accurate: skipped (%s)\n", cudaParityUnavailableReason().c_str());
    return;
  }
  checkCudaLargeAndDeterministic(op(300, 8, true), 1590);
  checkCudaLargeAndDeterministic(op(2, 700, true), 1591);
}

SJ_TEST(layernorm_rejects_bad_shapes) {
  expectError(ErrorCode::Shape, "layer_norm: dimensions must be positive, got x[0,4]", [] { op(0, 4, true).s.validate(); });
  expectError(ErrorCode::Value, "eps must be positive and finite, got 0", [] { op(2, 4, true, 0.0).s.validate(); });
}

}  // namespace sj::testing
