#include "base/error.h"
#include "harness.h"
#include "kernels/softmax.h"

namespace sj::testing {
namespace {

struct SoftmaxOp : OpTest<SoftmaxOp, SoftmaxShape> {
  double range = 1.0;  // logits drawn from [-range, range)

  std::string describe() const { return "softmax " + s.describe() + " logits in +-" + std::to_string(range); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.size(), Role::Filled, -range, range},
            {"dy", s.size()},
            {"y", s.size(), Role::Output},
            {"dx", s.size(), Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x"}, {"y"}}, {Pass::BackwardInput, {"y", "dy"}, {"dx"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) softmaxForwardReference(s, t["x"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) softmaxBackwardInputReference(s, t["y"].data(), t["dy"].data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) softmaxForward(pool, s, t["x"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) softmaxBackwardInput(pool, s, t["y"].data(), t["dy"].data(), t["dx"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::softmaxForward(stream, s, d["x"], d["y"]);
    if (pass == Pass::BackwardInput) cuda::softmaxBackwardInput(stream, s, d["y"], d["dy"], d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? softmaxForwardCost(s) : softmaxBackwardInputCost(s); }
  // float exp and a double sum: a few float roundings per value, relative to the largest. With
  // widely spread logits one probability nears 1 and the gradients shrink to differences of
  // nearly equal terms: the fast backward starts from the float y of the fast forward, whose
  // rounding (2^-24 of 1) is then large against max |dx|. Those cases get a looser bound:
  // observed 1e-7 for logits within +-4, 3e-4 for the +-40 cases.
  OpChecks checks() const {
    OpChecks c;
    c.fastTolerance = range <= 4.0 ? 2e-6 : 3e-3;
    return c;
  }
};

SoftmaxOp op(int64_t outer, int64_t n, int64_t inner, double range = 1.0) { return SoftmaxOp{SoftmaxShape{outer, n, inner}, range}; }

}  // namespace

SJ_TEST(softmax_table) {
  uint64_t seed = 500;
  for (const SoftmaxOp& o : {
           op(1, 1, 1),        // n = 1: y = 1, dx = 0
           op(3, 1, 4),        // n = 1 with inner columns
           op(4, 10, 1),       // classes of [B][C]
           op(2, 1, 1),        // two rows of one
           op(3, 7, 10),       // time of [B][T][C]
           op(2, 5, 70),       // inner wider than one column block: a full block and a partial one
           op(1, 300, 1),      // a long row
           op(5, 3, 3),        // odd everything
           op(2, 9, 1, 40.0),  // wide logits: exp(x - max) underflows towards 0 without overflow
           op(2, 6, 3, 40.0),
       })
    checkOp(o, seed++);
}

SJ_TEST(softmax_random) {
  std::mt19937_64 rng(8080);
  for (int i = 0; i < 10; ++i) checkOp(op(draw(rng, 1, 6), draw(rng, 1, 40), draw(rng, 1, 80), 4.0), 520 + i);
}

// dx may be the same array as dy (the attention head relies on it).
SJ_TEST(softmax_backward_in_place) {
  const SoftmaxShape s{3, 5, 7};
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(s.size()), y(s.size()), dy(s.size()), dx(s.size());
  for (float& v : x) v = u(rng);
  for (float& v : dy) v = u(rng);
  softmaxForward(testPool(), s, x.data(), y.data());
  softmaxBackwardInput(testPool(), s, y.data(), dy.data(), dx.data());
  std::vector<float> inPlace = dy;
  softmaxBackwardInput(testPool(), s, y.data(), inPlace.data(), inPlace.data());
  SJ_CHECK(inPlace == dx, "fast softmax backward gives a different result when dx aliases dy");
  std::vector<double> yd(y.begin(), y.end()), dyd(dy.begin(), dy.end()), dxd(s.size());
  softmaxBackwardInputReference(s, yd.data(), dyd.data(), dxd.data());
  softmaxBackwardInputReference(s, yd.data(), dyd.data(), dyd.data());
  SJ_CHECK(dyd == dxd, "reference softmax backward gives a different result when dx aliases dy");
}

SJ_TEST(softmax_rejects_bad_shapes) {
  bool threw = false;
  try {
    SoftmaxShape{2, 0, 3}.validate();
  } catch (const Error& e) {
    threw = e.code() == ErrorCode::Shape && std::string(e.what()).find("[2,0,3]") != std::string::npos;
  }
  SJ_CHECK(threw, "an empty softmax axis must be rejected with E_SHAPE naming the shape");
}

// Results must not depend on how many threads share the work: bit-identical with 1, 2 and 5.
SJ_TEST(softmax_thread_count_independent) {
  for (const SoftmaxShape& s : {SoftmaxShape{1000, 100, 1}, SoftmaxShape{50, 30, 100}}) {
    std::mt19937_64 rng(6);
    std::uniform_real_distribution<float> u(-3.0f, 3.0f);
    std::vector<float> x(s.size()), dy(s.size());
    for (float& v : x) v = u(rng);
    for (float& v : dy) v = u(rng);
    std::vector<float> first;
    for (int threads : {1, 2, 5}) {
      ThreadPool pool(threads);
      std::vector<float> y(s.size()), dx(s.size());
      softmaxForward(pool, s, x.data(), y.data());
      softmaxBackwardInput(pool, s, y.data(), dy.data(), dx.data());
      y.insert(y.end(), dx.begin(), dx.end());
      if (first.empty()) first = y;
      SJ_CHECK(y == first, "softmax ", s.describe(), " with ", threads, " threads differs from 1 thread");
    }
  }
}

// Log-softmax over the same [outer][n][inner] views. The fast and CUDA kernels take exp in float
// and the sum and log in double: observed errors near 1e-7 of max |y|.
struct LogSoftmaxOp : OpTest<LogSoftmaxOp, SoftmaxShape> {
  double range = 1.0;  // logits drawn from [-range, range)

