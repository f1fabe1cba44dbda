// The energy meter: discovers the sources (NVML GPUs, RAPL zones, or the modelled CPU when RAPL
// cannot be read), samples them on one native thread, and measures named, nestable windows with
// an idle baseline. Results are JSON (the binding passes the text on; TypeScript owns the types).
//
// Windows read every source afresh at their edges (after synchronising the GPU, when a
// synchronise hook is set), so a window's energy never waits for the next sampler tick; the
// samples between the edges give its power, utilisation and memory statistics.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/json.h"
#include "energy/source_track.h"
#include "energy/window_accounting.h"

namespace sj {

struct MeterOptions {
  double periodS = 0.05;       // sampling period; clamped to [0.01, 10] s and to half the power update period of the sources
  size_t capacity = 72000;     // samples kept per source (an hour at 20 Hz)
  bool nvml = true;
  std::string nvmlLibrary;     // empty: SEDJOULE_NVML_LIB, else libnvidia-ml.so.1
  std::vector<std::string> gpus;  // empty: every NVML device; else NVML indices, UUIDs or unique UUID prefixes
  bool rapl = true;
  std::string powercapRoot;    // empty: SEDJOULE_POWERCAP_ROOT, else /sys/class/powercap
  bool cpuModel = true;        // model the CPU when RAPL is unavailable (labelled "modelled")
  double cpuTdpWatts = 85;     // the model's package power at full load
  int cpuCores = 1;            // the model's core count: power per busy core = tdp / cores
  int cpuProcessTree = 0;      // 0: model this process's CPU time; else that of the process tree rooted at this pid
};

class Meter {
 public:
  explicit Meter(const MeterOptions& options);
  ~Meter();
  Meter(const Meter&) = delete;
  Meter& operator=(const Meter&) = delete;

  // Called at window edges to wait for queued device work (CUDA), so a window holds its work.
  void setSynchronize(std::function<void()> synchronize);

  // Sources, discovery statuses, sampling period, overhead.
  Json describe() const;
  // Opens a window; names must be unique among open windows (E_VALUE otherwise). Windows nest: the
  // innermost open window at begin() is the parent.
  void begin(const std::string& name);
  // Closes a window and returns it. E_VALUE when no window of that name is open.
  Json end(const std::string& name);
  // Sleeps `seconds` with the sampler running, and keeps each source's mean power as the idle
  // baseline subtracted from later windows (their "net" energy). Blocks: call off the main thread.
  Json measureIdle(double seconds);
  Json idle() const;
  // Every kept sample, per source (times in seconds since the meter started).
  Json trace() const;
  // Replaces a source's nominal sensor update period by a measured one (from the probe).
  void setUpdatePeriod(const std::string& sourceId, double seconds);
  // Kept samples of one source with steady-clock time in [fromNs, toNs] (E_VALUE for an unknown id).
  std::vector<Sample> samples(const std::string& sourceId, int64_t fromNs, int64_t toNs) const;
  int64_t startNs() const { return startNs_; }
  // Per-process GPU attribution (energy/gpu_attribution.h: attribution, not measurement) on this
  // meter's NVML devices (its nvmlLibrary and gpus), for `pids` and, when processTree > 0, the live
  // pids of that process tree; samples newer than sinceUs.
  Json gpuProcesses(std::vector<int> pids, int processTree, unsigned long long sinceUs) const;
  // The sampler thread's CPU time as a fraction of one core since the start.
  double overheadFraction() const;
  void stop();

 private:
  void run();
  std::vector<Sample> readEdges();
  void synchronize();

  MeterOptions options_;
  double periodS_;
  int64_t startNs_;
  std::vector<std::unique_ptr<SourceTrack>> tracks_;
  std::vector<double> updatePeriods_;
  std::vector<IdlePower> idle_;
  Json idleJson_;
  Json discovery_;

  struct OpenWindow {
    std::string name, parent;
    int64_t startNs;
    std::vector<Sample> start;
  };
  std::vector<OpenWindow> open_;
  std::function<void()> synchronize_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<double> threadCpuS_{0};
  std::atomic<int64_t> ticks_{0}, lateTicks_{0};
};

}  // namespace sj
