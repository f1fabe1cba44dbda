#include "expect_error.h"
#include "harness.h"
#include "kernels/pad.h"

namespace sj::testing {
namespace {

struct PadOp : OpTest<PadOp, ConstantPadShape> {
  std::string describe() const { return "pad " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.inputSize()}, {"dy", s.outputSize()}, {"y", s.outputSize(), Role::Output}, {"dx", s.inputSize(), Role::Output}};
  }
  // The backward reads only the elements of dy that x feeds: its compulsory bytes are those of dx.
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x"}, {"y"}}, {Pass::BackwardInput, {"dx"}, {"dx"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) constantPadForwardReference(s, t["x"].data(), t["y"].data());
    else constantPadBackwardInputReference(s, t["dy"].data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) constantPadForward(pool, s, t["x"].data(), t["y"].data());
    else constantPadBackwardInput(pool, s, t["dy"].data(), t["dx"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::constantPadForward(stream, s, d["x"], d["y"]);
    else cuda::constantPadBackwardInput(stream, s, d["dy"], d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? constantPadForwardCost(s) : constantPadBackwardInputCost(s); }
  OpChecks checks() const { return {0.0, 1e-6}; }  // a copy: fast must equal the reference exactly
};

using Dims = std::vector<int64_t>;

}  // namespace

SJ_TEST(pad_table) {
  // Whole tensors, batch first (never padded by the layer): the last axis on one side; both sides of
  // two axes with a fill value; nothing; every axis; a large tensor split over the pool.
  uint64_t seed = 80;
  for (const ConstantPadShape& s : {constantPadShape({2, 3, 4}, {0, 0, 2}, {0, 0, 0}, 0.f), constantPadShape({2, 3, 4}, {0, 1, 2}, {0, 3, 1}, -1.5f),
                            constantPadShape({2, 3}, {0, 0}, {0, 0}, 0.f), constantPadShape({1, 2, 2, 2}, {1, 1, 1, 1}, {1, 0, 2, 1}, 0.25f),
                            constantPadShape({4, 64, 300}, {0, 2, 5}, {0, 2, 5}, 0.f)})
    checkOp(PadOp{s}, seed++);
}

SJ_TEST(pad_fills_with_the_value) {
  const ConstantPadShape s = constantPadShape({1, 2}, {0, 1}, {0, 2}, 7.f);
  const std::vector<float> x = {1.f, 2.f};
  std::vector<float> y(5);
  constantPadForward(testPool(), s, x.data(), y.data());
  SJ_CHECK(y == (std::vector<float>{7.f, 1.f, 2.f, 7.f, 7.f}), "y = ", y[0], " ", y[1], " ", y[2], " ", y[3], " ", y[4]);
}

SJ_TEST(pad_rejects_negative_pads) {
  expectError(ErrorCode::Value, "must not be negative (axis 1)", [] { constantPadShape({2, 3}, {0, -1}, {0, 0}, 0.f); });
  expectError(ErrorCode::Shape, "needs one begin and one end pad per axis", [] { constantPadShape({2, 3}, {0}, {0, 0}, 0.f); });
}

}  // namespace sj::testing
