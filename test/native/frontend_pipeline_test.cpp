#include <cmath>
#include <cstring>

#include "expect_error.h"
#include "frontend/feature_extractor.h"
#include "harness.h"
#include "kernels/mel.h"
#include "kernels/pad_crop.h"

namespace sj::testing {
namespace {

// A test clip: two tones, a chirp and noise, peak about 0.7.
std::vector<float> testAudio(int64_t n, int64_t rate, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 0.05);
  const double pi = 3.14159265358979323846;
  std::vector<float> x(n);
  for (int64_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    x[i] = static_cast<float>(0.3 * std::sin(2 * pi * 440 * t) + 0.2 * std::sin(2 * pi * 2500 * t + 1.0) +
                              0.15 * std::sin(2 * pi * (200 + 3000 * t) * t) + noise(rng));
  }
  return x;
}

struct Run {
  std::vector<float> out;
  std::vector<LedgerRow> rows;
};

Run runFast(const FrontendConfig& c, const std::vector<float>& audio, int64_t rate, ThreadPool& pool, Device device = Device::Cpu) {
  FeatureExtractor fe(c, device);
  Ledger ledger;
  KernelContext ctx(pool, ledger, fe.cudaSession());
  Run r;
  r.out.assign(fe.outputSize(fe.resampledLength(static_cast<int64_t>(audio.size()), rate)), -1.f);
  fe.compute(ctx, audio.data(), static_cast<int64_t>(audio.size()), rate, r.out.data());
  r.rows = ledger.rows();
  return r;
}

// The whole front end in double from the reference templates, written independently of
// FeatureExtractor: every frame computed then cropped, the dense filterbank as a plain matmul.
std::vector<double> referencePipeline(const FrontendConfig& c, const std::vector<float>& audio, int64_t rate) {
  std::vector<double> x(audio.begin(), audio.end());
  if (rate != c.sampleRate) {
    ResampleShape rs;
    rs.samples = static_cast<int64_t>(x.size()), rs.inRate = rate, rs.outRate = c.sampleRate;
    std::vector<double> y(rs.outputs());
    resampleForwardReference(rs, x.data(), y.data());
    x = y;
  }
  if (c.clipSeconds > 0) x.resize(static_cast<size_t>(std::llround(c.clipSeconds * c.sampleRate)), 0.0);
  StftShape ss;
  ss.samples = static_cast<int64_t>(x.size()), ss.nFft = c.nFft, ss.hop = c.hop, ss.winLength = c.winLength, ss.center = c.center;
  ss.power = c.power;
  const std::vector<double> window = makeWindow(windowKindFromName(c.window, "window"), c.winLength, c.periodicWindow);
  std::vector<double> S(ss.outputSize());
  stftForwardReference(ss, x.data(), window.data(), S.data());
  MelFilterbankSpec ms;
  ms.bins = ss.bins(), ms.mels = c.nMels, ms.sampleRate = c.sampleRate, ms.fMin = c.fMin, ms.fMax = c.fMax;
  ms.scale = melScaleFromName(c.melScale, "melScale"), ms.norm = melNormFromName(c.melNorm, "melNorm");
  const std::vector<double> fb = melFilterbankDense(ms);
  const int64_t frames = ss.frames();
  std::vector<double> mel(c.nMels * frames, 0.0);
  for (int64_t m = 0; m < c.nMels; ++m)
    for (int64_t k = 0; k < ss.bins(); ++k)
      for (int64_t f = 0; f < frames; ++f) mel[m * frames + f] += fb[k * c.nMels + m] * S[k * frames + f];
  AmplitudeShape as;
  as.size = static_cast<int64_t>(mel.size()), as.kind = amplitudeKindFromName(c.amplitude, "amplitude"), as.multiplier = c.dbMultiplier;
  as.amin = c.amin, as.eps = c.logEps, as.clamp = c.clamp, as.clampMin = c.clampMin, as.clampMax = c.clampMax;
  amplitudeForwardReference(as, mel.data(), mel.data());
  NormalizeShape ns{static_cast<int64_t>(mel.size()), normalizeKindFromName(c.normalize, "normalize")};
  normalizeForwardReference(ns, mel.data(), mel.data());
  const int64_t keep = c.frames > 0 ? c.frames : frames;
  std::vector<double> out(c.nMels * keep);
  frameCropForwardReference(FrameCropShape{c.nMels, frames, keep}, mel.data(), out.data());
  return out;
}

double maxAbsDiff(const std::vector<float>& a, const std::vector<double>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

std::vector<std::string> kernels(const Run& r) {
  std::vector<std::string> names;
  for (const LedgerRow& row : r.rows) names.push_back(row.kernel);
  return names;
}

}  // namespace

SJ_TEST(frontend_presets_give_the_papers_shapes) {
  const FrontendConfig dcase = frontendPreset("dcase"), toolbox = frontendPreset("toolbox");
  FeatureExtractor d(dcase), t(toolbox);
  SJ_CHECK(d.outputFrames(160000) == 626 && d.outputSize(160000) == 128 * 626, "dcase: 10 s at 16 kHz -> 128 x ", d.outputFrames(160000));
  SJ_CHECK(d.outputFrames(d.resampledLength(441000, 44100)) == 626, "dcase from 44.1 kHz");
  SJ_CHECK(d.outputFrames(1234) == 626, "dcase pads a short clip to 10 s");
  SJ_CHECK(t.outputFrames(441000) == 64 && t.outputSize(441000) == 128 * 64, "toolbox: 128 x ", t.outputFrames(441000));
  SJ_CHECK(d.filterbank().mels == 128 && d.filterbank().bins == 1025, "dcase filterbank");

  // DCASE from 44.1 kHz audio: resample (straight to 10 s), stft, mel, dB, min-max; no pad, no crop.
  const Run r = runFast(dcase, testAudio(441000, 44100, 1), 44100, testPool());
  SJ_CHECK((kernels(r) == std::vector<std::string>{"resample", "stft", "mel", "amplitude", "normalize"}), "dcase ledger rows");
  float lo = 1, hi = 0;
  for (float v : r.out) lo = std::min(lo, v), hi = std::max(hi, v);
  SJ_CHECK(lo == 0.f && hi == 1.f, "dcase output is min-max normalised: [", lo, ", ", hi, "]");
  for (const LedgerRow& row : r.rows) SJ_CHECK(row.layer == "frontend" && row.calls == 1, row.kernel, " recorded under ", row.layer);

  // Toolbox at 44.1 kHz: no resampling (no kernel call), 64 STFT frames computed, not 1723.
  const Run tb = runFast(toolbox, testAudio(441000, 44100, 2), 44100, testPool());
  SJ_CHECK((kernels(tb) == std::vector<std::string>{"stft", "mel"}), "toolbox ledger rows");
  StftShape s;
  s.samples = 441000, s.nFft = 2048, s.hop = 256, s.winLength = 2048, s.power = 1, s.frameLimit = 64;
  SJ_CHECK(tb.rows[0].cost.flops == stftForwardCost(s).flops && s.frames() == 64 && s.allFrames() == 1723, "toolbox stft counts 64 frames");
}

// Every ledger row carries exactly its kernel's cost formula, and equal rates call no resampler.
SJ_TEST(frontend_ledger_rows_carry_the_cost_formulas) {
  FrontendConfig c = frontendPreset("dcase");
  c.clipSeconds = 2.0;
  c.frames = 100;  // after normalize: the whole clip is computed, then cropped
  const std::vector<float> audio = testAudio(30000, 22050, 3);  // 1.36 s: resampled to 21769, padded to 32000
  const Run r = runFast(c, audio, 22050, testPool());
  SJ_CHECK((kernels(r) == std::vector<std::string>{"resample", "pad", "stft", "mel", "amplitude", "normalize", "frame_crop"}), "rows");
  ResampleShape rs;
  rs.samples = 30000, rs.inRate = 22050, rs.outRate = 16000, rs.outputLimit = 32000;
  StftShape ss;
  ss.samples = 32000, ss.nFft = 2048, ss.hop = 256, ss.winLength = 2048, ss.power = 1;
  FeatureExtractor fe(c);
  MelShape ms;
  ms.frames = ss.frames(), ms.filters = &fe.filterbank();
  AmplitudeShape as;
  as.size = 128 * ss.frames(), as.multiplier = 20, as.amin = 1e-5, as.clamp = true;
  const Cost want[] = {resampleForwardCost(rs),
                       padForwardCost(PadShape{rs.outputs(), 32000, true}),
                       stftForwardCost(ss),
                       melForwardCost(ms),
                       amplitudeForwardCost(as),
                       normalizeForwardCost(NormalizeShape{128 * ss.frames(), NormalizeKind::MinMax}),
                       frameCropForwardCost(FrameCropShape{128, ss.frames(), 100})};
  for (size_t i = 0; i < r.rows.size(); ++i) {
    // The front end's kernels are direct loops: they execute exactly the multiply-adds they count.
    Cost formula = want[i];
    formula.executedMacs = formula.macs + formula.paddingMacs;
    SJ_CHECK(r.rows[i].cost == formula, r.rows[i].kernel, ": the ledger row differs from the cost formula");
  }
  // Same rate: no resample row, and the features equal those of the resampled-free path.
  const Run same = runFast(c, testAudio(20000, 16000, 4), 16000, testPool());
  SJ_CHECK((kernels(same) == std::vector<std::string>{"pad", "stft", "mel", "amplitude", "normalize", "frame_crop"}), "equal rates");
  SJ_CHECK(same.rows[0].cost.bytesRead == 4 * 20000, "pad copies the input when nothing was resampled");
}

// The fast front end against the float64 reference pipeline. Bounds (max abs difference; observed
// in brackets, AVX-512 / portable build):
//   dcase (dB clamped, min-max to [0, 1]):                                   5e-6   [3e-7 / 4e-7]
//   toolbox-like magnitude mel, 64 frames, relative to the largest value:    1e-6   [2e-7 / 2e-7]
//   log + standardize, Slaney mel and norm, Hann, power 2, short window:     2e-5   [3e-6 / 5e-6]
// (float32 STFT and resampling errors are ~1e-7 of the largest spectral value; a log magnifies
// them in the quietest bands.)
SJ_TEST(frontend_pipeline_matches_float64_reference) {
  struct Case {
    FrontendConfig c;
    int64_t rate, samples;
    double bound;
    bool relative;
  };
  FrontendConfig dcase = frontendPreset("dcase");
  dcase.clipSeconds = 3.0;
  FrontendConfig toolbox = frontendPreset("toolbox");
  toolbox.clipSeconds = 1.0;
  FrontendConfig other = frontendConfigFromJson(
      R"({"preset": "dcase", "clipSeconds": 0, "nFft": 1200, "hop": 333, "winLength": 1000, "window": "hann", "periodicWindow": true,
          "nMels": 80, "fMin": 50, "fMax": 7600, "melScale": "slaney", "melNorm": "slaney", "power": 2, "amplitude": "log",
          "logEps": 1e-6, "clamp": false, "normalize": "standardize"})");
  const Case cases[] = {
      {dcase, 44100, 110250, 5e-6, false},   // 2.5 s at 44.1 kHz, resampled and padded to 3 s
      {dcase, 16000, 60000, 5e-6, false},    // 3.75 s at 16 kHz, cropped to 3 s
      {toolbox, 44100, 44100, 1e-6, true},
      {other, 22050, 33000, 2e-5, false},
  };
  uint64_t seed = 10;
  for (const Case& k : cases) {
    const std::vector<float> audio = testAudio(k.samples, k.rate, seed++);
    const Run fast = runFast(k.c, audio, k.rate, testPool());
    const std::vector<double> ref = referencePipeline(k.c, audio, k.rate);
    SJ_CHECK(fast.out.size() == ref.size(), "sizes ", fast.out.size(), " vs ", ref.size());
    double scale = 1;
    if (k.relative) {
      scale = 0;
      for (double v : ref) scale = std::max(scale, std::fabs(v));
    }
    const double err = maxAbsDiff(fast.out, ref) / scale;
    SJ_CHECK(err <= k.bound, k.c.toJson().dump(), " at ", k.rate, " Hz: fast differs from the float64 pipeline by ", err, ", bound ", k.bound);
  }
}

