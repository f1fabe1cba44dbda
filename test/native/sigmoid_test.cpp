#include "base/error.h"
#include "harness.h"
#include "kernels/sigmoid.h"

namespace sj::testing {
namespace {

struct SigmoidOp : OpTest<SigmoidOp, SigmoidShape> {
  double range = 4.0;  // x drawn from [-range, range)

  std::string describe() const { return "sigmoid " + s.describe() + " x in +-" + std::to_string(range); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.size, Role::Filled, -range, range}, {"dy", s.size}, {"y", s.size, Role::Output}, {"dx", s.size, Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x"}, {"y"}}, {Pass::BackwardInput, {"y", "dy"}, {"dx"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) sigmoidForwardReference(s, t["x"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) sigmoidBackwardInputReference(s, t["y"].data(), t["dy"].data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) sigmoidForward(pool, s, t["x"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) sigmoidBackwardInput(pool, s, t["y"].data(), t["dy"].data(), t["dx"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::sigmoidForward(stream, s, d["x"], d["y"]);
    if (pass == Pass::BackwardInput) cuda::sigmoidBackwardInput(stream, s, d["y"], d["dy"], d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? sigmoidForwardCost(s) : sigmoidBackwardInputCost(s); }
  // One float exp and one division per value.
  OpChecks checks() const {
    OpChecks c;
    c.fastTolerance = 1e-6;
    return c;
  }
};

}  // namespace

SJ_TEST(sigmoid_table) {
  uint64_t seed = 600;
  for (const SigmoidOp& o : {SigmoidOp{{1}}, SigmoidOp{{2}}, SigmoidOp{{17}}, SigmoidOp{{1000}}, SigmoidOp{{40000}},
                             SigmoidOp{{333}, 100.0} /* saturates both ways without overflow */})
    checkOp(o, seed++);
}

SJ_TEST(sigmoid_random) {
  std::mt19937_64 rng(1234);
  for (int i = 0; i < 8; ++i) checkOp(SigmoidOp{{draw(rng, 1, 5000)}, 10.0}, 620 + i);
}

// Extremes: no overflow, exact limits, symmetric around 0.
SJ_TEST(sigmoid_extremes) {
  const float x[] = {-1000.0f, -88.0f, 0.0f, 88.0f, 1000.0f};
  float y[5];
  sigmoidForward(testPool(), SigmoidShape{5}, x, y);
  SJ_CHECK(y[0] == 0.0f && y[4] == 1.0f && y[2] == 0.5f, "sigmoid(-1000, 0, 1000) = ", y[0], ", ", y[2], ", ", y[4]);
  SJ_CHECK(y[1] > 0.0f && std::fabs(y[1] + y[3] - 1.0f) < 1e-7f, "sigmoid(-88) = ", y[1], ", sigmoid(88) = ", y[3]);
}

SJ_TEST(sigmoid_rejects_bad_shapes) {
  bool threw = false;
  try {
    SigmoidShape{0}.validate();
  } catch (const Error& e) {
    threw = e.code() == ErrorCode::Shape && std::string(e.what()).find("sigmoid") != std::string::npos;
  }
  SJ_CHECK(threw, "an empty tensor must be rejected with E_SHAPE");
}

// Results must not depend on how many threads share the work: bit-identical with 1, 2 and 5.
SJ_TEST(sigmoid_thread_count_independent) {
  const SigmoidShape s{100000};
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<float> u(-8.0f, 8.0f);
  std::vector<float> x(s.size), dy(s.size);
  for (float& v : x) v = u(rng);
  for (float& v : dy) v = u(rng);
  std::vector<float> first;
  for (int threads : {1, 2, 5}) {
    ThreadPool pool(threads);
    std::vector<float> y(s.size), dx(s.size);
    sigmoidForward(pool, s, x.data(), y.data());
    sigmoidBackwardInput(pool, s, y.data(), dy.data(), dx.data());
    y.insert(y.end(), dx.begin(), dx.end());
    if (first.empty()) first = y;
    SJ_CHECK(y == first, "sigmoid with ", threads, " threads differs from 1 thread");
  }
}

}  // namespace sj::testing
