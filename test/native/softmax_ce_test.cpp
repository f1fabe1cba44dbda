#include <cmath>
#include <random>

#include "base/error.h"
#include "harness.h"
#include "kernels/softmax_ce.h"

namespace sj::testing {
namespace {

struct SoftmaxCeOp : OpTest<SoftmaxCeOp, SoftmaxCeShape> {
  std::string describe() const { return "softmax-ce " + s.describe(); }
  // Logits from [-6, 6); targets anywhere in [0, 1] (class probabilities need not sum to 1 for
  // the formula, and unnormalised rows test the sum_c t_c factor of the gradient).
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.size(), Role::Filled, -6.0, 6.0},
            {"t", s.size(), Role::Filled, 0.0, 1.0},
            {"g", 1},
            {"loss", 1, Role::Output},
            {"dx", s.size(), Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x", "t"}, {"loss"}}, {Pass::BackwardInput, {"x", "t", "g"}, {"dx"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) softmaxCeForwardReference(s, t["x"].data(), t["t"].data(), t["loss"].data());
    if (pass == Pass::BackwardInput) softmaxCeBackwardInputReference(s, t["x"].data(), t["t"].data(), t["g"].data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) softmaxCeForward(pool, s, t["x"].data(), t["t"].data(), t["loss"].data());
    if (pass == Pass::BackwardInput) softmaxCeBackwardInput(pool, s, t["x"].data(), t["t"].data(), t["g"].data(), t["dx"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::softmaxCeForward(stream, s, d["x"], d["t"], d["loss"]);
    if (pass == Pass::BackwardInput) cuda::softmaxCeBackwardInput(stream, s, d["x"], d["t"], d["g"], d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? softmaxCeForwardCost(s) : softmaxCeBackwardInputCost(s); }
  std::vector<LossTerm> loss() const { return {{"loss", "g"}}; }
};

SoftmaxCeShape shape(int64_t rows, int64_t classes) { return SoftmaxCeShape{rows, classes}; }

}  // namespace

SJ_TEST(softmaxce_table) {
  uint64_t seed = 900;
  // two classes, one row, rows across the CPU's blocks of 256, many classes
  const SoftmaxCeShape table[] = {shape(1, 2), shape(3, 3), shape(7, 10), shape(300, 4), shape(513, 3), shape(2, 527)};
  for (const SoftmaxCeShape& s : table) checkOp(SoftmaxCeOp{s}, seed++);
}

SJ_TEST(softmaxce_random) {
  std::mt19937_64 rng(17);
  for (int i = 0; i < 8; ++i) checkOp(SoftmaxCeOp{shape(draw(rng, 1, 600), draw(rng, 2, 40))}, 920 + i);
}

// Values worked by hand: logits (0, ln 3) against class 1 give softmax (1/4, 3/4), loss
// -log(3/4), gradient (1/4, -1/4); huge logits do not overflow.
SJ_TEST(softmaxce_known_values) {
  const float x[] = {0.0f, std::log(3.0f), 1000.0f, -1000.0f}, t[] = {0.0f, 1.0f, 0.0f, 1.0f}, one = 1.0f;
  float loss = 0.0f, dx[4];
  softmaxCeForward(testPool(), shape(1, 2), x, t, &loss);
  SJ_CHECK(std::fabs(loss + std::log(0.75f)) < 1e-6f, "loss ", loss, ", expected -log(3/4)");
  softmaxCeBackwardInput(testPool(), shape(1, 2), x, t, &one, dx);
  SJ_CHECK(std::fabs(dx[0] - 0.25f) < 1e-6f && std::fabs(dx[1] + 0.25f) < 1e-6f, "gradient ", dx[0], ", ", dx[1], ", expected 1/4, -1/4");
  softmaxCeForward(testPool(), shape(2, 2), x, t, &loss);
  SJ_CHECK(std::fabs(loss - (-std::log(0.75f) + 2000.0f) / 2) < 1e-2f, "with logits +-1000: mean loss ", loss, ", expected (-log 3/4 + 2000) / 2");
}

SJ_TEST(softmaxce_rejects_bad_shapes) {
  auto rejects = [](SoftmaxCeShape s, const char* words) {
    try {
      s.validate();
    } catch (const Error& e) {
      return e.code() == ErrorCode::Shape && std::string(e.what()).find(words) != std::string::npos;
    }
    return false;
  };
  SJ_CHECK(rejects(shape(0, 3), "must have rows, got 0"), "no rows must be rejected");
  SJ_CHECK(rejects(shape(4, 1), "at least 2 classes, got 1"), "one class must be rejected");
}

// Bit-identical with 1, 2 and 5 threads: the loss is a sum over fixed blocks of rows.
SJ_TEST(softmaxce_thread_count_independent) {
  const SoftmaxCeShape s = shape(5000, 7);
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<float> ux(-6.0f, 6.0f), ut(0.0f, 1.0f);
  std::vector<float> x(s.size()), t(s.size());
  for (float& v : x) v = ux(rng);
  for (float& v : t) v = ut(rng);
  const float g = 0.7f;
  std::vector<float> first;
  for (int threads : {1, 2, 5}) {
    ThreadPool pool(threads);
    std::vector<float> out(1 + s.size());
    softmaxCeForward(pool, s, x.data(), t.data(), out.data());
    softmaxCeBackwardInput(pool, s, x.data(), t.data(), &g, out.data() + 1);
    if (first.empty()) first = out;
    SJ_CHECK(out == first, "softmax-ce differs with ", threads, " threads");
  }
}

}  // namespace sj::testing
