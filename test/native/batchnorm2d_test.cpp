#include <cmath>

#include "expect_error.h"
#include "harness.h"
#include "kernels/batchnorm2d.h"

namespace sj::testing {
namespace {

// Tolerances: fast within 1e-5 of max |ref| (observed < 1e-6); finite differences the default
// 1e-6 with step 1e-6. The fast kernels reduce in double and save mean/rstd in float, which moves y
// and the gradients by about 1e-7 relative. One case needs care: with m = 2 values per channel, xhat = +-1 up to eps, and
// the exact dx is only the eps / (var + eps) residue of a cancellation, far below float rounding
// of the terms that cancel; such rows use a large eps (0.1) so that dx is well above it.
struct BatchNorm2dOp : OpTest<BatchNorm2dOp, BatchNorm2dShape> {
  double xLo = -1.0, xHi = 1.0;

  std::string describe() const { return "batchnorm2d " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    const int64_t e = s.size(), c = s.c;
    return {{"x", e, Role::Filled, xLo, xHi},
            {"gamma", c},
            {"beta", c},
            {"runningMean", c},
            {"runningVar", c, Role::Filled, 0.25, 2.0},
            {"dy", e},
            {"y", e, Role::Output},
            {"mean", c, Role::Output},
            {"rstd", c, Role::Output},
            {"dx", e, Role::Output},
            {"dgamma", c, Role::Output},
            {"dbeta", c, Role::Output}};
  }
  std::vector<PassIo> passes() const {
    using Names = std::vector<std::string>;
    return {{Pass::Forward, {"x", "gamma", "beta", "runningMean", "runningVar"},
             s.training ? Names{"y", "mean", "rstd", "runningMean", "runningVar"} : Names{"y", "mean", "rstd"}},
            {Pass::BackwardInput, s.training ? Names{"dy", "x", "gamma", "mean", "rstd"} : Names{"dy", "gamma", "rstd"}, {"dx"}},
            {Pass::BackwardWeight, {"dy", "x", "mean", "rstd"}, {"dgamma"}},
            {Pass::BackwardBias, {"dy"}, {"dbeta"}}};
  }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    switch (pass) {
      case Pass::Forward:
        batchnorm2dForwardReference(s, t["x"].data(), t["gamma"].data(), t["beta"].data(), t["runningMean"].data(), t["runningVar"].data(),
                                    t["mean"].data(), t["rstd"].data(), t["y"].data());
        break;
      case Pass::BackwardInput:
        batchnorm2dBackwardInputReference(s, t["dy"].data(), t["x"].data(), t["gamma"].data(), t["mean"].data(), t["rstd"].data(),
                                          t["dx"].data());
        break;
      case Pass::BackwardWeight:
        batchnorm2dBackwardWeightReference(s, t["dy"].data(), t["x"].data(), t["mean"].data(), t["rstd"].data(), t["dgamma"].data());
        break;
      case Pass::BackwardBias: batchnorm2dBackwardBiasReference(s, t["dy"].data(), t["dbeta"].data()); break;
      default: break;
    }
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    switch (pass) {
      case Pass::Forward:
        batchnorm2dForward(pool, s, t["x"].data(), t["gamma"].data(), t["beta"].data(), t["runningMean"].data(), t["runningVar"].data(),
                           t["mean"].data(), t["rstd"].data(), t["y"].data());
        break;
      case Pass::BackwardInput:
        batchnorm2dBackwardInput(pool, s, t["dy"].data(), t["x"].data(), t["gamma"].data(), t["mean"].data(), t["rstd"].data(),
                                 t["dx"].data());
        break;
      case Pass::BackwardWeight:
        batchnorm2dBackwardWeight(pool, s, t["dy"].data(), t["x"].data(), t["mean"].data(), t["rstd"].data(), t["dgamma"].data());
        break;
      case Pass::BackwardBias: batchnorm2dBackwardBias(pool, s, t["dy"].data(), t["dbeta"].data()); break;
      default: break;
    }
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    switch (pass) {
      case Pass::Forward:
        cuda::batchnorm2dForward(stream, s, d["x"], d["gamma"], d["beta"], d["runningMean"], d["runningVar"], d["mean"], d["rstd"], d["y"]);
        break;
      case Pass::BackwardInput: cuda::batchnorm2dBackwardInput(stream, s, d["dy"], d["x"], d["gamma"], d["mean"], d["rstd"], d["dx"]); break;
      case Pass::BackwardWeight: cuda::batchnorm2dBackwardWeight(stream, s, d["dy"], d["x"], d["mean"], d["rstd"], d["dgamma"]); break;
      case Pass::BackwardBias: cuda::batchnorm2dBackwardBias(stream, s, d["dy"], d["dbeta"]); break;
      default: break;
    }
  }
  Cost cost(Pass pass) const {
    switch (pass) {
      case Pass::Forward: return batchnorm2dForwardCost(s);
      case Pass::BackwardInput: return batchnorm2dBackwardInputCost(s);
      case Pass::BackwardWeight: return batchnorm2dBackwardWeightCost(s);
      default: return batchnorm2dBackwardBiasCost(s);
    }
  }
  OpChecks checks() const {
    OpChecks c;
    c.fastTolerance = 1e-5;
    return c;
  }
};

BatchNorm2dOp op(int64_t n, int64_t c, int64_t h, int64_t w, bool training, double eps = 1e-5, double momentum = 0.1) {
  BatchNorm2dOp o;
  o.s.n = n, o.s.c = c, o.s.h = h, o.s.w = w, o.s.training = training, o.s.eps = eps, o.s.momentum = momentum;
  o.s.validate();
  return o;
}

BatchNorm2dOp shifted(BatchNorm2dOp o, double lo, double hi) {
  o.xLo = lo, o.xHi = hi;
  return o;
}

}  // namespace