SJ_TEST(frontend_pipeline_does_not_depend_on_threads) {
  FrontendConfig c = frontendPreset("dcase");
  c.clipSeconds = 4.0;
  const std::vector<float> audio = testAudio(150000, 44100, 20);
  ThreadPool one(1);
  const Run a = runFast(c, audio, 44100, one), b = runFast(c, audio, 44100, testPool());
  SJ_CHECK(std::memcmp(a.out.data(), b.out.data(), sizeof(float) * a.out.size()) == 0, "1 thread and 3 threads differ");
}

SJ_TEST(frontend_extractor_reuses_its_buffers) {
  FrontendConfig c = frontendPreset("dcase");
  c.clipSeconds = 1.0;
  FeatureExtractor fe(c);
  Ledger ledger;
  KernelContext ctx(testPool(), ledger);
  std::vector<float> first(fe.outputSize(16000)), again(first.size());
  const std::vector<float> a = testAudio(44100, 44100, 30), b = testAudio(8000, 8000, 31);
  fe.compute(ctx, a.data(), 44100, 44100, first.data());
  fe.compute(ctx, b.data(), 8000, 8000, again.data());  // another rate: a second resampling table
  fe.compute(ctx, a.data(), 44100, 44100, again.data());
  SJ_CHECK(std::memcmp(first.data(), again.data(), sizeof(float) * first.size()) == 0, "a repeated call gives the same features");
  for (const LedgerRow& row : ledger.rows())
    if (row.kernel == "stft") SJ_CHECK(row.calls == 3, "stft called ", row.calls, " times");
}

