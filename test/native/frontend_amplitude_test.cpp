#include <cmath>

#include "expect_error.h"
#include "harness.h"
#include "kernels/amplitude.h"
#include "kernels/cpu/lane_kernels.h"

namespace sj::testing {
namespace {

struct AmplitudeOp : OpTest<AmplitudeOp, AmplitudeShape> {
  double lo, hi;  // input range
  std::string describe() const { return "amplitude " + s.describe(); }
  std::vector<TensorDecl> tensors() const { return {{"x", s.size, Role::Filled, lo, hi}, {"y", s.size, Role::Output}}; }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x"}, {"y"}}}; }
  template <class T>
  void reference(Pass, Tensors<T>& t) const {
    amplitudeForwardReference(s, t["x"].data(), t["y"].data());
  }
  void fast(Pass, Tensors<float>& t, ThreadPool& pool) const { amplitudeForward(pool, s, t["x"].data(), t["y"].data()); }
  void cuda(Pass, DeviceTensors& d, CudaStream stream) const { cuda::amplitudeForward(stream, s, d["x"], d["y"]); }
  Cost cost(Pass) const { return amplitudeForwardCost(s); }
  OpChecks checks() const { return {1e-6}; }
};

AmplitudeShape shape(int64_t size, AmplitudeKind kind, double multiplier, double amin, double eps, bool clamp, double lo, double hi) {
  AmplitudeShape s;
  s.size = size, s.kind = kind, s.multiplier = multiplier, s.amin = amin, s.eps = eps, s.clamp = clamp, s.clampMin = lo, s.clampMax = hi;
  return s;
}

}  // namespace

SJ_TEST(frontend_amplitude_table) {
  uint64_t seed = 1000;
  const AmplitudeOp table[] = {
      {shape(1, AmplitudeKind::Db, 20, 1e-10, 0, false, 0, 0), 0.0, 2.0},
      {shape(5000, AmplitudeKind::Db, 20, 1e-5, 0, true, -50, 80), 0.0, 1e-2},   // DCASE: many values below the clamp
      {shape(5000, AmplitudeKind::Db, 10, 1e-10, 0, false, 0, 0), 1e-12, 1e3},  // power dB, values under amin
      {shape(333, AmplitudeKind::Db, 20, 1e-3, 0, true, -20, 0), 0.0, 3.0},      // both clamp ends active
      {shape(4097, AmplitudeKind::Log, 0, 0, 1e-6, false, 0, 0), 0.0, 10.0},
      {shape(100, AmplitudeKind::Log, 0, 0, 1e-2, true, -3, 1), 0.0, 10.0},
      {shape(100, AmplitudeKind::None, 0, 0, 0, true, -0.5, 0.5), -1.0, 1.0},    // clamp alone
  };
  for (const AmplitudeOp& op : table) checkOp(op, seed++);
}

SJ_TEST(frontend_amplitude_values) {
  // torchaudio AmplitudeToDB(stype="amplitude"): 20 log10(max(x, amin)).
  const AmplitudeShape db = shape(5, AmplitudeKind::Db, 20, 1e-5, 0, false, 0, 0);
  const float x[5] = {1.f, 10.f, 0.1f, 0.f, 1e-7f};
  float y[5];
  amplitudeForward(testPool(), db, x, y);
  const double want[5] = {0, 20, -20, -100, -100};
  for (int i = 0; i < 5; ++i) SJ_CHECK(std::fabs(y[i] - want[i]) < 1e-4, "dB of ", x[i], " = ", y[i], ", want ", want[i]);
  const AmplitudeShape clamped = shape(5, AmplitudeKind::Db, 20, 1e-5, 0, true, -50, 10);
  amplitudeForward(testPool(), clamped, x, y);
  const double wantClamped[5] = {0, 10, -20, -50, -50};
  for (int i = 0; i < 5; ++i) SJ_CHECK(std::fabs(y[i] - wantClamped[i]) < 1e-4, "clamped dB of ", x[i], " = ", y[i]);
  const AmplitudeShape ln = shape(1, AmplitudeKind::Log, 0, 0, 1.0, false, 0, 0);
  const float e = static_cast<float>(std::exp(1.0) - 1.0);
  amplitudeForward(testPool(), ln, &e, y);
  SJ_CHECK(std::fabs(y[0] - 1.0) < 1e-6, "ln(e - 1 + 1) = ", y[0]);
}

// The vectorised ln of the fast kernel, for every instruction set: within 3e-7 * max(1, |ln x|) of
// the double logarithm over the normal floats, and std::log's answer for 0, negatives,
// subnormals, infinities and NaN.
SJ_TEST(frontend_amplitude_vector_log) {
  std::vector<float> x;
  for (int e = -126; e <= 127; ++e)
    for (float m : {1.0f, 1.0000001f, 1.2f, 1.41421354f, 1.41421366f, 1.5f, 1.9999999f}) x.push_back(std::ldexp(m, e));
  std::mt19937_64 rng(1001);
  std::uniform_real_distribution<double> u(-80, 80);
  for (int i = 0; i < 5000; ++i) x.push_back(static_cast<float>(std::exp(u(rng))));
  while (x.size() % 64) x.push_back(1.0f);
  const float specials[] = {0.f, -0.f, -1.f, 1e-40f, INFINITY, -INFINITY, std::nanf(""), 1.f};
  for (const frontend_lanes::Kernels& k : {frontend_lanes::generic(), frontend_lanes::active(), frontend_lanes::scalar()}) {
    std::vector<float> y(x.size());
    k.logAffine(x.data(), y.data(), static_cast<int64_t>(x.size()), -3.4e38f, 0.f, 1.f, false, 0.f, 0.f);
    for (size_t i = 0; i < x.size(); ++i) {
      const double want = std::log(static_cast<double>(x[i]));
      SJ_CHECK(std::fabs(y[i] - want) <= 3e-7 * std::max(1.0, std::fabs(want)), k.isa, ": ln(", x[i], ") = ", y[i], ", want ", want);
    }
    float ys[8];
    k.logAffine(specials, ys, 8, -3.4e38f, 0.f, 1.f, false, 0.f, 0.f);
    for (int i = 0; i < 8; ++i) {
      const float want = std::log(specials[i] > -3.4e38f ? specials[i] : -3.4e38f);
      SJ_CHECK((std::isnan(want) && std::isnan(ys[i])) || ys[i] == want, k.isa, ": ln(", specials[i], ") = ", ys[i], ", want ", want);
    }
  }
}

SJ_TEST(frontend_amplitude_rejects_bad_parameters) {
  expectError(ErrorCode::Value, "amin must be a finite number > 0, got 0", [] { shape(1, AmplitudeKind::Db, 20, 0, 0, false, 0, 0).validate(); });
  expectError(ErrorCode::Value, "dbMultiplier must be a finite number > 0, got -20", [] {
    shape(1, AmplitudeKind::Db, -20, 1e-5, 0, false, 0, 0).validate();
  });
  expectError(ErrorCode::Value, "logEps must be a finite number > 0, got 0", [] { shape(1, AmplitudeKind::Log, 0, 0, 0, false, 0, 0).validate(); });
  expectError(ErrorCode::Value, "clampMin must be below clampMax (both finite), got [80, -50]", [] {
    shape(1, AmplitudeKind::Db, 20, 1e-5, 0, true, 80, -50).validate();
  });
  expectError(ErrorCode::Value, "amplitude must be \"none\", \"log\" or \"db\", got \"power\"", [] { amplitudeKindFromName("power", "amplitude"); });
}

}  // namespace sj::testing