  std::string describe() const { return "log_softmax " + s.describe() + " logits in +-" + std::to_string(range); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.size(), Role::Filled, -range, range}, {"dy", s.size()}, {"y", s.size(), Role::Output}, {"dx", s.size(), Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x"}, {"y"}}, {Pass::BackwardInput, {"y", "dy"}, {"dx"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) logSoftmaxForwardReference(s, t["x"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) logSoftmaxBackwardInputReference(s, t["y"].data(), t["dy"].data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) logSoftmaxForward(pool, s, t["x"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) logSoftmaxBackwardInput(pool, s, t["y"].data(), t["dy"].data(), t["dx"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::logSoftmaxForward(stream, s, d["x"], d["y"]);
    if (pass == Pass::BackwardInput) cuda::logSoftmaxBackwardInput(stream, s, d["y"], d["dy"], d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? logSoftmaxForwardCost(s) : logSoftmaxBackwardInputCost(s); }
};

SJ_TEST(softmax_log_table) {
  uint64_t seed = 600;
  for (const SoftmaxShape& shape : {SoftmaxShape{1, 1, 1}, SoftmaxShape{4, 10, 1}, SoftmaxShape{3, 7, 10}, SoftmaxShape{2, 5, 70}, SoftmaxShape{1, 300, 1},
                                    SoftmaxShape{64, 40, 1}})
    checkOp(LogSoftmaxOp{shape, 1.0}, seed++);
  checkOp(LogSoftmaxOp{SoftmaxShape{2, 9, 3}, 40.0}, seed++);  // wide logits: log of a sum near 1, no overflow
}

SJ_TEST(softmax_log_random) {
  std::mt19937_64 rng(8181);
  for (int i = 0; i < 8; ++i) checkOp(LogSoftmaxOp{SoftmaxShape{draw(rng, 1, 6), draw(rng, 1, 40), draw(rng, 1, 30)}, 4.0}, 620 + i);
}

// log_softmax is log(softmax): the two kernels agree.
SJ_TEST(softmax_log_is_the_log_of_softmax) {
  const SoftmaxShape s{3, 11, 4};
  std::mt19937_64 rng(10);
  std::uniform_real_distribution<float> u(-5.0f, 5.0f);
  std::vector<float> x(s.size()), y(s.size()), logY(s.size());
  for (float& v : x) v = u(rng);
  softmaxForward(testPool(), s, x.data(), y.data());
  logSoftmaxForward(testPool(), s, x.data(), logY.data());
  for (int64_t i = 0; i < s.size(); ++i) SJ_CHECK(std::fabs(std::log(y[i]) - logY[i]) < 1e-5, "element ", i, ": log ", std::log(y[i]), " vs ", logY[i]);
}

}  // namespace sj::testing