// The CUDA front end against the CPU one on whole 10 s clips of both presets (DCASE from 44.1 kHz:
// resample, stft, mel, dB, min-max; from 16 kHz, 7 s padded to 10; toolbox: 64 frames of
// magnitude mel) and on a log / standardize / frame-crop configuration: the same ledger rows with
// the same costs, on "cuda", and the same features within float rounding. Bounds (max abs
// difference; relative to the largest value for the toolbox's unnormalised magnitudes; observed on
// the emulator in brackets):
//   dcase 5e-6, the CPU's own bound against float64 [1.4e-6 from 44.1 kHz, 2e-7 from 16 kHz];
//   toolbox 1e-6 [1.7e-7]; log + standardize + crop 2e-5 [1.1e-6].
SJ_TEST(frontend_cuda_matches_cpu_on_whole_clips) {
  if constexpr (kCudaBuilt) {
    if (!cudaParityAvailable()) return;
    struct Case {
      FrontendConfig c;
      int64_t rate, samples;
      double bound;
      bool relative;
    };
    FrontendConfig other = frontendConfigFromJson(
        R"({"preset": "dcase", "clipSeconds": 3, "nFft": 1200, "hop": 333, "winLength": 1000, "window": "hann", "periodicWindow": true,
            "nMels": 80, "fMin": 50, "fMax": 7600, "melScale": "slaney", "melNorm": "slaney", "power": 2, "amplitude": "log",
            "logEps": 1e-6, "clamp": false, "normalize": "standardize", "frames": 150})");
    const Case cases[] = {
        {frontendPreset("dcase"), 44100, 441000, 5e-6, false},
        {frontendPreset("dcase"), 16000, 112000, 5e-6, false},
        {frontendPreset("toolbox"), 44100, 441000, 1e-6, true},
        {other, 22050, 50000, 2e-5, false},
    };
    uint64_t seed = 40;
    for (const Case& k : cases) {
      const std::vector<float> audio = testAudio(k.samples, k.rate, seed++);
      const Run cpu = runFast(k.c, audio, k.rate, testPool());
      const Run gpu = runFast(k.c, audio, k.rate, testPool(), Device::Cuda);
      const std::string where = k.c.toJson().dump() + " at " + std::to_string(k.rate) + " Hz";
      SJ_CHECK(kernels(gpu) == kernels(cpu) && gpu.rows.size() == cpu.rows.size(), where, ": CUDA ledger rows differ from the CPU's");
      for (size_t i = 0; i < gpu.rows.size(); ++i) {
        const LedgerRow &g = gpu.rows[i], &h = cpu.rows[i];
        SJ_CHECK(g.device == Device::Cuda && g.layer == "frontend" && g.calls == 1 && g.shapes == h.shapes && g.cost.flops == h.cost.flops &&
                     g.cost.macs == h.cost.macs && g.cost.transcendentals == h.cost.transcendentals && g.cost.comparisons == h.cost.comparisons &&
                     g.cost.bytesRead == h.cost.bytesRead && g.cost.bytesWritten == h.cost.bytesWritten && g.cost.paddingMacs == h.cost.paddingMacs,
                 where, ": CUDA row ", g.kernel, " differs from the CPU's");
      }
      SJ_CHECK(gpu.out.size() == cpu.out.size(), where, ": sizes ", gpu.out.size(), " vs ", cpu.out.size());
      double worst = 0, scale = 1;
      if (k.relative) {
        scale = 0;
        for (float v : cpu.out) scale = std::max(scale, std::fabs(static_cast<double>(v)));
      }
      size_t at = 0;
      for (size_t i = 0; i < cpu.out.size(); ++i) {
        const double e = std::fabs(static_cast<double>(gpu.out[i]) - cpu.out[i]);
        if (e > worst) worst = e, at = i;
      }
      SJ_CHECK(worst / scale <= k.bound, where, ": CUDA differs from the CPU by ", worst / scale, " at ", at, " (", gpu.out[at], " vs ", cpu.out[at],
               "), bound ", k.bound);
    }
  }
}

