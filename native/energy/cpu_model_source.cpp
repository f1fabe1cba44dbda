#include "energy/cpu_model_source.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "base/error.h"

namespace sj {

namespace {

// Half the reading either way. Not a measured error bound (nothing measures this model): per-core
// power at a given CPU time really ranges from well under TDP/cores (light or memory-bound work,
// low clocks) to above it (turbo, wide vectors), and the idle and uncore power the model leaves out
// can rival the busy share on a lightly loaded package.
constexpr double kCpuModelAccuracy = 0.5;
const char* kCpuModelAccuracySource =
    "model, not a measurement: TDP/cores per busy core-second ignores idle and uncore power, frequency and instruction mix. "
    "0.5 is our order-of-magnitude label for that, not a measured or vendor figure";

bool processCpuSeconds(double& seconds) {
  timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return false;
  seconds = static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  return true;
}

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}

class CpuModelSource final : public EnergySource {
 public:
  CpuModelSource(const CpuModelOptions& options, double startCpuSeconds)
      : wattsPerCore_(options.tdpWatts / options.cores), startCpuSeconds_(startCpuSeconds) {
    info_.id = "cpu-model";
    info_.device = "cpu";
    info_.name = "modelled CPU (" + number(options.tdpWatts) + " W TDP / " + std::to_string(options.cores) + " cores)";
    info_.method = "modelled";
    info_.additive = true;
    info_.caps.energyCounter = true;
    timespec res{};
    const double resolutionS = clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res) == 0 ? res.tv_sec + 1e-9 * res.tv_nsec : 1e-9;
    info_.counterResolutionJ = resolutionS * wattsPerCore_;
    info_.updatePeriodS = resolutionS;  // the CPU-time clock is read on demand, not published
    info_.accuracyFraction = kCpuModelAccuracy;
    info_.accuracySource = kCpuModelAccuracySource;
    info_.details["tdpWatts"] = number(options.tdpWatts);
    info_.details["cores"] = std::to_string(options.cores);
    info_.details["wattsPerCore"] = number(wattsPerCore_);
    info_.details["formula"] = "energyJ = processCpuSeconds * tdpWatts / cores";
    info_.details["clock"] = "CLOCK_PROCESS_CPUTIME_ID (all threads of this process)";
    info_.details["ignores"] = "idle and uncore power, DRAM, other processes, clock frequency, instruction mix";
  }

  const SourceInfo& info() const override { return info_; }

  SourceReading read() override {
    SourceReading r;
    double now = 0;
    const bool got = processCpuSeconds(now);
    r.timeNs = steadyNowNs();
    if (!got) {
      r.ok = false;
      r.error = "cpu-model: clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed";
      return r;
    }
    // CPU time never decreases; the max guards the invariant anyway.
    highestCpuSeconds_ = std::max(highestCpuSeconds_, now - startCpuSeconds_);
    r.energyJ = highestCpuSeconds_ * wattsPerCore_;
    return r;
  }

 private:
  SourceInfo info_;
  double wattsPerCore_;
  double startCpuSeconds_;
  double highestCpuSeconds_ = 0;
};

}  // namespace

std::unique_ptr<EnergySource> makeCpuModelSource(const CpuModelOptions& options) {
  if (!(options.tdpWatts > 0) || !std::isfinite(options.tdpWatts))
    fail(ErrorCode::Value, "cpu model: tdpWatts = ", options.tdpWatts, ": expected a positive finite number of watts");
  if (options.cores < 1) fail(ErrorCode::Value, "cpu model: cores = ", options.cores, ": expected at least 1");
  double start = 0;
  if (!processCpuSeconds(start)) fail(ErrorCode::Internal, "cpu model: clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
  return std::make_unique<CpuModelSource>(options, start);
}

}  // namespace sj
