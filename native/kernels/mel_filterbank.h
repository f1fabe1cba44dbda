// Mel filterbank, computed once per front-end configuration, as
// torchaudio.functional.melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate, norm, mel_scale):
//
//   freqs[k] = linspace(0, sample_rate // 2, n_freqs)[k]         (integer half rate, as torchaudio)
//   f[i]     = mel_to_hz(linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2)[i])
//   w[k][m]  = max(0, min((freqs[k] - f[m]) / (f[m+1] - f[m]), (f[m+2] - freqs[k]) / (f[m+2] - f[m+1])))
//   norm "slaney": w[k][m] *= 2 / (f[m+2] - f[m])
//   HTK:    mel = 2595 log10(1 + hz / 700)
//   Slaney: mel = 3 hz / 200 below 1 kHz, 15 + 27 ln(hz / 1000) / ln(6.4) above
//
// Computed in double (torchaudio computes in float32; the weights agree to float rounding) and
// stored sparsely: each triangle is nonzero on one run of consecutive bins, kept as (first bin,
// count, weights). An all-zero filter (too many mels for the frequency resolution; torchaudio
// warns) has count 0 and gives 0.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sj {

enum class MelScale { Htk, Slaney };
enum class MelNorm { None, Slaney };

// E_VALUE naming `field` for an unknown name.
MelScale melScaleFromName(const std::string& name, const char* field);
MelNorm melNormFromName(const std::string& name, const char* field);
const char* melScaleName(MelScale scale);
const char* melNormName(MelNorm norm);

double hzToMel(double hz, MelScale scale);
double melToHz(double mel, MelScale scale);

struct MelFilterbankSpec {
  int64_t bins = 1;  // n_freqs = nFft / 2 + 1
  int64_t mels = 1;
  int64_t sampleRate = 16000;
  double fMin = 0.0, fMax = 8000.0;
  MelScale scale = MelScale::Htk;
  MelNorm norm = MelNorm::None;
  void validate() const;  // E_VALUE naming the field: 0 <= fMin < fMax <= sampleRate / 2, ...
};

struct MelFilterbank {
  int64_t bins = 0, mels = 0;
  std::vector<int32_t> first;    // [mels] first stored bin
  std::vector<int32_t> count;    // [mels] bins stored
  std::vector<int64_t> offset;   // [mels] start of the filter's weights in `weights`
  std::vector<float> weights;    // [nonzeros]
  std::vector<double> centreHz;  // [mels] f[m+1], the frequency where filter m peaks
  int64_t nonzeros() const { return static_cast<int64_t>(weights.size()); }
};

MelFilterbank melFilterbank(const MelFilterbankSpec& spec);
// The dense matrix w[k][m] in double, [bins][mels] as torchaudio returns it (tests, comparisons).
std::vector<double> melFilterbankDense(const MelFilterbankSpec& spec);

}  // namespace sj
