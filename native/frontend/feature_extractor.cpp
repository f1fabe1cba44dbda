#include "frontend/feature_extractor.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <utility>

#include "base/error.h"
#include "core/spec_reader.h"
#include "cuda/device_memory.h"
#include "kernels/amplitude.h"
#include "kernels/fft.h"
#include "kernels/mel.h"
#include "kernels/normalize.h"
#include "kernels/pad_crop.h"
#include "kernels/resample.h"
#include "kernels/stft.h"

namespace sj {

namespace {

constexpr int64_t kMaxRate = 10'000'000;
constexpr double kMaxClipSeconds = 86400.0;

void requireFinite(double v, const char* field) {
  if (!std::isfinite(v)) fail(ErrorCode::Value, field, " must be a finite number, got ", v);
}

MelFilterbankSpec melSpec(const FrontendConfig& c) {
  MelFilterbankSpec s;
  s.bins = c.nFft / 2 + 1;
  s.mels = c.nMels;
  s.sampleRate = c.sampleRate;
  s.fMin = c.fMin;
  s.fMax = c.fMax;
  s.scale = melScaleFromName(c.melScale, "melScale");
  s.norm = melNormFromName(c.melNorm, "melNorm");
  return s;
}

AmplitudeShape amplitudeShape(const FrontendConfig& c) {
  AmplitudeShape a;
  a.kind = amplitudeKindFromName(c.amplitude, "amplitude");
  a.multiplier = c.dbMultiplier;
  a.amin = c.amin;
  a.eps = c.logEps;
  a.clamp = c.clamp;
  a.clampMin = c.clampMin;
  a.clampMax = c.clampMax;
  return a;
}

int64_t clipSamples(const FrontendConfig& c) { return static_cast<int64_t>(std::llround(c.clipSeconds * static_cast<double>(c.sampleRate))); }

}  // namespace

Json FrontendConfig::toJson() const {
  Json j = Json::object();
  j.set("sampleRate", Json::number(static_cast<double>(sampleRate)));
  j.set("clipSeconds", Json::number(clipSeconds));
  j.set("nFft", Json::number(static_cast<double>(nFft)));
  j.set("hop", Json::number(static_cast<double>(hop)));
  j.set("winLength", Json::number(static_cast<double>(winLength)));
  j.set("window", Json::string(window));
  j.set("periodicWindow", Json::boolean(periodicWindow));
  j.set("center", Json::boolean(center));
  j.set("nMels", Json::number(static_cast<double>(nMels)));
  j.set("fMin", Json::number(fMin));
  j.set("fMax", Json::number(fMax));
  j.set("melScale", Json::string(melScale));
  j.set("melNorm", Json::string(melNorm));
  j.set("power", Json::number(power));
  j.set("amplitude", Json::string(amplitude));
  j.set("dbMultiplier", Json::number(dbMultiplier));
  j.set("amin", Json::number(amin));
  j.set("logEps", Json::number(logEps));
  j.set("clamp", Json::boolean(clamp));
  j.set("clampMin", Json::number(clampMin));
  j.set("clampMax", Json::number(clampMax));
  j.set("normalize", Json::string(normalize));
  j.set("frames", Json::number(static_cast<double>(frames)));
  return j;
}

void validateFrontendConfig(const FrontendConfig& c) {
  if (c.sampleRate < 1 || c.sampleRate > kMaxRate) fail(ErrorCode::Value, "sampleRate must be in [1, ", kMaxRate, "] Hz, got ", c.sampleRate);
  requireFinite(c.clipSeconds, "clipSeconds");
  if (c.clipSeconds < 0 || c.clipSeconds > kMaxClipSeconds) {
    fail(ErrorCode::Value, "clipSeconds must be in [0, ", kMaxClipSeconds, "] (0 keeps the input length), got ", c.clipSeconds);
  }
  if (c.clipSeconds > 0 && clipSamples(c) < 1) fail(ErrorCode::Value, "clipSeconds = ", c.clipSeconds, " is less than one sample at ", c.sampleRate, " Hz");
  validateFftSize(c.nFft, "nFft");
  if (c.hop < 1) fail(ErrorCode::Value, "hop must be >= 1, got ", c.hop);
  if (c.winLength < 1 || c.winLength > c.nFft) fail(ErrorCode::Value, "winLength must be in [1, nFft = ", c.nFft, "], got ", c.winLength);
  windowKindFromName(c.window, "window");
  if (c.nMels < 1) fail(ErrorCode::Value, "nMels must be >= 1, got ", c.nMels);
  requireFinite(c.fMin, "fMin");
  requireFinite(c.fMax, "fMax");
  melSpec(c).validate();
  if (c.power != 1 && c.power != 2) fail(ErrorCode::Value, "power must be 1 (magnitude) or 2 (power), got ", c.power);
  for (const auto& [v, name] : std::initializer_list<std::pair<double, const char*>>{{c.dbMultiplier, "dbMultiplier"}, {c.amin, "amin"}, {c.logEps, "logEps"}}) {
    if (!(v > 0.0) || !std::isfinite(v)) fail(ErrorCode::Value, name, " must be a finite number > 0, got ", v);
  }
  requireFinite(c.clampMin, "clampMin");
  requireFinite(c.clampMax, "clampMax");
  if (c.clamp && !(c.clampMin < c.clampMax)) fail(ErrorCode::Value, "clampMin = ", c.clampMin, " must be below clampMax = ", c.clampMax);
  AmplitudeShape a = amplitudeShape(c);
  a.validate();
  normalizeKindFromName(c.normalize, "normalize");
  if (c.frames < 0) fail(ErrorCode::Value, "frames must be >= 0 (0 keeps every frame), got ", c.frames);
  if (c.clipSeconds > 0) {
    const int64_t n = clipSamples(c);
    if (c.center && n <= c.nFft / 2) {
      fail(ErrorCode::Value, "clipSeconds = ", c.clipSeconds, " gives ", n, " samples at ", c.sampleRate,
           " Hz, but centred frames need more than nFft/2 = ", c.nFft / 2);
    }
    if (!c.center && n < c.nFft) {
      fail(ErrorCode::Value, "clipSeconds = ", c.clipSeconds, " gives ", n, " samples at ", c.sampleRate, " Hz, fewer than nFft = ", c.nFft);
    }
  }
}

FrontendConfig frontendPreset(const std::string& name) {
  FrontendConfig c;  // the defaults are the DCASE baseline's
  if (name == "dcase") return c;
  if (name == "toolbox") {
    c.sampleRate = 44100;
    c.fMax = 22050.0;
    c.amplitude = "none";
    c.clamp = false;
    c.normalize = "none";
    c.frames = 64;
    return c;
  }
  fail(ErrorCode::Value, "front-end preset must be \"dcase\" or \"toolbox\", got \"", name, "\"");
}

FrontendConfig frontendConfigFromJson(const std::string& text) {
  const Json json = Json::parse(text.empty() ? "{}" : text);
  SpecReader r(json, "front-end config");
  const double big = std::numeric_limits<double>::max();
  FrontendConfig c = frontendPreset(r.choice("preset", std::string("dcase"), {"dcase", "toolbox"}));
  c.sampleRate = r.integer("sampleRate", c.sampleRate, INT64_MIN);
  c.clipSeconds = r.number("clipSeconds", c.clipSeconds, -big, big);
  c.nFft = r.integer("nFft", c.nFft, INT64_MIN);
  c.hop = r.integer("hop", c.hop, INT64_MIN);
  c.winLength = r.integer("winLength", c.winLength, INT64_MIN);
  c.window = r.text("window", c.window);
  c.periodicWindow = r.flag("periodicWindow", c.periodicWindow);
  c.center = r.flag("center", c.center);
  c.nMels = r.integer("nMels", c.nMels, INT64_MIN);
  c.fMin = r.number("fMin", c.fMin, -big, big);
  c.fMax = r.number("fMax", c.fMax, -big, big);
  c.melScale = r.text("melScale", c.melScale);
  c.melNorm = r.text("melNorm", c.melNorm);
  c.power = static_cast<int>(r.integer("power", c.power, INT32_MIN, INT32_MAX));
  c.amplitude = r.text("amplitude", c.amplitude);
  c.dbMultiplier = r.number("dbMultiplier", c.dbMultiplier, -big, big);
  c.amin = r.number("amin", c.amin, -big, big);
  c.logEps = r.number("logEps", c.logEps, -big, big);
  c.clamp = r.flag("clamp", c.clamp);
  c.clampMin = r.number("clampMin", c.clampMin, -big, big);
  c.clampMax = r.number("clampMax", c.clampMax, -big, big);
  c.normalize = r.text("normalize", c.normalize);
  c.frames = r.integer("frames", c.frames, INT64_MIN);
  r.rejectUnknownFields();
  r.inContext([&] { validateFrontendConfig(c); });
  return c;
}

// ---- FeatureExtractor ------------------------------------------------------------------------

// Built only under `if constexpr (kCudaBuilt)`: its members are defined in the CUDA sources.
struct FeatureExtractor::DeviceTables {
  DeviceTables(const FeatureExtractor& fe, CudaStream stream)
      : stream(stream), fft(fe.stft_.plan(), stream), melIndex(fe.filterbank_, stream) {
    window.resize(Device::Cuda, static_cast<int64_t>(fe.window_.size()), "the analysis window");
    window.copyFromHost(fe.window_.data(), stream);
    melWeights.resize(Device::Cuda, fe.filterbank_.nonzeros(), "the mel filterbank");
    melWeights.copyFromHost(fe.filterbank_.weights.data(), stream);
  }
  const cuda::ResampleDevicePlan& resamplePlan(const ResamplePlan& plan) {
    auto it = resamplers.find(plan.inRate());
    if (it == resamplers.end()) it = resamplers.emplace(plan.inRate(), std::make_unique<cuda::ResampleDevicePlan>(plan, stream)).first;
    return *it->second;
  }

