#include <cmath>
#include <limits>

#include "core/random.h"
#include "expect_error.h"
#include "harness.h"
#include "kernels/dropout.h"

namespace sj::testing {
namespace {

// Tolerances: fast within 1e-6 of max |ref|. The float kernel and the double reference drop the
// same elements (the keep test compares exact multiples of 2^-24, see
// DropoutShape::keepThreshold), so they differ only by the float rounding of 1 / (1 - p) and of
// x * mask (~1e-7). Finite differences: the default 1e-6; y is linear in x, so they are exact up to
// double rounding.
struct DropoutOp : OpTest<DropoutOp, DropoutShape> {
  uint64_t seed = 0;

  std::string describe() const { return "dropout " + s.describe() + " seed=" + std::to_string(seed); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.size},
            {"dy", s.size},
            {"mask", s.size, Role::Output},
            {"y", s.size, Role::Output},
            {"dx", s.size, Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x"}, {"mask", "y"}}, {Pass::BackwardInput, {"dy", "mask"}, {"dx"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) dropoutForwardReference(s, seed, t["x"].data(), t["mask"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) dropoutBackwardInputReference(s, t["dy"].data(), t["mask"].data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) dropoutForward(pool, s, seed, t["x"].data(), t["mask"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) dropoutBackwardInput(pool, s, t["dy"].data(), t["mask"].data(), t["dx"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::dropoutForward(stream, s, seed, d["x"], d["mask"], d["y"]);
    if (pass == Pass::BackwardInput) cuda::dropoutBackwardInput(stream, s, d["dy"], d["mask"], d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? dropoutForwardCost(s) : dropoutBackwardInputCost(s); }
  OpChecks checks() const {
    OpChecks c;
    c.fastTolerance = 1e-6;
    return c;
  }
};

DropoutOp op(int64_t size, double p, uint64_t seed) {
  DropoutOp o;
  o.s.size = size;
  o.s.p = p;
  o.seed = seed;
  o.s.validate();
  return o;
}

std::vector<float> maskOf(ThreadPool& pool, const DropoutShape& s, uint64_t seed) {
  std::vector<float> x(s.size, 1.f), mask(s.size), y(s.size);
  dropoutForward(pool, s, seed, x.data(), mask.data(), y.data());
  return mask;
}

}  // namespace

SJ_TEST(dropout_table) {
  uint64_t seed = 41;
  // size, p, seed: one element, p = 0 (keeps all), odd sizes, p close to 1, sizes that split
  for (const DropoutOp& o : {op(1, 0.5, 1), op(1, 0.0, 2), op(7, 0.5, 3), op(1000, 0.1, 4), op(999, 0.9, 5), op(257, 0.999, 6),
                             op(50001, 0.5, 7), op(3 * 16384 + 11, 0.25, 0xFFFFFFFFFFFFFFFFull), op(64, 1.0 / 3.0, 12345)})
    checkOp(o, seed++);
}

SJ_TEST(dropout_random) {
  std::mt19937_64 rng(2718);
  for (int i = 0; i < 8; ++i) {
    const double p = std::uniform_real_distribution<double>(0.0, 0.95)(rng);
    checkOp(op(draw(rng, 1, 30000), p, rng()), 400 + i);
  }
}

SJ_TEST(dropout_mask_is_deterministic) {
  DropoutShape s;
  s.size = 100003;
  s.p = 0.3;
  ThreadPool one(1), seven(7);
  const std::vector<float> base = maskOf(testPool(), s, 99);
  SJ_CHECK(maskOf(one, s, 99) == base, "the mask must not depend on the number of threads (1 vs 3)");
  SJ_CHECK(maskOf(seven, s, 99) == base, "the mask must not depend on the number of threads (7 vs 3)");
  SJ_CHECK(maskOf(testPool(), s, 99) == base, "the same seed must give the same mask");
  const std::vector<float> other = maskOf(testPool(), s, 100);
  int64_t same = 0;
  for (int64_t i = 0; i < s.size; ++i) same += other[i] == base[i];
  // Independent masks agree where both keep or both drop: p^2 + (1-p)^2 = 0.58 of the elements.
  const double agree = static_cast<double>(same) / s.size;
  SJ_CHECK(std::fabs(agree - 0.58) < 0.01, "masks of seeds 99 and 100 agree on ", agree, " of the elements, expected ~0.58");
}

SJ_TEST(dropout_mask_statistics) {
  // The dropped fraction is p and the mask has mean 1 (inverted dropout), within 5 standard errors.
  const int64_t size = 1 << 20;
  for (double p : {0.1, 0.5, 0.8}) {
    DropoutShape s;
    s.size = size;
    s.p = p;
    for (uint64_t seed : {0ull, 1ull, 2ull, 1ull << 40}) {
      const std::vector<float> mask = maskOf(testPool(), s, seed);
      int64_t dropped = 0;
      double sum = 0.0;
      for (float m : mask) {
        dropped += m == 0.f;
        sum += m;
      }
      const double fraction = static_cast<double>(dropped) / size, sigma = std::sqrt(p * (1 - p) / size);
      SJ_CHECK(std::fabs(fraction - p) < 5 * sigma, "p = ", p, " seed ", seed, ": dropped ", fraction, " of the elements");
      SJ_CHECK(std::fabs(sum / size - 1.0) < 5 * sigma / (1 - p), "p = ", p, " seed ", seed, ": the mask has mean ", sum / size);
    }
  }
}

SJ_TEST(random_uniform_float_range) {
  // uniformFloat lies in [0, 1), in steps of 2^-24, with mean 1/2 and no lag-1 correlation.
  double sum = 0.0, lagged = 0.0, lo = 1.0, hi = 0.0;
  const int64_t count = 1 << 20;
  float previous = uniformFloat(7, 0);
  for (int64_t i = 1; i <= count; ++i) {
    const float u = uniformFloat(7, i);
    SJ_CHECK(u >= 0.f && u < 1.f, "uniformFloat(7, ", i, ") = ", u);
    SJ_CHECK(u * 16777216.f == std::floor(u * 16777216.f), "uniformFloat(7, ", i, ") = ", u, " is not a multiple of 2^-24");
    sum += u;
    lagged += (u - 0.5) * (previous - 0.5);
    lo = std::min<double>(lo, u);
    hi = std::max<double>(hi, u);
    previous = u;
  }
  const double sigma = std::sqrt(1.0 / 12.0 / count);
  SJ_CHECK(std::fabs(sum / count - 0.5) < 5 * sigma, "mean ", sum / count);
  SJ_CHECK(std::fabs(lagged / count) < 5 * sigma * sigma * std::sqrt(static_cast<double>(count)), "lag-1 covariance ", lagged / count);
  SJ_CHECK(lo < 1e-5 && hi > 1 - 1e-5, "range [", lo, ", ", hi, "]");
  SJ_CHECK(counterHash(1, 0) != counterHash(0, 1) && counterHash(0, 0) != counterHash(1, 0), "seed and index must not be interchangeable");
}

SJ_TEST(dropout_rejects_bad_values) {
  DropoutShape s;
  s.size = 10;
  s.p = 1.0;
  expectError(ErrorCode::Value, "got 1", [&] { s.validate(); });
  s.p = -0.25;
  expectError(ErrorCode::Value, "got -0.25", [&] { s.validate(); });
  s.p = std::numeric_limits<double>::quiet_NaN();
  expectError(ErrorCode::Value, "got nan", [&] { s.validate(); });
  s.p = 0.5;
  s.size = -3;
  expectError(ErrorCode::Shape, "got -3", [&] { s.validate(); });
}

}  // namespace sj::testing

namespace sj::testing {

// The CUDA kernel draws the same counter hash as the CPU kernel (core/random.h): for every size,
// p and seed the device mask and output are the CPU's bit for bit, so a network drops the same
// elements on either device.
SJ_TEST(dropout_cuda_mask_matches_cpu) {
  if constexpr (kCudaBuilt) {
    if (!cudaParityAvailable()) return;
    struct Case {
      int64_t size;
      double p;
      uint64_t seed;
    };
    for (const Case& c : {Case{1, 0.5, 1}, Case{1000, 0.1, 4}, Case{65537, 0.3, 99}, Case{4099, 1.0 / 3.0, 0xFFFFFFFFFFFFFFFFull},
                          Case{3000, 0.999, 12345}, Case{777, 0.0, 7}}) {
      const DropoutShape s{c.size, c.p};
      std::mt19937_64 rng(c.seed);
      std::uniform_real_distribution<float> u(-2.0f, 2.0f);
      std::vector<float> x(c.size), mask(c.size), y(c.size), deviceMask(c.size), deviceY(c.size);
      for (float& v : x) v = u(rng);
      dropoutForward(testPool(), s, c.seed, x.data(), mask.data(), y.data());
      const int64_t bytes = c.size * 4;
      float* dx = static_cast<float*>(cuda::allocate(bytes, "x"));
      float* dmask = static_cast<float*>(cuda::allocate(bytes, "mask"));
      float* dy = static_cast<float*>(cuda::allocate(bytes, "y"));
      cuda::copyToDevice(dx, x.data(), bytes, testStream(), "x");
      cuda::dropoutForward(testStream(), s, c.seed, dx, dmask, dy);
      cuda::copyToHost(deviceMask.data(), dmask, bytes, testStream(), "mask");
      cuda::copyToHost(deviceY.data(), dy, bytes, testStream(), "y");
      for (float* p : {dx, dmask, dy}) cuda::release(p);
      SJ_CHECK(deviceMask == mask, s.describe(), " seed ", c.seed, ": the CUDA mask differs from the CPU mask");
      SJ_CHECK(deviceY == y, s.describe(), " seed ", c.seed, ": the CUDA output differs from the CPU output");
    }
  }
}

}  // namespace sj::testing
