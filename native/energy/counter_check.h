// The sanity rule every step of a cumulative energy counter passes before it is counted (RAPL zones
// and NVML GPUs alike): the energy gained between two readings cannot exceed the most the domain can
// draw over the longest time the step can span, and a counter that wraps cannot have wrapped more
// than once in that time. A step that fails is not counted; the reading says why (a discontinuity),
// and the meter marks every window holding it incomplete.
//
// The time a step spans. A counter publishes a new value every updatePeriod; the value seen at read n
// was published after read n-1 (or it would have been seen then), and the one seen at the next change
// m before read m. So the energy between the two values accrued within t(m) - t(n-1): the time since
// the read before the last change, plus one update period of margin for the first step after
// discovery, whose value may have been published before the discovery read.
#pragma once
#include <cstdint>
#include <string>

namespace sj {

// Multiplies a device's declared power (its TDP or power limit) into the bound: packages and boards
// run above their TDP in turbo (laptop PL2 is up to about 4x the TDP) and the declared figure can be
// stale, while the steps this rule exists to catch (a reset taken as a wrap, a jump of 1e9 J) are
// orders of magnitude larger.
constexpr double kDeclaredPowerMargin = 4.0;

struct CounterLimits {
  double maxPowerW = 0;      // the bound on the domain's power, margin included (> 0)
  double updatePeriodS = 0;  // how often the counter publishes
  double resolutionJ = 0;    // the counter's smallest step
  double rangeJ = 0;         // energy after which the counter wraps; 0: it does not wrap, or the range is unknown
};

// max(floorW, kDeclaredPowerMargin x declaredW): the bound for a domain whose declared power may be
// unknown (declaredW <= 0).
double powerBoundW(double declaredW, double floorW);

class CounterSteps {
 public:
  // discoveryNs: when the counter's first value was read.
  CounterSteps(const CounterLimits& limits, int64_t discoveryNs);

  const CounterLimits& limits() const { return limits_; }
  // The longest time a step seen by a read at nowNs can span, in seconds (see above).
  double spanS(int64_t nowNs) const;
  // The most energy a step seen at nowNs can hold: maxPowerW x (span + update period) + 2 resolution steps.
  double maxStepJ(int64_t nowNs) const;
  // Whether the counter could have passed its range more than once within the span.
  bool couldWrapTwice(int64_t nowNs) const;
  // "<J> J in <s> s is above the bound of <W> W x (<s> s + <T> s update period) = <J> J".
  std::string describeExcess(double stepJ, int64_t nowNs) const;
  // Records a read (failed reads included: they still bound when a value was last seen).
  void record(int64_t nowNs, bool changed);

 private:
  CounterLimits limits_;
  int64_t previousReadNs_;
  int64_t changeBaseNs_;
};

}  // namespace sj
