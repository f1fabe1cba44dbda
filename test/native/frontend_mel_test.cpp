#include <cmath>

#include "expect_error.h"
#include "harness.h"
#include "kernels/mel.h"
#include "kernels/stft.h"
#include "kernels/window.h"

namespace sj::testing {
namespace {

MelFilterbankSpec spec(int64_t nFft, int64_t mels, int64_t rate, double fMin, double fMax, MelScale scale, MelNorm norm) {
  MelFilterbankSpec s;
  s.bins = nFft / 2 + 1, s.mels = mels, s.sampleRate = rate, s.fMin = fMin, s.fMax = fMax, s.scale = scale, s.norm = norm;
  return s;
}

struct MelCase {
  MelFilterbank fb;
  int64_t frames;
};

struct MelOp : OpTest<MelOp, MelCase> {
  MelShape shape() const {
    MelShape m;
    m.frames = s.frames;
    m.filters = &s.fb;
    return m;
  }
  std::string describe() const { return "mel " + shape().describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"w", s.fb.nonzeros(), Role::Filled, 0.0, 1.0},
            {"index", 2 * s.fb.mels, Role::Index},
            {"S", s.fb.bins * s.frames, Role::Filled, 0.0, 2.0},
            {"y", s.fb.mels * s.frames, Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"S", "w", "index"}, {"y"}}}; }
  template <class T>
  void reference(Pass, Tensors<T>& t) const {
    melForwardReference(shape(), t["w"].data(), t["S"].data(), t["y"].data());
  }
  void fast(Pass, Tensors<float>& t, ThreadPool& pool) const { melForward(pool, shape(), t["w"].data(), t["S"].data(), t["y"].data()); }
  void cuda(Pass, DeviceTensors& d, CudaStream stream) const {
    const cuda::MelDeviceIndex index(s.fb, stream);
    cuda::melForward(stream, shape(), index, d["w"], d["S"], d["y"]);
    cuda::synchronize(stream, "mel");
  }
  Cost cost(Pass) const { return melForwardCost(shape()); }
  OpChecks checks() const { return {1e-6}; }
};

// torchaudio.functional.melscale_fbanks written out again from its source, independently of
// mel_filterbank.cpp: the (n_freqs, n_filter + 2) slopes matrix, down and up slopes, then norm.
std::vector<double> torchaudioFbanks(int64_t nFreqs, double fMin, double fMax, int64_t nMels, int64_t sampleRate, bool slaneyNorm,
                                     bool htk) {
  auto hzToMel = [&](double f) {
    if (htk) return 2595.0 * std::log10(1.0 + f / 700.0);
    const double fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp, logstep = std::log(6.4) / 27.0;
    return f >= minLogHz ? minLogMel + std::log(f / minLogHz) / logstep : f / fSp;
  };
  auto melToHz = [&](double m) {
    if (htk) return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0);
    const double fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp, logstep = std::log(6.4) / 27.0;
    return m >= minLogMel ? minLogHz * std::exp(logstep * (m - minLogMel)) : fSp * m;
  };
  std::vector<double> allFreqs(nFreqs), fPts(nMels + 2);
  for (int64_t k = 0; k < nFreqs; ++k) allFreqs[k] = nFreqs == 1 ? 0.0 : static_cast<double>(sampleRate / 2) * k / (nFreqs - 1);
  const double mMin = hzToMel(fMin), mMax = hzToMel(fMax);
  for (int64_t i = 0; i < nMels + 2; ++i) fPts[i] = melToHz(mMin + (mMax - mMin) * i / (nMels + 1));
  std::vector<double> fb(nFreqs * nMels);
  for (int64_t k = 0; k < nFreqs; ++k)
    for (int64_t m = 0; m < nMels; ++m) {
      const double slopeLo = fPts[m] - allFreqs[k], slopeHi = fPts[m + 2] - allFreqs[k];
      const double down = (-1.0 * slopeLo) / (fPts[m + 1] - fPts[m]);
      const double up = slopeHi / (fPts[m + 2] - fPts[m + 1]);
      double w = std::max(0.0, std::min(down, up));
      if (slaneyNorm) w *= 2.0 / (fPts[m + 2] - fPts[m]);
      fb[k * nMels + m] = w;
    }
  return fb;
}

