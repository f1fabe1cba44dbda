// Optimizer steps are not gradients, so there is no finite-difference check: the fast kernels are
// compared with the double reference over several consecutive steps, and the cost formula with
// the operations the reference executes at each step.
#include <typeinfo>

#include "base/error.h"
#include "harness.h"
#include "kernels/optimizer.h"

namespace sj::testing {
namespace {

// Runs `count` optimizer passes in a row, starting at step `firstStep`. The op keeps one step
// counter per scalar type the reference runs in, one for the fast kernel and one for the CUDA
// kernel, so each sequence of passes sees steps firstStep, firstStep + 1, ... Every sequence
// starts again from the initial tensors (the harness runs the double reference once beside the
// fast kernel and once beside the CUDA kernel), so a counter wraps to firstStep after `count`
// steps. The harness compares a pass's cost right after the counting run of that pass, so cost()
// describes the step that run just took.
struct StepCounter {
  int64_t firstStep = 1;
  int count = 1;
  mutable std::map<std::string, int64_t> done;

  int64_t next(const std::string& key) const {
    auto it = done.find(key);
    return done[key] = it == done.end() || it->second == firstStep + count - 1 ? firstStep : it->second + 1;
  }
  int64_t lastCounted() const { return done.at(typeid(Counted).name()); }
};

// m and v start at zero before step 1 (as torch.optim creates them); later starts draw a state.
std::vector<TensorDecl> stateTensors(int64_t size, int64_t firstStep, bool second) {
  std::vector<TensorDecl> t = {{"p", size}, {"g", size}};
  if (firstStep == 1) {
    t.push_back({"m", size, Role::Zeroed});
    if (second) t.push_back({"v", size, Role::Zeroed});
  } else {
    t.push_back({"m", size});
    if (second) t.push_back({"v", size, Role::Filled, 0.0, 0.5});  // a second moment is >= 0
  }
  return t;
}

struct AdamOp : OpTest<AdamOp, AdamShape> {
  StepCounter steps;
  int count = 3;

  std::string describe() const { return s.describe() + " steps " + std::to_string(steps.firstStep) + "+" + std::to_string(count); }
  std::vector<TensorDecl> tensors() const { return stateTensors(s.size, steps.firstStep, true); }
  std::vector<PassIo> passes() const { return std::vector<PassIo>(count, {Pass::Optimizer, {"p", "g", "m", "v"}, {"p", "m", "v"}}); }
  template <class T>
  void reference(Pass, Tensors<T>& t) const {
    adamReference(s, steps.next(typeid(T).name()), t["p"].data(), t["g"].data(), t["m"].data(), t["v"].data());
  }
  void fast(Pass, Tensors<float>& t, ThreadPool& pool) const {
    adamStep(pool, s, steps.next("fast"), t["p"].data(), t["g"].data(), t["m"].data(), t["v"].data());
  }
  void cuda(Pass, DeviceTensors& d, CudaStream stream) const { cuda::adamStep(stream, s, steps.next("cuda"), d["p"], d["g"], d["m"], d["v"]); }
  Cost cost(Pass) const { return adamCost(s); }
  // A handful of float roundings per step on p, m and v.
  OpChecks checks() const {
    OpChecks c;
    c.fastTolerance = 1e-6;
    return c;
  }
};

struct SgdOp : OpTest<SgdOp, SgdShape> {
  StepCounter steps;
  int count = 3;

