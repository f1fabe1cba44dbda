#include "harness.h"
#include "kernels/layout.h"
#include "kernels/mean.h"

namespace sj::testing {
namespace {

struct PermuteOp : OpTest<PermuteOp, PermuteShape> {
  std::string describe() const { return "permute " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    const int64_t size = s.n * s.sampleSize();
    return {{"x", size}, {"dy", size}, {"y", size, Role::Output}, {"dx", size, Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x"}, {"y"}}, {Pass::BackwardInput, {"dy"}, {"dx"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) permuteForwardReference(s, t["x"].data(), t["y"].data());
    else permuteBackwardInputReference(s, t["dy"].data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) permuteForward(pool, s, t["x"].data(), t["y"].data());
    else permuteBackwardInput(pool, s, t["dy"].data(), t["dx"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::permuteForward(stream, s, d["x"], d["y"]);
    else cuda::permuteBackwardInput(stream, s, d["dy"], d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? permuteForwardCost(s) : permuteBackwardInputCost(s); }
  OpChecks checks() const { return {0.0, 1e-6}; }  // a copy: fast must equal the reference exactly
};

struct LastStepOp : OpTest<LastStepOp, LastStepShape> {
  std::string describe() const { return "last_step " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.n * s.t * s.f}, {"dy", s.n * s.f}, {"y", s.n * s.f, Role::Output}, {"dx", s.n * s.t * s.f, Role::Output}};
  }
  // The forward reads only the last step of x: its compulsory bytes are those of y.
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"y"}, {"y"}}, {Pass::BackwardInput, {"dy"}, {"dx"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) lastStepForwardReference(s, t["x"].data(), t["y"].data());
    else lastStepBackwardInputReference(s, t["dy"].data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) lastStepForward(pool, s, t["x"].data(), t["y"].data());
    else lastStepBackwardInput(pool, s, t["dy"].data(), t["dx"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::lastStepForward(stream, s, d["x"], d["y"]);
    else cuda::lastStepBackwardInput(stream, s, d["dy"], d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? lastStepForwardCost(s) : lastStepBackwardInputCost(s); }
  OpChecks checks() const { return {0.0, 1e-6}; }
};

struct MeanOp : OpTest<MeanOp, MeanShape> {
  std::string describe() const { return "mean " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    const int64_t in = s.outer * s.n * s.inner, out = s.outer * s.inner;
    return {{"x", in}, {"dy", out}, {"y", out, Role::Output}, {"dx", in, Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x"}, {"y"}}, {Pass::BackwardInput, {"dy"}, {"dx"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) meanForwardReference(s, t["x"].data(), t["y"].data());
    else meanBackwardInputReference(s, t["dy"].data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) meanForward(pool, s, t["x"].data(), t["y"].data());
    else meanBackwardInput(pool, s, t["dy"].data(), t["dx"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::meanForward(stream, s, d["x"], d["y"]);
    else cuda::meanBackwardInput(stream, s, d["dy"], d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? meanForwardCost(s) : meanBackwardInputCost(s); }
  OpChecks checks() const { return {1e-6, 1e-6}; }
};

}  // namespace

SJ_TEST(permute_table) {
  uint64_t seed = 11;
  const std::vector<PermuteShape> table = {
      {1, {1}, {0}},
      {2, {3, 4}, {1, 0}},
      {3, {2, 5, 7}, {2, 0, 1}},  // [C, bands, frames] -> [frames, C, bands], as the sound RNN does
      {2, {2, 3, 4, 5}, {3, 1, 0, 2}},
      {1, {1, 9, 1}, {1, 2, 0}},
  };
  for (const PermuteShape& s : table) checkOp(PermuteOp{s}, seed++);
}

SJ_TEST(permute_rejects_a_non_permutation) {
  PermuteShape s{1, {2, 3}, {0, 0}};
  bool threw = false;
  try {
    s.validate();
  } catch (const std::exception& e) {
    threw = std::string(e.what()).find("not a permutation") != std::string::npos;
  }
  SJ_CHECK(threw, "order [0,0] must be rejected");
}

SJ_TEST(last_step_table) {
  uint64_t seed = 21;
  for (const LastStepShape& s : {LastStepShape{1, 1, 1}, LastStepShape{3, 5, 2}, LastStepShape{2, 1, 7}, LastStepShape{4, 9, 3}})
    checkOp(LastStepOp{s}, seed++);
}

SJ_TEST(mean_table) {
  uint64_t seed = 31;
  for (const MeanShape& s : {MeanShape{1, 1, 1}, MeanShape{2, 7, 3}, MeanShape{3, 1, 5}, MeanShape{1, 64, 10}, MeanShape{5, 3, 1}})
    checkOp(MeanOp{s}, seed++);
}

}  // namespace sj::testing

#include "kernels/add.h"

namespace sj::testing {
namespace {

struct AddOp : OpTest<AddOp, AddShape> {
  std::string describe() const { return "add " + s.describe(); }
  std::vector<TensorDecl> tensors() const { return {{"a", s.size}, {"b", s.size}, {"dy", s.size}, {"y", s.size, Role::Output}}; }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"a", "b"}, {"y"}}}; }  // the backward is the identity
  template <class T>
  void reference(Pass, Tensors<T>& t) const {
    addForwardReference(s, t["a"].data(), t["b"].data(), t["y"].data());
  }
  void fast(Pass, Tensors<float>& t, ThreadPool& pool) const { addForward(pool, s, t["a"].data(), t["b"].data(), t["y"].data()); }
  void cuda(Pass, DeviceTensors& d, CudaStream stream) const { cuda::addForward(stream, s, d["a"], d["b"], d["y"]); }
  Cost cost(Pass) const { return addForwardCost(s); }
  OpChecks checks() const { return {1e-7, 1e-6}; }
};

}  // namespace

SJ_TEST(add_table) {
  uint64_t seed = 41;
  for (int64_t n : {1, 7, 100000}) checkOp(AddOp{AddShape{n}}, seed++);
}

}  // namespace sj::testing

namespace sj::testing {

// Shapes for the CUDA permute's two paths: tiled transposes with partial tiles (extents not
// multiples of 32), several tiles per plane, extent-1 axes that are dropped and neighbouring axes
// that are merged; and gathers that keep the innermost axis.
SJ_TEST(permute_tiles_and_merges) {
  uint64_t seed = 61;
  const std::vector<PermuteShape> table = {
      {2, {40, 70}, {1, 0}},            // 2 x 3 tiles, partial on both axes
      {1, {33, 5, 65}, {2, 1, 0}},      // the outer axis is the inner one: tiled, a middle axis indexes tiles
      {3, {4, 1, 50, 2}, {2, 0, 3, 1}},  // an extent-1 axis
      {2, {3, 4, 5, 6}, {2, 3, 0, 1}},  // merges into a 2-D transpose of [12][30]
      {2, {3, 4, 5}, {1, 0, 2}},        // innermost axis kept: the gather
  };
  for (const PermuteShape& s : table) checkOp(PermuteOp{s}, seed++);
}

}  // namespace sj::testing