const MelFilterbankSpec kSpecs[] = {
    spec(2048, 128, 16000, 0, 8000, MelScale::Htk, MelNorm::None),       // DCASE
    spec(2048, 128, 44100, 0, 22050, MelScale::Htk, MelNorm::None),      // toolbox
    spec(400, 80, 16000, 0, 8000, MelScale::Slaney, MelNorm::Slaney),    // Whisper / librosa style
    spec(1024, 64, 22050, 50, 11025, MelScale::Slaney, MelNorm::None),
    spec(512, 40, 16000, 300, 7600, MelScale::Htk, MelNorm::Slaney),
    spec(64, 48, 8000, 0, 4000, MelScale::Htk, MelNorm::None),           // more mels than bins can feed: empty filters
    spec(30, 5, 48000, 100, 20000, MelScale::Slaney, MelNorm::None),
};

}  // namespace

SJ_TEST(frontend_mel_table) {
  uint64_t seed = 900;
  for (const MelFilterbankSpec& s : kSpecs)
    for (int64_t frames : {1, 7, 300}) checkOp(MelOp{melFilterbank(s), frames}, seed++);
}

// The stored weights equal the torchaudio formula (to float rounding: 1e-6 of the largest weight),
// nothing outside the stored runs is nonzero, and the dense form of the filterbank equals it too.
SJ_TEST(frontend_mel_filterbank_matches_torchaudio_formula) {
  for (const MelFilterbankSpec& s : kSpecs) {
    const std::vector<double> want =
        torchaudioFbanks(s.bins, s.fMin, s.fMax, s.mels, s.sampleRate, s.norm == MelNorm::Slaney, s.scale == MelScale::Htk);
    const MelFilterbank fb = melFilterbank(s);
    const std::vector<double> dense = melFilterbankDense(s);
    double top = 0;
    for (double w : want) top = std::max(top, w);
    for (int64_t m = 0; m < s.mels; ++m)
      for (int64_t k = 0; k < s.bins; ++k) {
        const bool stored = k >= fb.first[m] && k < fb.first[m] + fb.count[m];
        const double got = stored ? fb.weights[fb.offset[m] + k - fb.first[m]] : 0.0;
        SJ_CHECK(std::fabs(got - want[k * s.mels + m]) <= 1e-6 * top, "mel ", m, " bin ", k, ": ", got, " vs torchaudio ", want[k * s.mels + m]);
        SJ_CHECK(std::fabs(dense[k * s.mels + m] - want[k * s.mels + m]) <= 1e-12 * top, "dense mel ", m, " bin ", k);
        if (stored && (k == fb.first[m] || k == fb.first[m] + fb.count[m] - 1)) SJ_CHECK(got > 0, "stored runs start and end on nonzeros");
      }
  }
  // Sparsity: each bin feeds at most two triangles.
  const MelFilterbank dcase = melFilterbank(kSpecs[0]);
  SJ_CHECK(dcase.nonzeros() <= 2 * dcase.bins, "DCASE filterbank stores ", dcase.nonzeros(), " weights for ", dcase.bins, " bins");
}

SJ_TEST(frontend_mel_scales) {
  SJ_CHECK(std::fabs(hzToMel(1000.0, MelScale::Htk) - 1000.0) < 0.05, "HTK mel(1000 Hz) = ", hzToMel(1000.0, MelScale::Htk));
  SJ_CHECK(std::fabs(hzToMel(1000.0, MelScale::Slaney) - 15.0) < 1e-12, "Slaney mel(1000 Hz) = ", hzToMel(1000.0, MelScale::Slaney));
  SJ_CHECK(std::fabs(hzToMel(500.0, MelScale::Slaney) - 7.5) < 1e-12, "Slaney is linear below 1 kHz");
  // Slaney above 1 kHz: 27 mels per factor 6.4.
  SJ_CHECK(std::fabs(hzToMel(6400.0, MelScale::Slaney) - 42.0) < 1e-9, "Slaney mel(6.4 kHz) = ", hzToMel(6400.0, MelScale::Slaney));
  for (MelScale scale : {MelScale::Htk, MelScale::Slaney})
    for (double hz : {0.0, 20.0, 440.0, 999.0, 1000.0, 1001.0, 8000.0, 22050.0})
      SJ_CHECK(std::fabs(melToHz(hzToMel(hz, scale), scale) - hz) < 1e-9 * std::max(1.0, hz), melScaleName(scale), " round trip at ", hz, " Hz");
}

