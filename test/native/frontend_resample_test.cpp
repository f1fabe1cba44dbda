#include <cmath>

#include "expect_error.h"
#include "harness.h"
#include "kernels/resample.h"

namespace sj::testing {
namespace {

struct ResampleOp : OpTest<ResampleOp, ResampleShape> {
  std::string describe() const { return "resample " + s.describe(); }
  // "x_read" (Index) counts the samples the outputs reach when outputLimit stops short of the end.
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.samples}, {"y", s.outputs(), Role::Output}, {"x_read", s.samplesRead(), Role::Index}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x_read"}, {"y"}}}; }
  template <class T>
  void reference(Pass, Tensors<T>& t) const {
    resampleForwardReference(s, t["x"].data(), t["y"].data());
  }
  void fast(Pass, Tensors<float>& t, ThreadPool& pool) const {
    const ResamplePlan plan(s.inRate, s.outRate);
    resampleForward(pool, s, t["x"].data(), t["y"].data(), plan);
  }
  void cuda(Pass, DeviceTensors& d, CudaStream stream) const {
    const cuda::ResampleDevicePlan plan(ResamplePlan(s.inRate, s.outRate), stream);
    cuda::resampleForward(stream, s, plan, d["x"], d["y"]);
    cuda::synchronize(stream, "resample");
  }
  Cost cost(Pass) const { return resampleForwardCost(s); }
  OpChecks checks() const { return {2e-6}; }
};

ResampleShape shape(int64_t samples, int64_t in, int64_t out, int64_t limit = 0) {
  ResampleShape s;
  s.samples = samples, s.inRate = in, s.outRate = out, s.outputLimit = limit;
  return s;
}

std::vector<float> sine(int64_t n, double hz, int64_t rate, double amplitude) {
  std::vector<float> x(n);
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(amplitude * std::sin(2 * 3.14159265358979323846 * hz * i / rate));
  return x;
}

std::vector<float> resample(const std::vector<float>& x, int64_t in, int64_t out) {
  const ResampleShape s = shape(static_cast<int64_t>(x.size()), in, out);
  s.validate();
  const ResamplePlan plan(in, out);
  std::vector<float> y(s.outputs());
  resampleForward(testPool(), s, x.data(), y.data(), plan);
  return y;
}

}  // namespace

SJ_TEST(frontend_resample_table) {
  uint64_t seed = 1300;
  const ResampleShape table[] = {
      shape(2000, 44100, 16000),      // 160/441: the DCASE path from 44.1 kHz
      shape(700, 16000, 44100),       // upsampling 441/160
      shape(1500, 22050, 16000),      // 320/441
      shape(999, 48000, 16000),       // 1/3
      shape(300, 8000, 16000),        // 2/1
      shape(10, 44100, 16000),        // shorter than the filter: every output is an edge
      shape(1, 16000, 44100),         // one sample
      shape(200, 44101, 44100),       // coprime rates: 44100 phases
      shape(5000, 44100, 16000, 800), // outputLimit: only the samples the first outputs reach
      shape(5000, 16000, 22050, 3),
  };
  for (const ResampleShape& s : table) checkOp(ResampleOp{s}, seed++);
}