// Same clip, same bits: the CUDA reductions (min-max, standardisation) have a fixed order, and the
// extractor's reused buffers and tables carry nothing from one call to the next.
SJ_TEST(frontend_cuda_is_deterministic) {
  if constexpr (kCudaBuilt) {
    if (!cudaParityAvailable()) return;
    for (const char* normalize : {"minmax", "standardize"}) {
      FrontendConfig c = frontendPreset("dcase");
      c.clipSeconds = 2.0;
      c.normalize = normalize;
      FeatureExtractor fe(c, Device::Cuda);
      Ledger ledger;
      KernelContext ctx(testPool(), ledger, fe.cudaSession());
      const std::vector<float> a = testAudio(80000, 44100, 50), b = testAudio(20000, 16000, 51);
      std::vector<float> first(fe.outputSize(32000)), other(first.size()), again(first.size());
      fe.compute(ctx, a.data(), 80000, 44100, first.data());
      fe.compute(ctx, b.data(), 20000, 16000, other.data());
      fe.compute(ctx, a.data(), 80000, 44100, again.data());
      SJ_CHECK(std::memcmp(first.data(), again.data(), sizeof(float) * first.size()) == 0, normalize, ": a repeated clip gives other features");
      for (const LedgerRow& row : ledger.rows()) SJ_CHECK(row.device == Device::Cuda && row.nanoseconds >= 0, row.kernel, " on ", deviceName(row.device));
    }
  }
}

