// Turns the readings at a window's edges, and the samples inside it, into the window's energy per
// source with an uncertainty that says how it was derived. Pure functions: the meter supplies the
// data, the native tests check the arithmetic.
//
// Energy is the difference of the source's effective cumulative energy at the two edges (a
// counter's delta, or the trapezoid integral of power for a source without a counter). Its
// uncertainty is the root-sum-square of three bounds:
//   resolution    the counter's smallest step, at each edge;
//   quantisation  a counter publishes every T seconds, so each edge lags the truth by up to T:
//                 mean power x T. A power-only source also smooths over its averaging window and
//                 is sampled every dt: max power x (T + dt);
//   accuracy      the sensor's stated accuracy x the energy (NVML +-5 %, RAPL, the CPU model).
// A window shorter than 10 update periods is flagged; one whose counter did not move and that is
// shorter than two periods has no energy figure at all, with the reason, never a zero. A window in
// which reads failed, or in which the counter made a step that failed its sanity check
// (energy/counter_check.h: a reset, a jump, possibly a second wrap), is flagged incomplete: its figure
// is a lower bound.
//
// Stalls. A counter that does not advance while its domain evidently draws power is stuck, not
// measuring zero: evidence is a power reading above 0 or GPU utilisation above 0 among the samples,
// or, for a CPU-side domain (package, DRAM, platform), CPU time used by this process. Such a window,
// whether the counter stood still for all of it (at least two update periods) or for a stretch inside
// it longer than kMinStallS and four update periods (a stuck counter that a window's edges alone would
// not show), has no energy figure: it is `stalled`, with the reason. The modelled CPU, whose counter
// is this process's CPU time, cannot stall, and a stretch across a step that failed the sanity check
// is not a stall (the counter moved; the step was not counted). Finally a figure beyond the source's power bound times
// the window is no figure either.
#pragma once
#include <string>
#include <vector>

#include "core/json.h"
#include "energy/source_track.h"

namespace sj {

struct IdlePower {
  bool known = false;
  double powerW = 0, uncertaintyW = 0;
};

struct SourceWindow {
  std::string id, device, method;
  bool additive = true;
  double durationS = 0;
  bool hasEnergy = false;
  std::string unavailableReason;  // why there is no energy figure
  double joules = 0, uncertaintyJ = 0;
  double resolutionJ = 0, quantisationJ = 0, accuracyJ = 0;
  std::string uncertaintyNote;
  bool tooShort = false;
  // Reads failed inside the window: a counter may have lost energy meanwhile (a RAPL decrease that
  // could not be corrected), so the figure is a lower bound.
  bool incomplete = false;
  // The counter stood still while the domain drew power (see above): no figure.
  bool stalled = false;
  std::string flag;
  int samples = 0;
  int failures = 0;
  double meanPowerW = kMissing, maxPowerW = kMissing;
  double meanGpuUtilisationPct = kMissing, meanMemoryUtilisationPct = kMissing, peakMemoryBytes = kMissing;
  double meanSmClockMHz = kMissing, maxTemperatureC = kMissing;
  bool hasNet = false;
  double idlePowerW = 0, netJoules = 0, netUncertaintyJ = 0;

  Json toJson() const;
};

// The shortest stretch inside a window over which a counter that does not move is taken as stuck
// (with at least four update periods): long enough that a counter publishing less often than its
// nominal period is not mistaken for a stuck one.
constexpr double kMinStallS = 2.0;

// updatePeriodS: the sensor's update period (probed or nominal); samplePeriodS: the sampler's.
// discontinuities: the reasons of the counter's discontinuous steps inside the window (their number
// is the difference of end and start.discontinuitiesSoFar; the reasons may be fewer).
SourceWindow accountWindow(const SourceInfo& info, double updatePeriodS, double samplePeriodS, const Sample& start, const Sample& end,
                           const std::vector<Sample>& inside, const IdlePower& idle,
                           const std::vector<std::string>& discontinuities = {});

}  // namespace sj
