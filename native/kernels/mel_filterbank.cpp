#include "kernels/mel_filterbank.h"

#include <cmath>

#include "base/error.h"

namespace sj {

MelScale melScaleFromName(const std::string& name, const char* field) {
  if (name == "htk") return MelScale::Htk;
  if (name == "slaney") return MelScale::Slaney;
  fail(ErrorCode::Value, field, " must be \"htk\" or \"slaney\", got \"", name, "\"");
}

MelNorm melNormFromName(const std::string& name, const char* field) {
  if (name == "none") return MelNorm::None;
  if (name == "slaney") return MelNorm::Slaney;
  fail(ErrorCode::Value, field, " must be \"none\" or \"slaney\", got \"", name, "\"");
}

const char* melScaleName(MelScale scale) { return scale == MelScale::Htk ? "htk" : "slaney"; }
const char* melNormName(MelNorm norm) { return norm == MelNorm::None ? "none" : "slaney"; }

namespace {
constexpr double kSlaneyStep = 200.0 / 3.0;                 // Hz per mel below 1 kHz
constexpr double kSlaneyBreakHz = 1000.0;
constexpr double kSlaneyBreakMel = kSlaneyBreakHz / kSlaneyStep;  // 15
const double kSlaneyLogStep = std::log(6.4) / 27.0;
}  // namespace

double hzToMel(double hz, MelScale scale) {
  if (scale == MelScale::Htk) return 2595.0 * std::log10(1.0 + hz / 700.0);
  if (hz >= kSlaneyBreakHz) return kSlaneyBreakMel + std::log(hz / kSlaneyBreakHz) / kSlaneyLogStep;
  return hz / kSlaneyStep;
}

double melToHz(double mel, MelScale scale) {
  if (scale == MelScale::Htk) return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  if (mel >= kSlaneyBreakMel) return kSlaneyBreakHz * std::exp(kSlaneyLogStep * (mel - kSlaneyBreakMel));
  return kSlaneyStep * mel;
}

void MelFilterbankSpec::validate() const {
  if (bins < 1) fail(ErrorCode::Value, "mel filterbank: the spectrum must have at least 1 bin, got ", bins);
  if (mels < 1) fail(ErrorCode::Value, "nMels must be >= 1, got ", mels);
  if (sampleRate < 1) fail(ErrorCode::Value, "sampleRate must be >= 1, got ", sampleRate);
  if (!(fMin >= 0.0) || !std::isfinite(fMin)) fail(ErrorCode::Value, "fMin must be a finite number >= 0, got ", fMin);
  if (!(fMax > fMin) || !std::isfinite(fMax)) fail(ErrorCode::Value, "fMax must be a finite number above fMin = ", fMin, ", got ", fMax);
  if (fMax > sampleRate / 2.0) {
    fail(ErrorCode::Value, "fMax = ", fMax, " Hz is above the Nyquist frequency ", sampleRate / 2.0, " Hz of sampleRate = ", sampleRate);
  }
}

namespace {

// linspace(start, end, steps)[i], as torch.linspace: exact at both ends.
double linspace(double start, double end, int64_t steps, int64_t i) {
  if (steps == 1) return start;
  const double step = (end - start) / static_cast<double>(steps - 1);
  return i < steps / 2 ? start + step * static_cast<double>(i) : end - step * static_cast<double>(steps - 1 - i);
}

struct Edges {
  std::vector<double> freqs, f;  // bin frequencies [bins], filter edges [mels + 2]
};

Edges edges(const MelFilterbankSpec& spec) {
  spec.validate();
  Edges e;
  const double top = static_cast<double>(spec.sampleRate / 2);
  for (int64_t k = 0; k < spec.bins; ++k) e.freqs.push_back(linspace(0.0, top, spec.bins, k));
  const double mMin = hzToMel(spec.fMin, spec.scale), mMax = hzToMel(spec.fMax, spec.scale);
  for (int64_t i = 0; i < spec.mels + 2; ++i) e.f.push_back(melToHz(linspace(mMin, mMax, spec.mels + 2, i), spec.scale));
  return e;
}

double weight(const Edges& e, const MelFilterbankSpec& spec, int64_t k, int64_t m) {
  const double down = (e.freqs[k] - e.f[m]) / (e.f[m + 1] - e.f[m]);
  const double up = (e.f[m + 2] - e.freqs[k]) / (e.f[m + 2] - e.f[m + 1]);
  double w = std::max(0.0, std::min(down, up));
  if (spec.norm == MelNorm::Slaney) w *= 2.0 / (e.f[m + 2] - e.f[m]);
  return w;
}

}  // namespace

std::vector<double> melFilterbankDense(const MelFilterbankSpec& spec) {
  const Edges e = edges(spec);
  std::vector<double> fb(spec.bins * spec.mels);
  for (int64_t k = 0; k < spec.bins; ++k)
    for (int64_t m = 0; m < spec.mels; ++m) fb[k * spec.mels + m] = weight(e, spec, k, m);
  return fb;
}

MelFilterbank melFilterbank(const MelFilterbankSpec& spec) {
  const Edges e = edges(spec);
  MelFilterbank fb;
  fb.bins = spec.bins;
  fb.mels = spec.mels;
  for (int64_t m = 0; m < spec.mels; ++m) {
    int64_t lo = -1, hi = -1;
    for (int64_t k = 0; k < spec.bins; ++k)
      if (weight(e, spec, k, m) > 0.0) {
        if (lo < 0) lo = k;
        hi = k;
      }
    fb.first.push_back(static_cast<int32_t>(lo < 0 ? 0 : lo));
    fb.count.push_back(static_cast<int32_t>(lo < 0 ? 0 : hi - lo + 1));
    fb.offset.push_back(fb.nonzeros());
    for (int64_t k = lo; lo >= 0 && k <= hi; ++k) fb.weights.push_back(static_cast<float>(weight(e, spec, k, m)));
    fb.centreHz.push_back(e.f[m + 1]);
  }
  return fb;
}

}  // namespace sj