// A pure tone lands, in every frame away from the clip's ends, in the mel band whose centre
// frequency is nearest to it (for tones between the first and last centres).
SJ_TEST(frontend_mel_pure_tone_lands_in_the_nearest_band) {
  const int64_t rate = 16000, n = 16000;
  const MelFilterbankSpec s = spec(2048, 128, rate, 0, 8000, MelScale::Htk, MelNorm::None);
  const MelFilterbank fb = melFilterbank(s);
  StftShape ss;
  ss.samples = n, ss.nFft = 2048, ss.hop = 256, ss.winLength = 2048, ss.center = true, ss.power = 1;
  const std::vector<double> wd = makeWindow(WindowKind::Hann, 2048, true);
  const std::vector<float> window(wd.begin(), wd.end());
  StftWorkspace ws(ss.nFft);
  for (double hz : {150.0, 440.0, 1000.0, 1234.5, 3000.0, 5555.0, 7000.0}) {
    std::vector<float> x(n);
    for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(0.5 * std::sin(2 * 3.14159265358979323846 * hz * i / rate));
    std::vector<float> S(ss.outputSize()), mel(fb.mels * ss.frames());
    stftForward(testPool(), ss, x.data(), window.data(), S.data(), ws);
    MelShape ms;
    ms.frames = ss.frames(), ms.filters = &fb;
    melForward(testPool(), ms, fb.weights.data(), S.data(), mel.data());
    int64_t nearest = 0;
    for (int64_t m = 1; m < fb.mels; ++m)
      if (std::fabs(fb.centreHz[m] - hz) < std::fabs(fb.centreHz[nearest] - hz)) nearest = m;
    for (int64_t f = 8; f < ss.frames() - 8; ++f) {
      int64_t best = 0;
      for (int64_t m = 1; m < fb.mels; ++m)
        if (mel[m * ss.frames() + f] > mel[best * ss.frames() + f]) best = m;
      SJ_CHECK(best == nearest, hz, " Hz, frame ", f, ": loudest band ", best, " (centre ", fb.centreHz[best], " Hz), nearest centre is band ",
               nearest, " (", fb.centreHz[nearest], " Hz)");
    }
  }
}

SJ_TEST(frontend_mel_rejects_bad_specs) {
  expectError(ErrorCode::Value, "fMax = 8001 Hz is above the Nyquist frequency 8000", [] {
    spec(2048, 128, 16000, 0, 8001, MelScale::Htk, MelNorm::None).validate();
  });
  expectError(ErrorCode::Value, "fMax must be a finite number above fMin = 500, got 400", [] {
    spec(2048, 128, 16000, 500, 400, MelScale::Htk, MelNorm::None).validate();
  });
  expectError(ErrorCode::Value, "fMin must be a finite number >= 0, got -1", [] {
    spec(2048, 128, 16000, -1, 400, MelScale::Htk, MelNorm::None).validate();
  });
  expectError(ErrorCode::Value, "nMels must be >= 1, got 0", [] { spec(2048, 0, 16000, 0, 8000, MelScale::Htk, MelNorm::None).validate(); });
  expectError(ErrorCode::Value, "melScale must be \"htk\" or \"slaney\", got \"bark\"", [] { melScaleFromName("bark", "melScale"); });
  expectError(ErrorCode::Value, "melNorm must be", [] { melNormFromName("area", "melNorm"); });
}

}  // namespace sj::testing