SJ_TEST(batchnorm2d_train_table) {
  uint64_t seed = 51;
  const BatchNorm2dOp table[] = {
      op(2, 1, 1, 1, true, 0.1),              // m = 2, H = W = 1, C = 1 (large eps: see the tolerance note)
      op(1, 3, 1, 2, true, 0.1),              // N = 1, m = 2
      op(1, 1, 1, 3, true),                   // m = 3
      op(3, 5, 7, 5, true),                   // odd sizes
      op(1, 4, 16, 9, true, 1e-3, 0.3),       // N = 1, other eps and momentum
      op(2, 3, 5, 4, true, 1e-5, 1.0),        // momentum 1: running stats = batch stats
      op(2, 3, 5, 4, true, 1e-5, 0.0),        // momentum 0: running stats unchanged
      op(4, 16, 12, 10, true),                // more channels than threads, 8-lane tails
      op(2, 2, 64, 129, true),                // planes that split over the test pool
      shifted(op(2, 3, 6, 5, true), 10, 11),  // mean far from zero against the spread
  };
  for (const BatchNorm2dOp& o : table) checkOp(o, seed++);
}

SJ_TEST(batchnorm2d_eval_table) {
  uint64_t seed = 71;
  const BatchNorm2dOp table[] = {
      op(1, 1, 1, 1, false),                  // smallest: one value per channel is fine in inference
      op(1, 3, 1, 1, false),                  // H = W = 1
      op(3, 5, 7, 5, false, 1e-3),            // odd sizes
      op(2, 16, 12, 10, false),               // more channels than threads
      op(2, 2, 64, 129, false),               // planes that split over the test pool
      shifted(op(2, 3, 6, 5, false), -4, 4),  // inputs away from the running statistics
  };
  for (const BatchNorm2dOp& o : table) checkOp(o, seed++);
}

SJ_TEST(batchnorm2d_random) {
  std::mt19937_64 rng(31415);
  for (int i = 0; i < 12; ++i) {
    const bool training = i % 2 == 0;
    int64_t n = draw(rng, 1, 4), c = draw(rng, 1, 9), h = draw(rng, 1, 13), w = draw(rng, 1, 13);
    if (training && n * h * w < 3) n = 3;  // m = 2 needs a large eps (see the tolerance note)
    checkOp(op(n, c, h, w, training, 1e-5, std::uniform_real_distribution<double>(0.0, 1.0)(rng)), 500 + i);
  }
}

