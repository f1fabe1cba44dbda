// The audio front end: mono float samples at any integer rate -> a [nMels][frames] feature block,
// every stage a kernel call recorded in the ledger with its cost.
//
//   resample (when the input rate differs) -> pad to clipSeconds (crop: a prefix, no kernel) ->
//   stft -> mel -> amplitude (log / dB, clamp) -> normalize -> frame_crop
//
// Presets (frontendPreset):
//   "dcase"   (DCASE 2023 Task 4 baseline, DESED_task confs/default.yaml and local/sed_trainer.py):
//             16 kHz, 10 s, nFft 2048, hop 256, win 2048, Hamming (periodic=False), centred,
//             128 HTK mels over 0-8000 Hz, no mel norm, magnitude (power 1), dB with multiplier 20
//             and amin 1e-5 (the baseline's take_log sets amp_to_db.amin = 1e-5 "as in librosa"),
//             clamped to [-50, 80], per-clip min-max: 10 s -> 128 x 626.
//   "toolbox" (Douwes & Serizel's toolbox_energy, MelSpectrogram in src/dataloader.py): 44.1 kHz,
//             10 s, nFft 2048, hop 256, win 2048, Hamming (periodic=False), centred, 128 HTK mels
//             over 0-22050 Hz, no norm, magnitude, no log, no normalisation, the first 64 frames:
//             -> 128 x 64.
//
// Differences from the Python pipelines, all below float resolution or by design: the front end
// computes in float32 with float64 filter design (torch computes the window and filterbank in
// float32); a clip longer than clipSeconds keeps its start (DESED crops training clips at a random
// offset); min-max divides by (max - min) with a guard at 0 where DESED adds eps = 1e-8.
//
// When normalize is "none" and frames > 0, only the first `frames` STFT frames are computed (every
// later stage is element-wise, so the result is the same): the toolbox preset runs 64 of 1723.
//
// Device: the CPU (the thread pool of the kernel context), or CUDA: the extractor owns a CUDA
// session and keeps its window, filterbank, FFT and resampling tables on the device; compute()
// copies the clip there in one transfer, runs every stage there (kernels/cuda/, the
// same ledger rows and cost formulas), copies the features back in one transfer and records the
// stages' GPU times. The CUDA features equal the CPU's within float rounding (min-max output
// within ~1e-6).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/buffer.h"
#include "core/device.h"
#include "core/json.h"
#include "kernels/amplitude.h"
#include "kernels/mel_filterbank.h"
#include "kernels/normalize.h"
#include "kernels/resample.h"
#include "kernels/stft.h"
#include "kernels/window.h"
#include "ledger/kernel_context.h"

namespace sj {

struct FrontendConfig {
  int64_t sampleRate = 16000;  // Hz, the rate the features are computed at
  double clipSeconds = 10.0;   // 0: keep the input length; else zero-pad or crop to this length
  int64_t nFft = 2048, hop = 256, winLength = 2048;
  std::string window = "hamming";  // "hann" | "hamming"
  bool periodicWindow = false;
  bool center = true;
  int64_t nMels = 128;
  double fMin = 0.0, fMax = 8000.0;
  std::string melScale = "htk";  // "htk" | "slaney"
  std::string melNorm = "none";  // "none" | "slaney"
  int power = 1;                 // 1: magnitude, 2: power
  std::string amplitude = "db";  // "none" | "log" | "db"
  double dbMultiplier = 20.0, amin = 1e-5;
  double logEps = 1e-6;
  bool clamp = true;
  double clampMin = -50.0, clampMax = 80.0;
  std::string normalize = "minmax";  // "none" | "minmax" | "standardize"
  int64_t frames = 0;                // 0: all; else the first N frames, zero-padded if fewer

  Json toJson() const;  // every field; frontendConfigFromJson(toJson().dump()) gives it back
};

// E_VALUE naming the field and its value.
void validateFrontendConfig(const FrontendConfig& c);
// "dcase" or "toolbox"; E_VALUE otherwise.
FrontendConfig frontendPreset(const std::string& name);
// {"preset": "dcase" (default) | "toolbox", any FrontendConfig field to override}: unknown fields and
// mistyped values are E_SPEC naming the field, invalid values E_VALUE.
FrontendConfig frontendConfigFromJson(const std::string& text);

class FeatureExtractor {
 public:
  // Validates; builds window, filterbank, FFT plan. Device::Cuda opens a session on CUDA device
  // `cudaDevice` and copies the tables there: E_CUDA when this build has no CUDA backend or no
  // device is visible.
  explicit FeatureExtractor(const FrontendConfig& config, Device device = Device::Cpu, int cudaDevice = 0);
  ~FeatureExtractor();
  FeatureExtractor(const FeatureExtractor&) = delete;
  FeatureExtractor& operator=(const FeatureExtractor&) = delete;

  Device device() const { return device_; }
  // The session the kernel context of compute() must be built on, on CUDA (null on the CPU).
  CudaSession* cudaSession() const { return cuda_.get(); }

  const FrontendConfig& config() const { return config_; }
  const MelFilterbank& filterbank() const { return filterbank_; }
  const std::vector<float>& window() const { return window_; }

  // Samples after resampling from inputRate: ceil(samples * sampleRate / inputRate).
  int64_t resampledLength(int64_t samples, int64_t inputRate) const;
  // Samples the STFT sees: clipSeconds * sampleRate, or samplesAtTargetRate when clipSeconds is 0.
  int64_t clipLength(int64_t samplesAtTargetRate) const;
  int64_t outputFrames(int64_t samplesAtTargetRate) const;
  int64_t outputSize(int64_t samplesAtTargetRate) const { return config_.nMels * outputFrames(samplesAtTargetRate); }

  // audio [samples] at inputRate -> out [nMels][outputFrames(resampledLength(samples, inputRate))],
  // both in host memory. Each stage runs through ctx.run under the ledger label "frontend". On CUDA
  // ctx must be built on cudaSession(); compute() ends with ctx.finishDeviceWork() (or drops the
  // pending rows when a stage fails). Scratch buffers and resampling tables are kept for the next
  // call; one call at a time per extractor.
  // E_SHAPE for empty or too short audio, E_VALUE for a bad rate or a NaN/Inf sample (naming its index).
  void compute(KernelContext& ctx, const float* audio, int64_t samples, int64_t inputRate, float* out);

 private:
  struct DeviceTables;  // the CUDA copies of the window, filterbank, FFT and resampling tables

  const ResamplePlan& resamplePlan(int64_t inputRate);
  // The stages on device_, from `audio` (on device_) to `out` (on device_).
  void runStages(KernelContext& ctx, const float* audio, int64_t samples, int64_t inputRate, float* out);

  FrontendConfig config_;
  Device device_;
  CudaSessionPointer cuda_ = noCudaSession();
  std::unique_ptr<DeviceTables> tables_;
  AmplitudeShape amplitude_;  // size set per call
  NormalizeKind normalize_;
  std::vector<float> window_;
  MelFilterbank filterbank_;
  StftWorkspace stft_;
  std::map<int64_t, std::unique_ptr<ResamplePlan>> resamplers_;
  Buffer<float> signal_, spectrum_, mel_;  // on device_
  Buffer<float> input_, features_;         // CUDA: the clip and its features on the device
};

}  // namespace sj
