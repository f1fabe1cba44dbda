#include "energy/cpu_model_source.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "base/error.h"
#include "energy/process_tree_cpu.h"

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

// Where the modelled CPU seconds come from: this process's CPU-time clock, or a process tree.
class CpuSecondsReader {
 public:
  explicit CpuSecondsReader(int processTreeRoot) {
    if (processTreeRoot != 0) tree_.emplace(processTreeRoot);
  }
  bool read(double& seconds) const {
    if (!tree_) return processCpuSeconds(seconds);
    int64_t ticks = 0;
    if (!tree_->treeTicks(ticks)) return false;
    seconds = static_cast<double>(ticks) / ProcessTreeCpu::ticksPerSecond();
    return true;
  }
  double resolutionS() const {
    if (tree_) return 1.0 / ProcessTreeCpu::ticksPerSecond();
    timespec res{};
    return clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res) == 0 ? res.tv_sec + 1e-9 * res.tv_nsec : 1e-9;
  }
  const char* failure() const {
    return tree_ ? "cpu-model: the process tree's CPU time cannot be read from /proc" : "cpu-model: clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed";
  }
  const std::optional<ProcessTreeCpu>& tree() const { return tree_; }

 private:
  std::optional<ProcessTreeCpu> tree_;
};

class CpuModelSource final : public EnergySource {
 public:
  CpuModelSource(const CpuModelOptions& options, CpuSecondsReader reader, double startCpuSeconds)
      : wattsPerCore_(options.tdpWatts / options.cores), reader_(std::move(reader)), startCpuSeconds_(startCpuSeconds) {
    info_.id = "cpu-model";
    info_.device = "cpu";
    info_.name = "modelled CPU (" + number(options.tdpWatts) + " W TDP / " + std::to_string(options.cores) + " cores)";
    info_.method = "modelled";
    info_.additive = true;
    info_.caps.energyCounter = true;
    const double resolutionS = reader_.resolutionS();
    info_.counterResolutionJ = resolutionS * wattsPerCore_;
    info_.updatePeriodS = resolutionS;  // CPU time is read on demand, not published
    info_.accuracyFraction = kCpuModelAccuracy;
    info_.accuracySource = kCpuModelAccuracySource;
    info_.details["tdpWatts"] = number(options.tdpWatts);
    info_.details["cores"] = std::to_string(options.cores);
    info_.details["wattsPerCore"] = number(wattsPerCore_);
    info_.details["formula"] = "energyJ = processCpuSeconds * tdpWatts / cores";
    if (reader_.tree()) {
      const int root = reader_.tree()->rootPid();
      info_.details["scope"] = "process tree of pid " + std::to_string(root);
      info_.details["clock"] =
          "/proc/[pid]/stat utime+stime+cutime+cstime of pid " + std::to_string(root) +
          " and its live descendants (found by ppid at each read), plus the growth of this process's cutime+cstime (the tree once reaped); "
          "clock ticks of 1/" + number(ProcessTreeCpu::ticksPerSecond()) + " s";
      info_.details["misses"] =
          "descendants that leave the tree (daemonised, re-parented to init) from then on; processes that start and end between two reads "
          "without being waited for by a tree member; this process's own CPU time is not counted; other children this process reaps are";
    } else {
      info_.details["scope"] = "this process";
      info_.details["clock"] = "CLOCK_PROCESS_CPUTIME_ID (all threads of this process)";
    }
    info_.details["ignores"] = "idle and uncore power, DRAM, other processes, clock frequency, instruction mix";
  }

  const SourceInfo& info() const override { return info_; }

  SourceReading read() override {
    SourceReading r;
    double now = 0;
    const bool got = reader_.read(now);
    r.timeNs = steadyNowNs();
    if (!got) {
      r.ok = false;
      r.error = reader_.failure();
      return r;
    }
    // CPU time never decreases; the max guards the invariant (a procfs scan racing a reap can dip).
    highestCpuSeconds_ = std::max(highestCpuSeconds_, now - startCpuSeconds_);
    r.energyJ = highestCpuSeconds_ * wattsPerCore_;
    return r;
  }

 private:
  SourceInfo info_;
  double wattsPerCore_;
  CpuSecondsReader reader_;
  double startCpuSeconds_;
  double highestCpuSeconds_ = 0;
};

}  // namespace

std::unique_ptr<EnergySource> makeCpuModelSource(const CpuModelOptions& options) {
  if (!(options.tdpWatts > 0) || !std::isfinite(options.tdpWatts))
    fail(ErrorCode::Value, "cpu model: tdpWatts = ", options.tdpWatts, ": expected a positive finite number of watts");
  if (options.cores < 1) fail(ErrorCode::Value, "cpu model: cores = ", options.cores, ": expected at least 1");
  CpuSecondsReader reader(options.processTreeRoot);
  double start = 0;
  if (!reader.read(start)) fail(ErrorCode::Internal, reader.failure());
  return std::make_unique<CpuModelSource>(options, std::move(reader), start);
}

}  // namespace sj