SJ_TEST(batchnorm2d_matches_pytorch) {
  // torch.nn.BatchNorm2d(1) in training on x = [1, 2, 3, 4] shaped [2][1][1][2], fresh running
  // statistics (mean 0, var 1), momentum 0.1, eps 1e-5:
  //   y = [-1.3416354, -0.4472118, 0.4472118, 1.3416354]
  //   running_mean = 0.25, running_var = 0.9 + 0.1 * 5/3 = 1.0666667 (unbiased batch variance)
  BatchNorm2dShape s;
  s.n = 2, s.c = 1, s.h = 1, s.w = 2;
  const double want[] = {-1.3416354, -0.4472118, 0.4472118, 1.3416354};
  {
    double x[] = {1, 2, 3, 4}, gamma[] = {1}, beta[] = {0}, rm[] = {0}, rv[] = {1}, mean[1], rstd[1], y[4];
    batchnorm2dForwardReference(s, x, gamma, beta, rm, rv, mean, rstd, y);
    for (int i = 0; i < 4; ++i) SJ_CHECK(std::fabs(y[i] - want[i]) < 1e-6, "reference y[", i, "] = ", y[i]);
    SJ_CHECK(std::fabs(rm[0] - 0.25) < 1e-12 && std::fabs(rv[0] - (0.9 + 0.1 * 5.0 / 3.0)) < 1e-12, "reference running ", rm[0], " ", rv[0]);
    SJ_CHECK(mean[0] == 2.5 && std::fabs(rstd[0] - 1 / std::sqrt(1.25 + 1e-5)) < 1e-12, "reference saved ", mean[0], " ", rstd[0]);
  }
  {
    float x[] = {1, 2, 3, 4}, gamma[] = {1}, beta[] = {0}, rm[] = {0}, rv[] = {1}, mean[1], rstd[1], y[4];
    batchnorm2dForward(testPool(), s, x, gamma, beta, rm, rv, mean, rstd, y);
    for (int i = 0; i < 4; ++i) SJ_CHECK(std::fabs(y[i] - want[i]) < 1e-6, "fast y[", i, "] = ", y[i]);
    SJ_CHECK(std::fabs(rm[0] - 0.25f) < 1e-7 && std::fabs(rv[0] - 1.0666667f) < 1e-6, "fast running ", rm[0], " ", rv[0]);
  }
}

SJ_TEST(batchnorm2d_thread_count_invariant) {
  BatchNorm2dShape s;
  s.n = 3, s.c = 7, s.h = 19, s.w = 23;
  const int64_t e = s.size();
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> x(e), dy(e), gamma(s.c), beta(s.c);
  for (float& v : x) v = u(rng);
  for (float& v : dy) v = u(rng);
  for (float& v : gamma) v = u(rng);
  for (float& v : beta) v = u(rng);
  auto run = [&](ThreadPool& pool) {
    std::vector<float> rm(s.c, 0.f), rv(s.c, 1.f), mean(s.c), rstd(s.c), y(e), dx(e), dg(s.c), db(s.c);
    batchnorm2dForward(pool, s, x.data(), gamma.data(), beta.data(), rm.data(), rv.data(), mean.data(), rstd.data(), y.data());
    batchnorm2dBackwardInput(pool, s, dy.data(), x.data(), gamma.data(), mean.data(), rstd.data(), dx.data());
    batchnorm2dBackwardWeight(pool, s, dy.data(), x.data(), mean.data(), rstd.data(), dg.data());
    batchnorm2dBackwardBias(pool, s, dy.data(), db.data());
    std::vector<float> all;
    for (const auto* v : {&rm, &rv, &mean, &rstd, &y, &dx, &dg, &db}) all.insert(all.end(), v->begin(), v->end());
    return all;
  };
  ThreadPool one(1), five(5);
  SJ_CHECK(run(one) == run(five), "batchnorm2d results must be bitwise the same for 1 and 5 threads");
}

SJ_TEST(batchnorm2d_rejects_bad_shapes) {
  BatchNorm2dShape s;
  s.n = 2, s.c = 0, s.h = 3, s.w = 3;
  expectError(ErrorCode::Shape, "x[2,0,3,3]", [&] { s.validate(); });
  s.c = 4, s.n = 1, s.h = 1, s.w = 1;
  expectError(ErrorCode::Shape, "more than one value per channel", [&] { s.validate(); });
  s.training = false;
  s.validate();  // inference with one value per channel is fine
  s.eps = 0.0;
  expectError(ErrorCode::Value, "eps must be positive and finite, got 0", [&] { s.validate(); });
  s.eps = 1e-5, s.momentum = 1.5;
  expectError(ErrorCode::Value, "momentum must be in [0, 1], got 1.5", [&] { s.validate(); });
}

}  // namespace sj::testing