// device: 'cuda' needs the CUDA backend and a device (E_CUDA saying which is missing), and a
// kernel context on the extractor's own session.
SJ_TEST(frontend_cuda_device_option) {
  const FrontendConfig c = frontendPreset("dcase");
  if constexpr (!kCudaBuilt) {
    expectError(ErrorCode::Cuda, "no CUDA backend", [&] { FeatureExtractor fe(c, Device::Cuda); });
  } else {
    if (!cudaParityAvailable()) {
      expectError(ErrorCode::Cuda, "no CUDA device", [&] { FeatureExtractor fe(c, Device::Cuda); });
      return;
    }
    FeatureExtractor fe(c, Device::Cuda);
    SJ_CHECK(fe.device() == Device::Cuda && fe.cudaSession() != nullptr, "a CUDA extractor owns a session");
    Ledger ledger;
    KernelContext cpu(testPool(), ledger);
    std::vector<float> audio(16000, 0.1f), out(fe.outputSize(16000));
    expectError(ErrorCode::Internal, "needs a kernel context on its CUDA session", [&] { fe.compute(cpu, audio.data(), 16000, 16000, out.data()); });
    FeatureExtractor host(c);
    KernelContext gpu(testPool(), ledger, fe.cudaSession());
    expectError(ErrorCode::Internal, "needs a kernel context on the CPU", [&] { host.compute(gpu, audio.data(), 16000, 16000, out.data()); });
    SJ_CHECK(ledger.rows().empty(), "rejected calls record nothing");
  }
}

