#include "expect_error.h"
#include "harness.h"
#include "kernels/slice.h"

namespace sj::testing {
namespace {

struct SliceOp : OpTest<SliceOp, SliceShape> {
  std::string describe() const { return "slice " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.inputSize()}, {"dy", s.outputSize()}, {"y", s.outputSize(), Role::Output}, {"dx", s.inputSize(), Role::Output}};
  }
  // The forward reads only the elements it takes: its compulsory bytes are those of y (as last_step).
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"y"}, {"y"}}, {Pass::BackwardInput, {"dy"}, {"dx"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) sliceForwardReference(s, t["x"].data(), t["y"].data());
    else sliceBackwardInputReference(s, t["dy"].data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) sliceForward(pool, s, t["x"].data(), t["y"].data());
    else sliceBackwardInput(pool, s, t["dy"].data(), t["dx"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::sliceForward(stream, s, d["x"], d["y"]);
    else cuda::sliceBackwardInput(stream, s, d["dy"], d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? sliceForwardCost(s) : sliceBackwardInputCost(s); }
  OpChecks checks() const { return {0.0, 1e-6}; }  // a copy: fast must equal the reference exactly
};

}  // namespace

SJ_TEST(slice_table) {
  // [start:end:step] of n: a middle run, a step of 2, negative indices, ends past the axis (clamped),
  // the last axis (inner 1), the first element only, a large tensor split over the pool.
  uint64_t seed = 70;
  for (const SliceShape& s : {sliceShape(2, 10, 3, 2, 7, 1), sliceShape(2, 10, 3, 1, 10, 2), sliceShape(3, 8, 4, -5, -1, 1), sliceShape(1, 6, 5, -100, 100, 4),
                              sliceShape(4, 9, 1, 0, 9, 3), sliceShape(2, 5, 6, 0, 1, 1), sliceShape(8, 100, 200, 10, 90, 3)})
    checkOp(SliceOp{s}, seed++);
}

SJ_TEST(slice_follows_onnx_clamping) {
  const SliceShape a = sliceShape(1, 10, 1, -3, INT64_MAX, 1);
  SJ_CHECK(a.start == 7 && a.count == 3, "[-3:] of 10: start ", a.start, " count ", a.count);
  const SliceShape b = sliceShape(1, 10, 1, 1, -1, 3);
  SJ_CHECK(b.start == 1 && b.count == 3, "[1:-1:3] of 10 takes 1, 4, 7: start ", b.start, " count ", b.count);
  const SliceShape c = sliceShape(1, 10, 1, -20, 2, 1);
  SJ_CHECK(c.start == 0 && c.count == 2, "[-20:2] of 10 clamps to [0:2]: start ", c.start, " count ", c.count);
}

SJ_TEST(slice_rejects_bad_ranges) {
  expectError(ErrorCode::Value, "step 0 must be positive", [] { sliceShape(1, 10, 1, 0, 5, 0); });
  expectError(ErrorCode::Value, "step -1 must be positive", [] { sliceShape(1, 10, 1, 5, 0, -1); });
  expectError(ErrorCode::Shape, "[5:5:1] of an axis of 10 is empty", [] { sliceShape(1, 10, 1, 5, 5, 1); });
  expectError(ErrorCode::Shape, "[12:20:1] of an axis of 10 is empty", [] { sliceShape(1, 10, 1, 12, 20, 1); });
}

}  // namespace sj::testing
