// The vectorised element-wise math (kernels/cpu/vector_math.h) against double precision, for every
// instruction set this CPU runs (SEDJOULE_ISA narrows the list): each table's functions are called
// directly, so the portable build is tested on an AVX-512 machine too.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/cpu_isa.h"
#include "harness.h"
#include "kernels/cpu/vector_math.h"

namespace sj::testing {
namespace {

using ArrayFunction = void (*)(const float* x, float* y, int64_t n);
using Member = ArrayFunction vector_math::Kernels::*;

constexpr float kInf = std::numeric_limits<float>::infinity(), kNan = std::numeric_limits<float>::quiet_NaN();

std::vector<vector_math::Kernels> supportedTables() {
  std::vector<vector_math::Kernels> tables = {vector_math::generic()};
#if defined(SEDJOULE_X86)
  if (activeIsa() >= Isa::Avx2) tables.push_back(vector_math::avx2());
  if (activeIsa() >= Isa::Avx512) tables.push_back(vector_math::avx512());
#endif
  return tables;
}

// One unit in the last place of a float near `exact` (subnormals: 2^-149).
double ulpAt(double exact) {
  int e = 0;
  std::frexp(std::fabs(exact), &e);
  return std::ldexp(1.0, std::max(e - 24, -149));
}

// |got - exact| in ulps: 0 when both are the same infinity or both NaN, infinite when only one is.
double ulpError(float got, double exact) {
  const float rounded = static_cast<float>(exact);
  if (std::isnan(got) || std::isnan(rounded)) return std::isnan(got) && std::isnan(rounded) ? 0.0 : std::numeric_limits<double>::infinity();
  if (std::isinf(got) || std::isinf(rounded)) return got == rounded ? 0.0 : std::numeric_limits<double>::infinity();
  return std::fabs(got - exact) / ulpAt(exact);
}

// Every `step`th float from +0 up to (not including) `limit`, and each one's negative; not a
// multiple of 16 long, so every table ends on a partial vector.
std::vector<float> floatsBelow(float limit, uint32_t step) {
  const float edges[] = {0.0f, 1e-45f, 1e-30f, 1.17549435e-38f, 1.0f, 88.0f, 88.72f, 88.73f, 89.0f, 87.3f, 100.0f, 103.27f, 103.28f,
                         103.97f, 103.98f, 104.0f, 1e30f, 3.40282347e38f, kInf};
  std::vector<float> x;
  for (float e : edges) x.insert(x.end(), {e, -e});
  uint32_t end = 0;
  std::memcpy(&end, &limit, sizeof end);
  for (uint32_t bits = 0; bits < end; bits += step) {
    float v;
    std::memcpy(&v, &bits, sizeof v);
    x.insert(x.end(), {v, -v});
  }
  if (x.size() % 16 == 0) x.push_back(0.5f);
  return x;
}

struct AccuracyCase {
  const char* name;
  Member function;
  double (*exact)(double);
  double ulps;  // the bound vector_math.h states
  std::vector<float> x;
};

// Measured when written: exp 1.00, log 0.78, log1p 2.42, sigmoid 2.28 ulp (libm's expf through
// sigmoidOf: 2.22), the same on every instruction set.
std::vector<AccuracyCase> accuracyCases() {
  return {
      {"exp", &vector_math::Kernels::exp, [](double v) { return std::exp(v); }, 1.5, floatsBelow(110.0f, 4099)},
      {"log", &vector_math::Kernels::log, [](double v) { return std::log(v); }, 1.5, floatsBelow(kInf, 65521)},
      {"log1p", &vector_math::Kernels::log1p, [](double v) { return std::log1p(v); }, 3.0, floatsBelow(kInf, 65521)},
      {"sigmoid", &vector_math::Kernels::sigmoid, [](double v) { return 1.0 / (1.0 + std::exp(-v)); }, 3.0, floatsBelow(110.0f, 4099)},
  };
}

struct EdgeCase {
  const char* name;
  Member function;
  float x, want;  // want NaN: any NaN
};

// Exact answers at the edges: exp is +inf from ln(FLT_MAX) ~ 88.7228 up and 0 below
// ln(2^-150) ~ -103.972; sigmoid is exactly 0 or 1 once exp(-|x|) underflows (and 1/2 at 0); NaN
// propagates through all of them.
const EdgeCase kEdges[] = {
    {"exp", &vector_math::Kernels::exp, 0.0f, 1.0f},
    {"exp", &vector_math::Kernels::exp, -0.0f, 1.0f},
    {"exp", &vector_math::Kernels::exp, 88.73f, kInf},
    {"exp", &vector_math::Kernels::exp, 89.0f, kInf},
    {"exp", &vector_math::Kernels::exp, 1e30f, kInf},
    {"exp", &vector_math::Kernels::exp, kInf, kInf},
    {"exp", &vector_math::Kernels::exp, -103.98f, 0.0f},
    {"exp", &vector_math::Kernels::exp, -104.0f, 0.0f},
    {"exp", &vector_math::Kernels::exp, -1e30f, 0.0f},
    {"exp", &vector_math::Kernels::exp, -kInf, 0.0f},
    {"exp", &vector_math::Kernels::exp, kNan, kNan},
    {"log", &vector_math::Kernels::log, 1.0f, 0.0f},
    {"log", &vector_math::Kernels::log, 0.0f, -kInf},
    {"log", &vector_math::Kernels::log, -0.0f, -kInf},
    {"log", &vector_math::Kernels::log, -1.0f, kNan},
    {"log", &vector_math::Kernels::log, kInf, kInf},
    {"log", &vector_math::Kernels::log, kNan, kNan},
    {"log1p", &vector_math::Kernels::log1p, 0.0f, 0.0f},
    {"log1p", &vector_math::Kernels::log1p, 1e-30f, 1e-30f},
    {"log1p", &vector_math::Kernels::log1p, -1.0f, -kInf},
    {"log1p", &vector_math::Kernels::log1p, -2.0f, kNan},
    {"log1p", &vector_math::Kernels::log1p, kInf, kInf},
    {"log1p", &vector_math::Kernels::log1p, -kInf, kNan},
    {"log1p", &vector_math::Kernels::log1p, kNan, kNan},
    {"sigmoid", &vector_math::Kernels::sigmoid, 0.0f, 0.5f},
    {"sigmoid", &vector_math::Kernels::sigmoid, -0.0f, 0.5f},
    {"sigmoid", &vector_math::Kernels::sigmoid, 1e-30f, 0.5f},
    {"sigmoid", &vector_math::Kernels::sigmoid, -1e-30f, 0.5f},
    {"sigmoid", &vector_math::Kernels::sigmoid, 89.0f, 1.0f},
    {"sigmoid", &vector_math::Kernels::sigmoid, 1e30f, 1.0f},
    {"sigmoid", &vector_math::Kernels::sigmoid, kInf, 1.0f},
    {"sigmoid", &vector_math::Kernels::sigmoid, -104.0f, 0.0f},
    {"sigmoid", &vector_math::Kernels::sigmoid, -1e30f, 0.0f},
    {"sigmoid", &vector_math::Kernels::sigmoid, -kInf, 0.0f},
    {"sigmoid", &vector_math::Kernels::sigmoid, kNan, kNan},
};

}  // namespace

SJ_TEST(vector_math_accuracy) {
  for (const AccuracyCase& c : accuracyCases())
    for (const vector_math::Kernels& k : supportedTables()) {
      std::vector<float> y(c.x.size());
      (k.*c.function)(c.x.data(), y.data(), static_cast<int64_t>(c.x.size()));
      for (size_t i = 0; i < c.x.size(); ++i) {
        const double exact = c.exact(c.x[i]), err = ulpError(y[i], exact);
        SJ_CHECK(err <= c.ulps, k.isa, ": ", c.name, "(", c.x[i], ") = ", y[i], ", ", err, " ulp from ", exact, " (bound ", c.ulps, ")");
      }
    }
}

SJ_TEST(vector_math_edges) {
  for (const vector_math::Kernels& k : supportedTables())
    for (const EdgeCase& c : kEdges) {
      float y = -1.0f;
      (k.*c.function)(&c.x, &y, 1);
      const bool ok = std::isnan(c.want) ? std::isnan(y) : y == c.want && std::signbit(y) == std::signbit(c.want);
      SJ_CHECK(ok, k.isa, ": ", c.name, "(", c.x, ") = ", y, ", want ", c.want);
    }
}

// Where exp(-|x|) is subnormal, exp and the sigmoid give a subnormal, not 0.
SJ_TEST(vector_math_subnormal_results) {
  for (const vector_math::Kernels& k : supportedTables()) {
    const float x[] = {-88.0f, -100.0f};
    float e[2], s[2];
    k.exp(x, e, 2);
    k.sigmoid(x, s, 2);
    for (int i = 0; i < 2; ++i)
      SJ_CHECK(e[i] > 0.0f && e[i] < 1.17549435e-38f && s[i] > 0.0f && s[i] < 1.17549435e-38f, k.isa, ": exp(", x[i], ") = ", e[i],
               ", sigmoid = ", s[i], ", want subnormals");
  }
}

// An element's result does not depend on where it sits: alone (a padded partial vector) or inside
// a run of whole vectors, so the callers' results do not depend on how threads split an array.
SJ_TEST(vector_math_position_independent) {
  std::vector<float> x = floatsBelow(110.0f, 4099);
  x.insert(x.end(), {0.0f, -1.0f, kNan, 2.0f});  // the log's std::log lanes beside polynomial ones
  const int64_t n = static_cast<int64_t>(x.size());
  for (const vector_math::Kernels& k : supportedTables())
    for (const AccuracyCase& c : accuracyCases()) {
      std::vector<float> y(n);
      (k.*c.function)(x.data(), y.data(), n);
      for (int64_t i = n % 37; i < n; i += 37) {
        float alone = 0.0f;
        (k.*c.function)(&x[i], &alone, 1);
        SJ_CHECK(std::memcmp(&alone, &y[i], sizeof alone) == 0, k.isa, ": ", c.name, "(", x[i], ") alone ", alone, ", in an array ", y[i]);
      }
    }
}

// The gate: lin + bias written back, the sigmoid's bits in sig, their product in y; a bias of -0
// leaves every lin as it was, -0 included.
SJ_TEST(vector_math_gate) {
  const std::vector<float> x = floatsBelow(110.0f, 4099);
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> lin(n);
  for (int64_t i = 0; i < n; ++i) lin[i] = i % 5 == 0 ? -0.0f : static_cast<float>(i % 7) - 3.25f;
  const auto same = [](float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; };
  for (const vector_math::Kernels& k : supportedTables())
    for (float bias : {0.375f, -0.0f}) {
      std::vector<float> s(n), l = lin, sig(n), y(n);
      k.sigmoid(x.data(), s.data(), n);
      k.gate(x.data(), bias, l.data(), sig.data(), y.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        const float want = lin[i] + bias;
        SJ_CHECK(same(l[i], want) && (bias != -0.0f || same(l[i], lin[i])), k.isa, ": the gate's lin ", lin[i], " + ", bias, " = ", l[i]);
        SJ_CHECK(same(sig[i], s[i]), k.isa, ": the gate's sig(", x[i], ") = ", sig[i], ", the sigmoid's ", s[i]);
        SJ_CHECK(same(y[i], want * s[i]), k.isa, ": the gate's y at x = ", x[i], ": ", y[i], ", want ", want * s[i]);
      }
    }
}

}  // namespace sj::testing