namespace sj::testing {

// CUDA: every pass twice on the same inputs gives the same bits (the per-channel sums are split
// over blocks and added in a fixed order), and the two-pass double statistics stay accurate when
// the mean (1000) is large against the spread (+-1), where a one-pass float E[x^2] - E[x]^2 would
// lose every digit. m = 3 * 37 * 41 = 4551 values per channel: two chunks per channel, planes that
// are not a multiple of the block.
SJ_TEST(batchnorm2d_cuda_deterministic_and_accurate) {
  if constexpr (kCudaBuilt) {
    if (!cudaParityAvailable()) return;
    BatchNorm2dShape s;
    s.n = 3, s.c = 4, s.h = 37, s.w = 41;
    const int64_t e = s.size(), c = s.c;
    std::mt19937_64 rng(12);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    std::map<std::string, std::vector<float>> host = {{"x", std::vector<float>(e)}, {"dy", std::vector<float>(e)}, {"gamma", std::vector<float>(c)},
                                                      {"beta", std::vector<float>(c)}, {"runningMean", std::vector<float>(c, 0.f)},
                                                      {"runningVar", std::vector<float>(c, 1.f)}};
    for (float& v : host["x"]) v = 1000.f + u(rng);
    for (const char* name : {"dy", "gamma", "beta"})
      for (float& v : host[name]) v = u(rng);
    const std::vector<std::string> outputs = {"runningMean", "runningVar", "mean", "rstd", "y", "dx", "dgamma", "dbeta"};
    const std::map<std::string, int64_t> sizes = {{"x", e},    {"dy", e},   {"gamma", c}, {"beta", c},   {"runningMean", c}, {"runningVar", c},
                                                  {"mean", c}, {"rstd", c}, {"y", e},     {"dx", e},     {"dgamma", c},      {"dbeta", c}};
    auto run = [&] {
      DeviceTensors d;
      for (const auto& [name, size] : sizes) {
        d[name] = static_cast<float*>(cuda::allocate(size * 4, name));
        if (host.count(name)) cuda::copyToDevice(d[name], host[name].data(), size * 4, testStream(), name.c_str());
      }
      cuda::batchnorm2dForward(testStream(), s, d["x"], d["gamma"], d["beta"], d["runningMean"], d["runningVar"], d["mean"], d["rstd"], d["y"]);
      cuda::batchnorm2dBackwardInput(testStream(), s, d["dy"], d["x"], d["gamma"], d["mean"], d["rstd"], d["dx"]);
      cuda::batchnorm2dBackwardWeight(testStream(), s, d["dy"], d["x"], d["mean"], d["rstd"], d["dgamma"]);
      cuda::batchnorm2dBackwardBias(testStream(), s, d["dy"], d["dbeta"]);
      std::map<std::string, std::vector<float>> got;
      for (const std::string& name : outputs) {
        got[name].resize(sizes.at(name));
        cuda::copyToHost(got[name].data(), d[name], sizes.at(name) * 4, testStream(), name.c_str());
      }
      for (auto& [name, p] : d) cuda::release(p);
      return got;
    };
    const auto first = run(), second = run();
    for (const std::string& name : outputs) SJ_CHECK(first.at(name) == second.at(name), "CUDA batchnorm2d ", name, " differs between two runs");

    std::vector<double> x(host["x"].begin(), host["x"].end()), gamma(host["gamma"].begin(), host["gamma"].end());
    std::vector<double> beta(host["beta"].begin(), host["beta"].end()), rm(c, 0.0), rv(c, 1.0), mean(c), rstd(c), y(e);
    batchnorm2dForwardReference(s, x.data(), gamma.data(), beta.data(), rm.data(), rv.data(), mean.data(), rstd.data(), y.data());
    for (int64_t k = 0; k < c; ++k) {
      SJ_CHECK(std::fabs(first.at("rstd")[k] - rstd[k]) <= 1e-6 * rstd[k], "rstd[", k, "] = ", first.at("rstd")[k], ", reference ", rstd[k]);
      SJ_CHECK(std::fabs(first.at("runningVar")[k] - rv[k]) <= 1e-6 * rv[k], "runningVar[", k, "] = ", first.at("runningVar")[k], ", reference ",
               rv[k]);
    }
    double worst = 0.0;
    for (int64_t i = 0; i < e; ++i) worst = std::max(worst, std::fabs(first.at("y")[i] - y[i]));
    SJ_CHECK(worst <= 1e-4, "y differs from the reference by up to ", worst);
  }
}

}  // namespace sj::testing
