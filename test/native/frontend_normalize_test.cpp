#include <cmath>
#include <cstring>

#include "expect_error.h"
#include "harness.h"
#include "kernels/normalize.h"

namespace sj::testing {
namespace {

struct NormalizeOp : OpTest<NormalizeOp, NormalizeShape> {
  double lo, hi;
  std::string describe() const { return "normalize " + s.describe(); }
  std::vector<TensorDecl> tensors() const { return {{"x", s.size, Role::Filled, lo, hi}, {"y", s.size, Role::Output}}; }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x"}, {"y"}}}; }
  template <class T>
  void reference(Pass, Tensors<T>& t) const {
    normalizeForwardReference(s, t["x"].data(), t["y"].data());
  }
  void fast(Pass, Tensors<float>& t, ThreadPool& pool) const { normalizeForward(pool, s, t["x"].data(), t["y"].data()); }
  void cuda(Pass, DeviceTensors& d, CudaStream stream) const { cuda::normalizeForward(stream, s, d["x"], d["y"]); }
  Cost cost(Pass) const { return normalizeForwardCost(s); }
  OpChecks checks() const { return {1e-6}; }
};

}  // namespace

SJ_TEST(frontend_normalize_table) {
  uint64_t seed = 1100;
  for (NormalizeKind kind : {NormalizeKind::MinMax, NormalizeKind::Standardize})
    for (int64_t size : {1, 2, 17, 4096, 128 * 626}) checkOp(NormalizeOp{{size, kind}, -50.0, 80.0}, seed++);
  checkOp(NormalizeOp{{1000, NormalizeKind::Standardize}, 1000.0, 1000.5}, seed++);  // large mean, small spread
}

// minmax maps onto [0, 1] with both ends reached; standardize gives mean 0 and (unbiased) std 1;
// a constant block gives 0 in both.
SJ_TEST(frontend_normalize_values_and_guards) {
  std::mt19937_64 rng(1101);
  std::uniform_real_distribution<float> u(-50.f, 80.f);
  std::vector<float> x(10000), y(x.size());
  for (float& v : x) v = u(rng);
  normalizeForward(testPool(), {static_cast<int64_t>(x.size()), NormalizeKind::MinMax}, x.data(), y.data());
  float lo = 1, hi = 0;
  for (float v : y) lo = std::min(lo, v), hi = std::max(hi, v);
  SJ_CHECK(lo == 0.f && hi == 1.f, "minmax range [", lo, ", ", hi, "]");
  normalizeForward(testPool(), {static_cast<int64_t>(x.size()), NormalizeKind::Standardize}, x.data(), y.data());
  double mean = 0, sq = 0;
  for (float v : y) mean += v;
  mean /= y.size();
  for (float v : y) sq += (v - mean) * (v - mean);
  SJ_CHECK(std::fabs(mean) < 1e-6 && std::fabs(std::sqrt(sq / (y.size() - 1)) - 1) < 1e-6, "standardized mean ", mean);
  for (NormalizeKind kind : {NormalizeKind::MinMax, NormalizeKind::Standardize}) {
    std::vector<float> flat(500, -37.25f), out(500, 9.f);
    normalizeForward(testPool(), {500, kind}, flat.data(), out.data());
    for (float v : out) SJ_CHECK(v == 0.f, normalizeKindName(kind), " of a constant block gives ", v);
    std::vector<double> flatD(500, -37.25), outD(500, 9.0);
    normalizeForwardReference(NormalizeShape{500, kind}, flatD.data(), outD.data());
    for (double v : outD) SJ_CHECK(v == 0.0, "reference ", normalizeKindName(kind), " of a constant block gives ", v);
  }
}

// Statistics never split across threads: one thread and three give the same bits.
SJ_TEST(frontend_normalize_does_not_depend_on_threads) {
  std::mt19937_64 rng(1102);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> x(128 * 626), a(x.size()), b(x.size());
  for (float& v : x) v = u(rng);
  ThreadPool one(1);
  for (NormalizeKind kind : {NormalizeKind::MinMax, NormalizeKind::Standardize}) {
    normalizeForward(one, {static_cast<int64_t>(x.size()), kind}, x.data(), a.data());
    normalizeForward(testPool(), {static_cast<int64_t>(x.size()), kind}, x.data(), b.data());
    SJ_CHECK(std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0, normalizeKindName(kind), " depends on the thread count");
  }
  expectError(ErrorCode::Value, "normalize must be \"none\", \"minmax\" or \"standardize\", got \"zscore\"", [] {
    normalizeKindFromName("zscore", "normalize");
  });
}

}  // namespace sj::testing