SJ_TEST(frontend_config_json) {
  const FrontendConfig dcase = frontendPreset("dcase");
  SJ_CHECK(frontendConfigFromJson("{}").toJson().dump() == dcase.toJson().dump(), "{} is the dcase preset");
  SJ_CHECK(frontendConfigFromJson(dcase.toJson().dump()).toJson().dump() == dcase.toJson().dump(), "dcase round trip");
  const FrontendConfig toolbox = frontendPreset("toolbox");
  SJ_CHECK(frontendConfigFromJson(R"({"preset": "toolbox"})").toJson().dump() == toolbox.toJson().dump(), "toolbox by name");
  const FrontendConfig t = frontendConfigFromJson(toolbox.toJson().dump());
  SJ_CHECK(t.toJson().dump() == toolbox.toJson().dump() && t.sampleRate == 44100 && t.frames == 64, "toolbox round trip");
  const FrontendConfig o = frontendConfigFromJson(R"({"preset": "toolbox", "frames": 100, "nMels": 64, "amplitude": "log"})");
  SJ_CHECK(o.frames == 100 && o.nMels == 64 && o.amplitude == "log" && o.sampleRate == 44100, "overrides on a preset");
  SJ_CHECK(dcase.sampleRate == 16000 && dcase.nFft == 2048 && dcase.hop == 256 && dcase.winLength == 2048 && dcase.window == "hamming" &&
               !dcase.periodicWindow && dcase.center && dcase.nMels == 128 && dcase.fMin == 0 && dcase.fMax == 8000 &&
               dcase.melScale == "htk" && dcase.melNorm == "none" && dcase.power == 1 && dcase.amplitude == "db" &&
               dcase.dbMultiplier == 20 && dcase.clamp && dcase.clampMin == -50 && dcase.clampMax == 80 && dcase.normalize == "minmax" &&
               dcase.frames == 0 && dcase.clipSeconds == 10,
           "dcase preset values");
  SJ_CHECK(toolbox.fMax == 22050 && toolbox.amplitude == "none" && toolbox.normalize == "none" && !toolbox.clamp && toolbox.power == 1,
           "toolbox preset values");
}

