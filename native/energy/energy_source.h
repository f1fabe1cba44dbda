// One interface for everything that reports energy or power: an NVML GPU, a RAPL zone, the
// modelled CPU. A source says what it supports and how its figures are obtained (the method label
// that every energy figure carries); the meter samples it and turns readings into windows.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace sj {

struct SourceCapabilities {
  bool energyCounter = false;  // a cumulative energy reading
  bool power = false;          // a power reading
  bool utilisation = false;    // GPU and memory utilisation, percent
  bool memory = false;         // device memory in use, bytes
  bool clocks = false;         // SM clock, MHz
  bool temperature = false;    // degrees Celsius
};

struct SourceInfo {
  std::string id;      // stable key: "nvml:0", "rapl:package-0", "rapl:dram-0", "cpu-model"
  std::string device;  // "gpu", "cpu-package", "dram", "platform", "cpu"
  std::string name;    // for people: "NVIDIA H100 80GB HBM3", "package-0 (intel-rapl:0)"
  // How the window energy is obtained: "nvml-counter", "nvml-power-integrated", "rapl", "modelled".
  std::string method;
  // Whether the source's energy adds into totals. False for a domain that contains others
  // (RAPL psys contains the packages), so nothing is counted twice.
  bool additive = true;
  SourceCapabilities caps;
  double counterResolutionJ = 0;  // smallest step of the energy reading (NVML 1 mJ, RAPL sysfs 1 uJ)
  double updatePeriodS = 0;       // how often the sensor publishes a new value (nominal; the probe measures it)
  double accuracyFraction = 0;    // stated accuracy of a reading, as a fraction of the reading
  // The most power the domain can draw (margin included, energy/counter_check.h): every counter step
  // and every window is checked against it. 0: not checked (the modelled CPU, whose counter is CPU time).
  double powerBoundW = 0;
  std::string powerBoundSource;   // how powerBoundW was chosen
  std::string accuracySource;     // where that accuracy figure comes from
  std::map<std::string, std::string> details;  // uuid, driver, powerLimitW, zone path, model inputs, ...
};

struct SourceReading {
  int64_t timeNs = 0;  // steady clock when the read completed
  bool ok = true;      // false: the read failed (see error); the meter keeps the failure visible
  std::string error;
  std::optional<double> energyJ;  // cumulative since the source opened; wrap-corrected, never decreasing
  // Not empty when the counter's step since the previous reading failed its sanity check (a reset, a
  // jump beyond the physical bound, possibly more than one wrap) and was not counted, or counted only
  // in part: why. The reading itself is good (ok, energyJ) and later steps count from it.
  std::string discontinuity;
  std::optional<double> powerW;
  std::optional<double> gpuUtilisationPct, memoryUtilisationPct;
  std::optional<double> memoryUsedBytes;
  std::optional<double> smClockMHz;
  std::optional<double> temperatureC;
};

class EnergySource {
 public:
  virtual ~EnergySource() = default;
  virtual const SourceInfo& info() const = 0;
  // Called by one thread at a time (the meter serialises reads). Never throws: failures come back
  // as a reading with ok = false and a message.
  virtual SourceReading read() = 0;
};

// Steady-clock nanoseconds, the time base of every reading.
int64_t steadyNowNs();
// The same clock in seconds (CLOCK_MONOTONIC on Linux): the absolute time axis of the sensor study,
// shared by every trace, the load log and the fake sensors of the tests.
double steadyNowS();

}  // namespace sj
