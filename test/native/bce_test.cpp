#include <limits>
#include <tuple>

#include "base/error.h"
#include "harness.h"
#include "kernels/bce.h"

namespace sj::testing {
namespace {

struct BceOp : OpTest<BceOp, BceShape> {
  std::string describe() const { return "bce " + s.describe(); }
  // Logits from [-6, 6); probabilities from [0.02, 0.98), where the finite differences of the
  // logs stay accurate (and far from the -100 clamp, which only matters below p = e^-100).
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.size, Role::Filled, s.logits ? -6.0 : 0.02, s.logits ? 6.0 : 0.98},
            {"t", s.size, Role::Filled, 0.0, 1.0},
            {"g", 1},
            {"loss", 1, Role::Output},
            {"dx", s.size, Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x", "t"}, {"loss"}}, {Pass::BackwardInput, {"x", "t", "g"}, {"dx"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) bceForwardReference(s, t["x"].data(), t["t"].data(), t["loss"].data());
    if (pass == Pass::BackwardInput) bceBackwardInputReference(s, t["x"].data(), t["t"].data(), t["g"].data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) bceForward(pool, s, t["x"].data(), t["t"].data(), t["loss"].data());
    if (pass == Pass::BackwardInput) bceBackwardInput(pool, s, t["x"].data(), t["t"].data(), t["g"].data(), t["dx"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::bceForward(stream, s, d["x"], d["t"], d["loss"]);
    if (pass == Pass::BackwardInput) cuda::bceBackwardInput(stream, s, d["x"], d["t"], d["g"], d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? bceForwardCost(s) : bceBackwardInputCost(s); }
  std::vector<LossTerm> loss() const { return {{"loss", "g"}}; }
  // Per-element float logs and exps, summed in double; the backward divides by p(1 - p) >= 0.0196.
  OpChecks checks() const {
    OpChecks c;
    c.fastTolerance = 1e-6;
    return c;
  }
};

BceShape shape(int64_t size, bool logits) { return BceShape{size, logits}; }

}  // namespace

SJ_TEST(bce_table) {
  uint64_t seed = 700;
  // one element, odd sizes, one block exactly, several blocks with a partial last one
  for (bool logits : {true, false})
    for (int64_t size : {1, 2, 7, 4096, 10007, 48 * 156 * 10}) checkOp(BceOp{shape(size, logits)}, seed++);
}

SJ_TEST(bce_random) {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 8; ++i) checkOp(BceOp{shape(draw(rng, 1, 3000), i % 2 == 0)}, 720 + i);
}

// Saturated inputs: no overflow from logits, the -100 clamp for probabilities 0 and 1.
SJ_TEST(bce_extremes) {
  const float logits[] = {-200.0f, 200.0f}, targets[] = {1.0f, 0.0f}, one = 1.0f;
  float loss = 0.0f, dx[2];
  bceForward(testPool(), shape(2, true), logits, targets, &loss);
  SJ_CHECK(std::fabs(loss - 200.0f) < 1e-4f, "logits -200 and 200 against targets 1 and 0: mean loss ", loss, ", expected 200");
  bceBackwardInput(testPool(), shape(2, true), logits, targets, &one, dx);
  SJ_CHECK(dx[0] == -0.5f && dx[1] == 0.5f, "saturated logit gradients ", dx[0], ", ", dx[1], ", expected -0.5, 0.5");
  const float probs[] = {0.0f, 1.0f};
  bceForward(testPool(), shape(2, false), probs, targets, &loss);
  SJ_CHECK(loss == 100.0f, "probabilities 0 and 1 against targets 1 and 0: mean loss ", loss, ", expected the clamp 100");
  bceBackwardInput(testPool(), shape(2, false), probs, targets, &one, dx);
  SJ_CHECK(std::isfinite(dx[0]) && std::isfinite(dx[1]) && dx[0] < 0.0f && dx[1] > 0.0f, "clamped gradients ", dx[0], ", ", dx[1]);
}

SJ_TEST(bce_rejects_bad_shapes_and_values) {
  auto error = [](auto&& call) -> std::pair<ErrorCode, std::string> {
    try {
      call();
    } catch (const Error& e) {
      return {e.code(), e.what()};
    }
    return {ErrorCode::Internal, ""};
  };
  auto [code, message] = error([] { shape(0, true).validate(); });
  SJ_CHECK(code == ErrorCode::Shape && message.find("bce") != std::string::npos, "an empty input: ", message);

  const float p[] = {0.5f, 1.5f, 0.5f}, t[] = {0.0f, 1.0f, 0.5f};
  float loss = 0.0f;
  std::tie(code, message) = error([&] { bceForward(testPool(), shape(3, false), p, t, &loss); });
  SJ_CHECK(code == ErrorCode::Value && message.find("p[1] = 1.5") != std::string::npos, "a probability of 1.5: ", message);
  std::tie(code, message) = error([&] { bceForward(testPool(), shape(3, true), p, t, &loss); });
  SJ_CHECK(message.empty(), "logits may be any number: ", message);

  const float badT[] = {0.0f, std::numeric_limits<float>::quiet_NaN(), -0.25f};
  std::tie(code, message) = error([&] { bceCheckValues(shape(3, true), p, badT); });
  SJ_CHECK(code == ErrorCode::Value && message.find("t[1]") != std::string::npos, "a NaN target: ", message);
  std::vector<float> many(10000, 0.5f), targets(10000, 0.5f);
  targets[9000] = 2.0f;  // in the third block of the fast forward
  std::tie(code, message) = error([&] { bceForward(testPool(), shape(10000, true), many.data(), targets.data(), &loss); });
  SJ_CHECK(code == ErrorCode::Value && message.find("t[9000] = 2") != std::string::npos, "a target of 2 in a later block: ", message);
}

// Results must not depend on how many threads share the work: bit-identical with 1, 2 and 5
// (the loss is a sum over fixed blocks, not over per-thread ranges).
SJ_TEST(bce_thread_count_independent) {
  for (bool logits : {true, false}) {
    const BceShape s = shape(50000, logits);
    std::mt19937_64 rng(8);
    std::uniform_real_distribution<float> ux(logits ? -6.0f : 0.01f, logits ? 6.0f : 0.99f), ut(0.0f, 1.0f);
    std::vector<float> x(s.size), t(s.size);
    for (float& v : x) v = ux(rng);
    for (float& v : t) v = ut(rng);
    const float g = 0.7f;
    std::vector<float> first;
    for (int threads : {1, 2, 5}) {
      ThreadPool pool(threads);
      std::vector<float> out(1 + s.size);
      bceForward(pool, s, x.data(), t.data(), out.data());
      bceBackwardInput(pool, s, x.data(), t.data(), &g, out.data() + 1);
      if (first.empty()) first = out;
      SJ_CHECK(out == first, "bce ", s.describe(), " with ", threads, " threads differs from 1 thread");
    }
  }
}

}  // namespace sj::testing