  std::string describe() const { return s.describe() + " steps " + std::to_string(steps.firstStep) + "+" + std::to_string(count); }
  std::vector<TensorDecl> tensors() const { return stateTensors(s.size, steps.firstStep, false); }
  // The momentum buffer is read from the second step on.
  std::vector<PassIo> passes() const {
    const bool momentum = s.momentum != 0.0;
    std::vector<PassIo> p;
    for (int i = 0; i < count; ++i) {
      const bool buffered = momentum && steps.firstStep + i > 1;
      p.push_back({Pass::Optimizer, buffered ? std::vector<std::string>{"p", "g", "m"} : std::vector<std::string>{"p", "g"},
                   momentum ? std::vector<std::string>{"p", "m"} : std::vector<std::string>{"p"}});
    }
    return p;
  }
  template <class T>
  void reference(Pass, Tensors<T>& t) const {
    sgdReference(s, steps.next(typeid(T).name()), t["p"].data(), t["g"].data(), t["m"].data());
  }
  void fast(Pass, Tensors<float>& t, ThreadPool& pool) const { sgdStep(pool, s, steps.next("fast"), t["p"].data(), t["g"].data(), t["m"].data()); }
  void cuda(Pass, DeviceTensors& d, CudaStream stream) const { cuda::sgdStep(stream, s, steps.next("cuda"), d["p"], d["g"], d["m"]); }
  Cost cost(Pass) const { return sgdCost(s, steps.lastCounted()); }
  OpChecks checks() const {
    OpChecks c;
    c.fastTolerance = 1e-6;
    return c;
  }
};

AdamOp adam(int64_t size, int64_t firstStep, int count, double weightDecay = 0.0, double lr = 1e-3) {
  AdamShape s;
  s.size = size, s.weightDecay = weightDecay, s.lr = lr;
  return AdamOp{s, StepCounter{firstStep, count, {}}, count};
}

SgdOp sgd(int64_t size, int64_t firstStep, int count, double momentum, double dampening = 0.0, bool nesterov = false,
          double weightDecay = 0.0) {
  SgdShape s;
  s.size = size, s.lr = 0.05, s.momentum = momentum, s.dampening = dampening, s.nesterov = nesterov, s.weightDecay = weightDecay;
  return SgdOp{s, StepCounter{firstStep, count, {}}, count};
}

}  // namespace

SJ_TEST(optimizer_adam_table) {
  uint64_t seed = 900;
  for (const AdamOp& o : {
           adam(1, 1, 1),             // one element, one step
           adam(7, 1, 5),             // from zero state, five steps
           adam(33, 1, 4, 1e-2),      // L2 weight decay
           adam(40000, 1, 3),         // several tasks
           adam(129, 1000, 3),        // a later step from a drawn state: bias corrections far from step 1
           adam(65, 7, 4, 5e-4, 0.1), // large learning rate, weight decay
       })
    checkOp(o, seed++);
}

SJ_TEST(optimizer_sgd_table) {
  uint64_t seed = 920;
  for (const SgdOp& o : {
           sgd(1, 1, 1, 0.0),                       // plain SGD
           sgd(9, 1, 3, 0.0, 0.0, false, 1e-2),     // plain SGD, weight decay
           sgd(17, 1, 4, 0.9),                      // momentum: step 1 copies the gradient
           sgd(17, 1, 4, 0.9, 0.5),                 // dampening
           sgd(31, 1, 3, 0.9, 0.0, true),           // Nesterov
           sgd(40000, 1, 3, 0.9, 0.0, true, 1e-4),  // several tasks, everything on
           sgd(23, 5, 3, 0.8, 0.1, false, 1e-3),    // a later step from a drawn buffer
       })
    checkOp(o, seed++);
}

SJ_TEST(optimizer_random) {
  std::mt19937_64 rng(31337);
  for (int i = 0; i < 6; ++i) {
    checkOp(adam(draw(rng, 1, 5000), draw(rng, 1, 3) == 1 ? 1 : draw(rng, 2, 50), 3, draw(rng, 0, 1) * 1e-3), 940 + i);
    const bool nesterov = draw(rng, 0, 1) == 1;
    checkOp(sgd(draw(rng, 1, 5000), draw(rng, 1, 3), 3, draw(rng, 0, 1) * 0.9, nesterov ? 0.0 : 0.25 * draw(rng, 0, 2), nesterov, 1e-3),
            960 + i);
  }
}

// Step 1 in closed form: from zero moments, m / bc1 = g and sqrt(v) / sqrt(bc2) = |g|, so Adam
// moves every parameter by lr * g / (|g| + eps); SGD with momentum moves by lr * g (Nesterov:
// lr * g * (1 + momentum)).
SJ_TEST(optimizer_first_step_closed_form) {
  AdamShape a;
  a.size = 3;
  std::vector<double> p = {0.5, -0.25, 1.0}, g = {0.3, -2.0, 1e-3}, m(3, 0.0), v(3, 0.0);
  const std::vector<double> p0 = p;
  adamReference(a, 1, p.data(), g.data(), m.data(), v.data());
  for (int i = 0; i < 3; ++i) {
    const double want = p0[i] - a.lr * g[i] / (std::fabs(g[i]) + a.eps);
    SJ_CHECK(std::fabs(p[i] - want) < 1e-15, "adam step 1: p[", i, "] = ", p[i], ", expected ", want);
  }
  SgdShape s;
  s.size = 3, s.lr = 0.1, s.momentum = 0.9, s.nesterov = true;
  p = p0;
  std::fill(m.begin(), m.end(), 123.0);  // whatever the buffer held, step 1 overwrites it
  sgdReference(s, 1, p.data(), g.data(), m.data());
  for (int i = 0; i < 3; ++i) {
    const double want = p0[i] - 0.1 * g[i] * 1.9;
    SJ_CHECK(std::fabs(p[i] - want) < 1e-15 && m[i] == g[i], "nesterov step 1: p[", i, "] = ", p[i], ", expected ", want, ", buffer ", m[i]);
  }
}

SJ_TEST(optimizer_rejects_bad_settings) {
  auto error = [](auto&& call) -> std::pair<ErrorCode, std::string> {
    try {
      call();
    } catch (const Error& e) {
      return {e.code(), e.what()};
    }
    return {ErrorCode::Internal, ""};
  };
  auto expect = [&](auto&& call, ErrorCode code, const std::string& words, const char* what) {
    const auto [got, message] = error(call);
    SJ_CHECK(got == code && message.find(words) != std::string::npos, what, ": got \"", message, "\"");
  };
  AdamShape a;
  a.beta1 = 1.0;
  expect([&] { a.validate(); }, ErrorCode::Value, "beta1 = 1", "beta1 = 1");
  a = AdamShape{};
  a.lr = std::nan("");
  expect([&] { a.validate(); }, ErrorCode::Value, "lr = nan", "a NaN learning rate");
  a = AdamShape{};
  a.size = 0;
  expect([&] { a.validate(); }, ErrorCode::Shape, "adam", "an empty parameter tensor");
  a = AdamShape{};
  float p = 0.0f, g = 0.0f, m = 0.0f, v = 0.0f;
  expect([&] { adamStep(testPool(), a, 0, &p, &g, &m, &v); }, ErrorCode::Value, "step = 0", "step 0");
  SgdShape s;
  s.nesterov = true, s.momentum = 0.9, s.dampening = 0.1;
  expect([&] { s.validate(); }, ErrorCode::Value, "nesterov", "nesterov with dampening");
  s = SgdShape{};
  s.momentum = -0.5;
  expect([&] { s.validate(); }, ErrorCode::Value, "momentum = -0.5", "negative momentum");
  s = SgdShape{};
  expect([&] { s.validate(); }, ErrorCode::Internal, "", "default SGD settings are valid");
  expect([&] { AdamShape{}.validate(); }, ErrorCode::Internal, "", "default Adam settings are valid");
}

// Results must not depend on how many threads share the work: bit-identical with 1, 2 and 5.
SJ_TEST(optimizer_thread_count_independent) {
  const int64_t n = 100000;
  std::mt19937_64 rng(10);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> p0(n), g(n);
  for (float& x : p0) x = u(rng);
  for (float& x : g) x = u(rng);
  AdamShape a;
  a.size = n, a.weightDecay = 1e-4;
  SgdShape s;
  s.size = n, s.momentum = 0.9, s.nesterov = true;
  std::vector<float> first;
  for (int threads : {1, 2, 5}) {
    ThreadPool pool(threads);
    std::vector<float> p = p0, m(n), v(n), q = p0, buf(n);
    for (int64_t step = 1; step <= 3; ++step) {
      adamStep(pool, a, step, p.data(), g.data(), m.data(), v.data());
      sgdStep(pool, s, step, q.data(), g.data(), buf.data());
    }
    for (const auto* w : {&m, &v, &q, &buf}) p.insert(p.end(), w->begin(), w->end());
    if (first.empty()) first = p;
    SJ_CHECK(p == first, "optimizer steps with ", threads, " threads differ from 1 thread");
  }
}

}  // namespace sj::testing
