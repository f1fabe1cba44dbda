// Known loads at known times, for the sensor study (study/sensor_trace.h): a list of bursts, each
// starting at an absolute steady-clock time (seconds, energy_source.h steadyNowS) and loading a
// controlled share of the device for a controlled duration. This is production code: on real
// hardware the study's estimates are only as good as these loads are honest.
//
//   gpu: one spin kernel per selected CUDA device (cuda/cuda_devices.h CudaSpinLoad), timed on the
//        GPU, on round(intensity x SMs) blocks (at least 1);
//   cpu: round(intensity x threads) threads (at least 1) running FMA chains (bench/fma_peak.h) until
//        the burst's end time.
//
// Each burst sleeps until its atS, then runs; a burst whose atS has passed (the previous one ran
// late) starts at once. What is recorded is what happened: the steady time the load was started and
// the time it was seen to end (a GPU burst ends when every device has finished its kernel).
//
// The live load log, when a path is given: one line per edge, each written with a single write() to
// a file opened with O_APPEND, so a reader (the fake sensors of the tests) sees every edge as it
// happens:
//   on <steady seconds, 9 decimals> <intensity>
//   off <steady seconds, 9 decimals>
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cuda/cuda_devices.h"

namespace sj {

struct LoadBurst {
  std::string label;
  double atS = 0;        // planned start, steady seconds
  double durationS = 0;  // > 0
  double intensity = 1;  // share of the device, in (0, 1]
};

struct BurstRun {
  std::string label;
  double intensity = 0;
  double plannedS = 0;  // the burst's atS
  double startS = 0;    // when the load was started
  double endS = 0;      // when the load was seen to end
};

struct LoadTarget {
  std::string kind;              // "gpu" or "cpu"
  int cpuThreads = 1;            // cpu: the threads that intensity 1 runs
  std::vector<int> cudaDevices;  // gpu: CUDA device indices, loaded together
};

class LoadBursts {
 public:
  // Prepares the load (the GPU kernels' memory) and opens the log. E_VALUE for an unknown kind, no
  // device or no thread; E_CUDA when a device cannot be loaded; E_IO when the log cannot be opened.
  LoadBursts(const LoadTarget& target, const std::string& loadLogPath);
  ~LoadBursts();
  LoadBursts(const LoadBursts&) = delete;
  LoadBursts& operator=(const LoadBursts&) = delete;

  // Runs the bursts in order on the calling thread (blocking). E_CUDA when a kernel fails, E_IO
  // when the log cannot be written.
  std::vector<BurstRun> run(const std::vector<LoadBurst>& bursts);

 private:
  void runOne(double endS, double intensity);
  void logEdge(const char* line);

  LoadTarget target_;
  std::vector<std::unique_ptr<CudaSpinLoad>> gpus_;
  std::string logPath_;
  int logFd_ = -1;
};

// Sleeps until the steady clock reaches `steadyS` (returns at once when it has).
void sleepUntilSteadyS(double steadyS);

}  // namespace sj