SJ_TEST(frontend_resample_lengths_and_design) {
  SJ_CHECK(shape(441000, 44100, 16000).outputs() == 160000, "10 s at 44.1 kHz -> 160000 samples");
  SJ_CHECK(shape(441001, 44100, 16000).outputs() == 160001, "ceil(441001 * 160 / 441) = 160001");
  SJ_CHECK(shape(160000, 16000, 44100).outputs() == 441000, "10 s at 16 kHz -> 441000 samples");
  SJ_CHECK(shape(7, 22050, 16000).outputs() == 6, "ceil(7 * 320 / 441) = 6");
  const ResampleFilter f(44100, 16000);
  SJ_CHECK(f.up() == 160 && f.down() == 441 && f.taps() == 94, "44.1 -> 16 kHz: ", f.up(), "/", f.down(), ", ", f.taps(), " taps");
  SJ_CHECK(ResampleFilter(16000, 44100).taps() == 34, "16 -> 44.1 kHz taps");
  // The taps of every phase sum to the DC gain, 1 within the Kaiser ripple.
  for (auto [in, out] : std::vector<std::pair<int64_t, int64_t>>{{44100, 16000}, {16000, 44100}, {22050, 16000}, {8000, 16000}}) {
    const ResampleFilter filter(in, out);
    for (int64_t phase = 0; phase < filter.up(); ++phase) {
      double sum = 0;
      for (int64_t k = -filter.reach() + 1; k <= filter.reach(); ++k) sum += filter.tap(phase, k);
      SJ_CHECK(std::fabs(sum - 1.0) < 2e-4, in, " -> ", out, " phase ", phase, ": DC gain ", sum);
    }
  }
}

// A sine at 0.7 of the new Nyquist or below keeps its frequency, phase and amplitude: away from
// the clip's ends (2C input samples) each output is within 1e-4 of the amplitude of the ideal
// sine sampled at the new rate (observed 1e-5 to 5e-5). A sine above 1.15 of the new Nyquist
// comes out below 1e-4 of its amplitude, -80 dB (observed 4e-5 at 1.15, 1e-5 at 1.5).
SJ_TEST(frontend_resample_keeps_passband_and_rejects_stopband) {
  struct Case {
    int64_t in, out;
    double hz;
    bool pass;
  };
  const Case cases[] = {
      {44100, 16000, 1000.0, true}, {44100, 16000, 5600.0, true}, {16000, 44100, 3000.0, true}, {16000, 44100, 5600.0, true},
      {22050, 16000, 440.0, true},  {48000, 16000, 4000.0, true}, {8000, 16000, 2500.0, true},
      {44100, 16000, 9200.0, false}, {44100, 16000, 12000.0, false}, {44100, 16000, 20000.0, false}, {48000, 16000, 10000.0, false},
      {22050, 16000, 10000.0, false},
  };
  const double amplitude = 0.8;
  for (const Case& c : cases) {
    const int64_t n = c.in / 2;  // half a second
    const std::vector<float> y = resample(sine(n, c.hz, c.in, amplitude), c.in, c.out);
    const ResampleFilter filter(c.in, c.out);
    const int64_t margin = (2 * filter.reach() * c.out + c.in - 1) / c.in + 1;
    double worst = 0;
    for (int64_t j = margin; j < static_cast<int64_t>(y.size()) - margin; ++j) {
      const double ideal = c.pass ? amplitude * std::sin(2 * 3.14159265358979323846 * c.hz * j / c.out) : 0.0;
      worst = std::max(worst, std::fabs(y[j] - ideal));
    }
    const double bound = 1e-4 * amplitude;
    SJ_CHECK(worst <= bound, c.in, " -> ", c.out, " Hz, ", c.hz, " Hz sine: max deviation ", worst / amplitude, " of the amplitude, bound ",
             bound / amplitude);
  }
}

SJ_TEST(frontend_resample_rejects_bad_rates) {
  expectError(ErrorCode::Value, "both 16000 Hz: nothing to resample", [] { shape(100, 16000, 16000).validate(); });
  expectError(ErrorCode::Value, "input rate must be in [1, 10000000] Hz, got 0", [] { shape(100, 0, 16000).validate(); });
  expectError(ErrorCode::Value, "output rate must be in", [] { shape(100, 16000, -5).validate(); });
  expectError(ErrorCode::Shape, "signal is empty", [] { shape(0, 44100, 16000).validate(); });
  expectError(ErrorCode::Value, "taps per output", [] { ResampleFilter f(10000000, 1); });
  expectError(ErrorCode::Value, "floats", [] { ResamplePlan p(9999991, 9999989); });
}

}  // namespace sj::testing