  CudaStream stream;
  cuda::FftDevicePlan fft;
  cuda::MelDeviceIndex melIndex;
  Buffer<float> window, melWeights;
  std::map<int64_t, std::unique_ptr<cuda::ResampleDevicePlan>> resamplers;
};

FeatureExtractor::FeatureExtractor(const FrontendConfig& config, Device device, int cudaDevice)
    : config_((validateFrontendConfig(config), config)),
      device_(device),
      cuda_(openCudaSession(device, cudaDevice, "frontend")),
      amplitude_(amplitudeShape(config)),
      normalize_(normalizeKindFromName(config.normalize, "normalize")),
      filterbank_(melFilterbank(melSpec(config))),
      stft_(config.nFft) {
  const std::vector<double> w = makeWindow(windowKindFromName(config.window, "window"), config.winLength, config.periodicWindow);
  window_.assign(w.begin(), w.end());
  if constexpr (kCudaBuilt) {
    if (cuda_) tables_ = std::make_unique<DeviceTables>(*this, cuda_->stream());
  }
}

FeatureExtractor::~FeatureExtractor() = default;

int64_t FeatureExtractor::resampledLength(int64_t samples, int64_t inputRate) const {
  if (inputRate == config_.sampleRate) return samples;
  ResampleShape s;
  s.samples = samples;
  s.inRate = inputRate;
  s.outRate = config_.sampleRate;
  s.validate();
  return s.allOutputs();
}

int64_t FeatureExtractor::clipLength(int64_t samplesAtTargetRate) const {
  return config_.clipSeconds > 0 ? clipSamples(config_) : samplesAtTargetRate;
}

int64_t FeatureExtractor::outputFrames(int64_t samplesAtTargetRate) const {
  if (config_.frames > 0) return config_.frames;
  StftShape s;
  s.samples = clipLength(samplesAtTargetRate);
  s.nFft = config_.nFft;
  s.hop = config_.hop;
  s.winLength = config_.winLength;
  s.center = config_.center;
  s.validate();
  return s.allFrames();
}

const ResamplePlan& FeatureExtractor::resamplePlan(int64_t inputRate) {
  auto it = resamplers_.find(inputRate);
  if (it == resamplers_.end()) it = resamplers_.emplace(inputRate, std::make_unique<ResamplePlan>(inputRate, config_.sampleRate)).first;
  return *it->second;
}

void FeatureExtractor::compute(KernelContext& ctx, const float* audio, int64_t samples, int64_t inputRate, float* out) {
  if (samples < 1) fail(ErrorCode::Shape, "frontend: the audio is empty");
  if (inputRate < 1 || inputRate > kMaxRate) fail(ErrorCode::Value, "frontend: the input sample rate must be in [1, ", kMaxRate, "] Hz, got ", inputRate);
  int bad = 0;  // branch-free first pass (vectorised); the second finds the index
  for (int64_t i = 0; i < samples; ++i) bad |= !(std::fabs(audio[i]) <= std::numeric_limits<float>::max());
  for (int64_t i = 0; bad && i < samples; ++i)
    if (!std::isfinite(audio[i])) fail(ErrorCode::Value, "frontend: audio[", i, "] = ", audio[i], ": samples must be finite");
  CudaStream own = nullptr;
  if constexpr (kCudaBuilt) {
    if (cuda_) {
      cuda_->makeCurrent();
      own = cuda_->stream();
    }
  }
  if (ctx.device() != device_ || ctx.stream() != own) {
    fail(ErrorCode::Internal, "frontend: a ", deviceName(device_), " feature extractor needs a kernel context on ",
         device_ == Device::Cuda ? "its CUDA session (cudaSession())" : "the CPU", ", got one on ", deviceName(ctx.device()));
  }
  ctx.begin("frontend", 0);
  if (device_ == Device::Cpu) return runStages(ctx, audio, samples, inputRate, out);
  if constexpr (kCudaBuilt) {
    // One copy in, the stages, one copy out (which waits for the stream), then the GPU times.
    const CudaStream stream = cuda_->stream();
    const int64_t size = outputSize(resampledLength(samples, inputRate));
    try {
      input_.reserve(Device::Cuda, samples, "the audio clip");
      features_.reserve(Device::Cuda, size, "the features");
      cuda::copyToDevice(input_.data(), audio, samples * kFloatBytes, stream, "the audio clip");
      runStages(ctx, input_.data(), samples, inputRate, features_.data());
      cuda::copyToHost(out, features_.data(), size * kFloatBytes, stream, "the features");
    } catch (...) {
      ctx.abandonDeviceWork();
      throw;
    }
    ctx.finishDeviceWork();
  }
}

void FeatureExtractor::runStages(KernelContext& ctx, const float* audio, int64_t samples, int64_t inputRate, float* out) {
  const FrontendConfig& c = config_;
  const Device where = device_;
  ThreadPool& pool = ctx.pool();
  const CudaStream stream = ctx.stream();
  DeviceTables* const gpu = tables_.get();

  // 1. Resample, 2. pad to the clip length (a longer clip is cropped by reading a prefix).
  const int64_t clip = clipLength(resampledLength(samples, inputRate));
  const float* signal = audio;
  int64_t have = samples;
  if (inputRate != c.sampleRate) {
    ResampleShape rs;
    rs.samples = samples;
    rs.inRate = inputRate;
    rs.outRate = c.sampleRate;
    rs.outputLimit = c.clipSeconds > 0 ? clip : 0;
    rs.validate();
    const ResamplePlan& plan = resamplePlan(inputRate);
    const cuda::ResampleDevicePlan* devicePlan = nullptr;
    if constexpr (kCudaBuilt) {
      if (gpu) devicePlan = &gpu->resamplePlan(plan);
    }
    have = rs.outputs();
    signal_.reserve(where, std::max(have, clip), "the resampled clip");
    ctx.run(
        "resample", KernelPass::Forward, rs.describe(), resampleForwardCost(rs), [&] { resampleForward(pool, rs, audio, signal_.data(), plan); },
        [&] { cuda::resampleForward(stream, rs, *devicePlan, audio, signal_.data()); });
    signal = signal_.data();
  }
  if (have < clip) {
    PadShape ps;
    ps.samples = have;
    ps.length = clip;
    ps.inPlace = signal == signal_.data();
    signal_.reserve(where, clip, "the padded clip");  // keeps a resampled signal: reserve() does not reallocate for the same size
    ctx.run(
        "pad", KernelPass::Forward, ps.describe(), padForwardCost(ps), [&] { padForward(ps, signal, signal_.data()); },
        [&] { cuda::padForward(stream, ps, signal, signal_.data()); });
    signal = signal_.data();
  }

  // 3. STFT: only the frames the crop keeps, when no later stage needs the whole clip.
  StftShape ss;
  ss.samples = clip;
  ss.nFft = c.nFft;
  ss.hop = c.hop;
  ss.winLength = c.winLength;
  ss.center = c.center;
  ss.power = c.power;
  ss.frameLimit = normalize_ == NormalizeKind::None ? c.frames : 0;
  ss.validate();
  const int64_t frames = ss.frames(), keep = c.frames > 0 ? c.frames : frames;
  spectrum_.reserve(where, ss.outputSize(), "the spectrogram");
  ctx.run(
      "stft", KernelPass::Forward, ss.describe(), stftForwardCost(ss),
      [&] { stftForward(pool, ss, signal, window_.data(), spectrum_.data(), stft_); },
      [&] { cuda::stftForward(stream, ss, gpu->fft, signal, gpu->window.data(), spectrum_.data()); });

  // 4-6. Mel, amplitude, normalize: the last one present writes straight into `out` unless the
  // frame crop still has to run.
  const bool crop = keep != frames;
  const bool hasAmplitude = amplitude_.kind != AmplitudeKind::None || amplitude_.clamp;
  const bool hasNormalize = normalize_ != NormalizeKind::None;
  const int64_t size = c.nMels * frames;
  mel_.reserve(where, size, "the mel spectrogram");
  float* const block = mel_.data();
  float* const last = crop ? block : out;

  MelShape ms;
  ms.frames = frames;
  ms.filters = &filterbank_;
  ms.validate();
  float* melOut = hasAmplitude || hasNormalize ? block : last;
  ctx.run(
      "mel", KernelPass::Forward, ms.describe(), melForwardCost(ms),
      [&] { melForward(pool, ms, filterbank_.weights.data(), spectrum_.data(), melOut); },
      [&] { cuda::melForward(stream, ms, gpu->melIndex, gpu->melWeights.data(), spectrum_.data(), melOut); });
  if (hasAmplitude) {
    AmplitudeShape as = amplitude_;
    as.size = size;
    float* ampOut = hasNormalize ? block : last;
    ctx.run(
        "amplitude", KernelPass::Forward, as.describe(), amplitudeForwardCost(as), [&] { amplitudeForward(pool, as, block, ampOut); },
        [&] { cuda::amplitudeForward(stream, as, block, ampOut); });
  }
  if (hasNormalize) {
    NormalizeShape ns;
    ns.size = size;
    ns.kind = normalize_;
    ctx.run(
        "normalize", KernelPass::Forward, ns.describe(), normalizeForwardCost(ns), [&] { normalizeForward(pool, ns, block, last); },
        [&] { cuda::normalizeForward(stream, ns, block, last); });
  }

  // 7. Frame crop (or zero-padding to `frames`).
  if (crop) {
    FrameCropShape fs;
    fs.rows = c.nMels;
    fs.frames = frames;
    fs.keep = keep;
    ctx.run(
        "frame_crop", KernelPass::Forward, fs.describe(), frameCropForwardCost(fs), [&] { frameCropForward(pool, fs, block, out); },
        [&] { cuda::frameCropForward(stream, fs, block, out); });
  }
}

}  // namespace sj
