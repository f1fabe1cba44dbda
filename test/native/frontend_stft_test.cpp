#include <cmath>

#include "expect_error.h"
#include "harness.h"
#include "kernels/stft.h"
#include "kernels/window.h"

namespace sj::testing {
namespace {

struct StftOp : OpTest<StftOp, StftShape> {
  std::string describe() const { return "stft " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.samples}, {"window", s.winLength, Role::Filled, 0.0, 1.0}, {"y", s.outputSize(), Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x", "window"}, {"y"}}}; }
  template <class T>
  void reference(Pass, Tensors<T>& t) const {
    stftForwardReference(s, t["x"].data(), t["window"].data(), t["y"].data());
  }
  void fast(Pass, Tensors<float>& t, ThreadPool& pool) const {
    StftWorkspace ws(s.nFft);
    stftForward(pool, s, t["x"].data(), t["window"].data(), t["y"].data(), ws);
  }
  void cuda(Pass, DeviceTensors& d, CudaStream stream) const {
    const cuda::FftDevicePlan plan(FftPlan(s.nFft), stream);
    cuda::stftForward(stream, s, plan, d["x"], d["window"], d["y"]);
    cuda::synchronize(stream, "stft");  // before the plan's tables are freed
  }
  Cost cost(Pass) const { return stftForwardCost(s); }
  OpChecks checks() const { return {2e-5}; }
};

StftShape shape(int64_t samples, int64_t nFft, int64_t hop, int64_t win, bool center, int power) {
  StftShape s;
  s.samples = samples, s.nFft = nFft, s.hop = hop, s.winLength = win, s.center = center, s.power = power;
  return s;
}

// torch.stft(x, n_fft, hop, win_length, window, center, pad_mode="reflect", onesided=True).abs()**power,
// written from its definition: explicit reflect padding, the window zero-padded centred to n_fft,
// frames by slicing, an O(n^2) DFT per frame.
std::vector<double> torchStftOracle(const StftShape& s, const std::vector<double>& x, const std::vector<double>& window) {
  std::vector<double> padded;
  const int64_t pad = s.center ? s.nFft / 2 : 0;
  for (int64_t i = pad; i >= 1; --i) padded.push_back(x[i]);
  padded.insert(padded.end(), x.begin(), x.end());
  for (int64_t i = 1; i <= pad; ++i) padded.push_back(x[x.size() - 1 - i]);
  std::vector<double> w(s.nFft, 0.0);
  const int64_t left = (s.nFft - s.winLength) / 2;
  for (int64_t i = 0; i < s.winLength; ++i) w[left + i] = window[i];
  const int64_t frames = 1 + (static_cast<int64_t>(padded.size()) - s.nFft) / s.hop, bins = s.nFft / 2 + 1;
  std::vector<double> y(bins * frames);
  std::vector<long double> c(s.nFft), sn(s.nFft);
  for (int64_t r = 0; r < s.nFft; ++r) {
    const long double a = -2.0L * 3.141592653589793238462643383279502884L * static_cast<long double>(r) / s.nFft;
    c[r] = std::cos(a);
    sn[r] = std::sin(a);
  }
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t k = 0; k < bins; ++k) {
      long double re = 0, im = 0;
      for (int64_t i = 0; i < s.nFft; ++i) {
        const double v = padded[f * s.hop + i] * w[i];
        re += v * c[(i * k) % s.nFft];
        im += v * sn[(i * k) % s.nFft];
      }
      const double p = static_cast<double>(re * re + im * im);
      y[k * frames + f] = s.power == 1 ? std::sqrt(p) : p;
    }
  return y;
}

const StftShape kTable[] = {
    shape(64, 16, 4, 16, true, 2),     // centred, full window
    shape(64, 16, 4, 16, true, 1),     // magnitude
    shape(50, 16, 5, 10, true, 1),     // short window, zero-padded centred
    shape(50, 16, 5, 9, true, 2),      // odd short window: offset (16-9)/2 = 3
    shape(40, 12, 3, 12, false, 2),    // no padding, nFft = 12 (radix 2 x 3)
    shape(33, 15, 4, 15, true, 1),     // odd nFft: complex FFT of 15
    shape(9, 16, 2, 16, true, 2),      // barely more samples than the reflect pad
    shape(16, 16, 1, 16, false, 1),    // exactly one frame
    shape(100, 30, 7, 25, true, 1),    // radix 3 x 5
    shape(300, 64, 16, 64, true, 1),   // many frames: several lane groups and threads
    shape(1000, 400, 160, 400, true, 2),
    shape(2, 1, 1, 1, false, 2),       // nFft 1
    shape(3000, 256, 32, 200, true, 1),  // lane-kernel rows inside a short window, offset 28
    shape(3000, 256, 37, 151, true, 2),  // odd window length and offset (52), odd hop
    shape(5000, 512, 100, 512, false, 1),
};

}  // namespace

SJ_TEST(frontend_stft_table) {
  uint64_t seed = 800;
  for (const StftShape& s : kTable) checkOp(StftOp{s}, seed++);
}

// The reference follows torch.stft's padding, framing and window placement: compared with the
// oracle above to 1e-10 of the largest value.
SJ_TEST(frontend_stft_matches_torch_semantics) {
  std::mt19937_64 rng(801);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (const StftShape& s : kTable) {
    std::vector<double> x(s.samples), window(s.winLength);
    for (double& v : x) v = u(rng);
    for (double& v : window) v = 0.5 + 0.5 * u(rng);
    const std::vector<double> want = torchStftOracle(s, x, window);
    SJ_CHECK(static_cast<int64_t>(want.size()) == s.outputSize(), s.describe(), ": torch gives ", want.size(), " values");
    std::vector<double> got(s.outputSize());
    stftForwardReference(s, x.data(), window.data(), got.data());
    double worst = 0, scale = 1e-30;
    for (size_t i = 0; i < got.size(); ++i) {
      worst = std::max(worst, std::fabs(got[i] - want[i]));
      scale = std::max(scale, std::fabs(want[i]));
    }
    SJ_CHECK(worst <= 1e-10 * scale, s.describe(), ": differs from the torch oracle by ", worst / scale, " of max");
  }
}

// Long frames: nFft 8192 (the CUDA kernel's frame buffers in opted-in shared memory, one frame per
// block), 6000 (radix 4 x 2 x 3 x 5^3, 48,000 bytes: just under the default limit) and 16384 (in
// the workspace).
SJ_TEST(frontend_stft_long_frames) {
  uint64_t seed = 820;
  for (const StftShape& s : {shape(30000, 8192, 2048, 8192, true, 1), shape(50000, 6000, 3001, 4999, false, 1),
                             shape(40000, 16384, 4096, 16384, true, 2)})
    checkOp(StftOp{s}, seed++);
}

SJ_TEST(frontend_stft_frame_limit_keeps_the_first_frames) {
  std::mt19937_64 rng(802);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  StftShape all = shape(4000, 256, 64, 256, true, 1);
  std::vector<float> x(all.samples), window(all.winLength);
  for (float& v : x) v = u(rng);
  for (float& v : window) v = 0.5f + 0.5f * u(rng);
  std::vector<float> full(all.outputSize());
  StftWorkspace ws(all.nFft);
  stftForward(testPool(), all, x.data(), window.data(), full.data(), ws);
  for (int64_t limit : std::vector<int64_t>{1, 7, 17, 40, all.allFrames() - 1, all.allFrames(), all.allFrames() + 5}) {
    StftShape s = all;
    s.frameLimit = limit;
    std::vector<float> part(s.outputSize());
    stftForward(testPool(), s, x.data(), window.data(), part.data(), ws);
    const int64_t f = s.frames();
    SJ_CHECK(f == std::min(limit, all.allFrames()), "limit ", limit, " gives ", f, " frames");
    for (int64_t k = 0; k < s.bins(); ++k)
      for (int64_t t = 0; t < f; ++t)
        SJ_CHECK(part[k * f + t] == full[k * all.frames() + t], "limit ", limit, ": S[", k, "][", t, "] differs from the full STFT");
    // Only the samples the first frames touch are read: centred, frame f ends before x[f*hop + nFft/2],
    // and frame 0's reflection reads x[1..nFft/2].
    const int64_t read = std::min<int64_t>(all.samples, std::max((f - 1) * s.hop + s.nFft - s.pad(), s.pad() + 1));
    SJ_CHECK(stftForwardCost(s).bytesRead == 4 * (read + s.winLength), "limit ", limit, ": bytes read ", stftForwardCost(s).bytesRead);
    SJ_CHECK(stftForwardCost(s).flops == f * stftForwardCost(all).flops / all.frames(), "limit ", limit, ": flops scale with frames");
  }
}

SJ_TEST(frontend_stft_windows_match_torch) {
  // torch.hann_window(4) = [0, .5, 1, .5]; torch.hann_window(4, periodic=False) = [0, .75, .75, 0];
  // torch.hamming_window(5, periodic=False) = [.08, .54, 1, .54, .08]; torch.hamming_window(4) = [.08, .54, 1, .54].
  auto near = [](const std::vector<double>& got, const std::vector<double>& want) {
    if (got.size() != want.size()) return false;
    for (size_t i = 0; i < got.size(); ++i)
      if (std::fabs(got[i] - want[i]) > 1e-12) return false;
    return true;
  };
  SJ_CHECK(near(makeWindow(WindowKind::Hann, 4, true), {0, .5, 1, .5}), "periodic hann");
  SJ_CHECK(near(makeWindow(WindowKind::Hann, 4, false), {0, .75, .75, 0}), "symmetric hann");
  SJ_CHECK(near(makeWindow(WindowKind::Hamming, 5, false), {.08, .54, 1, .54, .08}), "symmetric hamming");
  SJ_CHECK(near(makeWindow(WindowKind::Hamming, 4, true), {.08, .54, 1, .54}), "periodic hamming");
  SJ_CHECK(near(makeWindow(WindowKind::Hamming, 1, false), {1}), "length 1");
  expectError(ErrorCode::Value, "\"blackman\"", [] { windowKindFromName("blackman", "window"); });
}

SJ_TEST(frontend_stft_rejects_bad_shapes) {
  expectError(ErrorCode::Value, "hop must be >= 1, got 0", [] { shape(100, 16, 0, 16, true, 1).validate(); });
  expectError(ErrorCode::Value, "winLength must be in [1, nFft = 16], got 17", [] { shape(100, 16, 4, 17, true, 1).validate(); });
  expectError(ErrorCode::Value, "nFft = 14 has the prime factor 7", [] { shape(100, 14, 4, 14, true, 1).validate(); });
  expectError(ErrorCode::Value, "power must be 1", [] { shape(100, 16, 4, 16, true, 3).validate(); });
  expectError(ErrorCode::Shape, "needs more than 8 samples, got 8", [] { shape(8, 16, 4, 16, true, 1).validate(); });
  expectError(ErrorCode::Shape, "at least nFft = 16 samples, got 15", [] { shape(15, 16, 4, 16, false, 1).validate(); });
}

}  // namespace sj::testing