SJ_TEST(frontend_rejects_bad_configs_and_audio) {
  expectError(ErrorCode::Spec, "unknown field 'nfft'", [] { frontendConfigFromJson(R"({"nfft": 1024})"); });
  expectError(ErrorCode::Spec, "field 'hop' must be an integer", [] { frontendConfigFromJson(R"({"hop": 2.5})"); });
  expectError(ErrorCode::Spec, "field 'center' must be true or false", [] { frontendConfigFromJson(R"({"center": 1})"); });
  expectError(ErrorCode::Spec, "field 'preset' must be one of \"dcase\" \"toolbox\"", [] { frontendConfigFromJson(R"({"preset": "panns"})"); });
  expectError(ErrorCode::Value, "nFft = 1001 has the prime factor 7", [] { frontendConfigFromJson(R"({"nFft": 1001, "winLength": 1000})"); });
  expectError(ErrorCode::Value, "hop must be >= 1, got 0", [] { frontendConfigFromJson(R"({"hop": 0})"); });
  expectError(ErrorCode::Value, "fMax = 9000 Hz is above the Nyquist frequency 8000 Hz", [] { frontendConfigFromJson(R"({"fMax": 9000})"); });
  expectError(ErrorCode::Value, "winLength must be in [1, nFft = 1024], got 2048", [] { frontendConfigFromJson(R"({"nFft": 1024})"); });
  expectError(ErrorCode::Value, "window must be \"hann\" or \"hamming\", got \"kaiser\"", [] { frontendConfigFromJson(R"({"window": "kaiser"})"); });
  expectError(ErrorCode::Value, "power must be 1 (magnitude) or 2 (power), got 3", [] { frontendConfigFromJson(R"({"power": 3})"); });
  expectError(ErrorCode::Value, "amin must be a finite number > 0, got 0", [] { frontendConfigFromJson(R"({"amin": 0})"); });
  expectError(ErrorCode::Value, "clampMin = 80 must be below clampMax = -50", [] {
    frontendConfigFromJson(R"({"clampMin": 80, "clampMax": -50})");
  });
  expectError(ErrorCode::Value, "normalize must be", [] { frontendConfigFromJson(R"({"normalize": "l2"})"); });
  expectError(ErrorCode::Value, "frames must be >= 0", [] { frontendConfigFromJson(R"({"frames": -1})"); });
  expectError(ErrorCode::Value, "sampleRate must be in [1, 10000000] Hz, got 0", [] { frontendConfigFromJson(R"({"sampleRate": 0})"); });
  expectError(ErrorCode::Value, "clipSeconds = 0.05 gives 800 samples at 16000 Hz, but centred frames need more than nFft/2 = 1024", [] {
    frontendConfigFromJson(R"({"clipSeconds": 0.05})");
  });
  expectError(ErrorCode::Value, "front-end preset must be", [] { frontendPreset("panns"); });

  FrontendConfig c = frontendPreset("dcase");
  FeatureExtractor fe(c);
  Ledger ledger;
  KernelContext ctx(testPool(), ledger);
  std::vector<float> out(fe.outputSize(160000));
  std::vector<float> audio(16000, 0.1f);
  expectError(ErrorCode::Shape, "the audio is empty", [&] { fe.compute(ctx, audio.data(), 0, 16000, out.data()); });
  expectError(ErrorCode::Value, "input sample rate must be in [1, 10000000] Hz, got 0", [&] { fe.compute(ctx, audio.data(), 16000, 0, out.data()); });
  audio[1234] = std::nanf("");
  expectError(ErrorCode::Value, "audio[1234] = nan", [&] { fe.compute(ctx, audio.data(), 16000, 16000, out.data()); });
  audio[1234] = INFINITY;
  expectError(ErrorCode::Value, "audio[1234] = inf", [&] { fe.compute(ctx, audio.data(), 16000, 16000, out.data()); });
  audio[1234] = 0.f;
  c.clipSeconds = 0;  // keep the input length: 500 samples is too short for centred frames of 2048
  FeatureExtractor keep(c);
  expectError(ErrorCode::Shape, "needs more than 1024 samples, got 500", [&] { keep.compute(ctx, audio.data(), 500, 16000, out.data()); });
  SJ_CHECK(ledger.rows().empty(), "rejected calls record nothing");
}

}  // namespace sj::testing
