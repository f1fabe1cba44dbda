#include "energy/counter_check.h"

#include <algorithm>
#include <cstdio>

namespace sj {

double powerBoundW(double declaredW, double floorW) { return std::max(floorW, declaredW > 0 ? kDeclaredPowerMargin * declaredW : 0.0); }

CounterSteps::CounterSteps(const CounterLimits& limits, int64_t discoveryNs)
    : limits_(limits), previousReadNs_(discoveryNs), changeBaseNs_(discoveryNs) {}

double CounterSteps::spanS(int64_t nowNs) const { return std::max<int64_t>(0, nowNs - changeBaseNs_) * 1e-9; }

double CounterSteps::maxStepJ(int64_t nowNs) const {
  return limits_.maxPowerW * (spanS(nowNs) + limits_.updatePeriodS) + 2 * limits_.resolutionJ;
}

bool CounterSteps::couldWrapTwice(int64_t nowNs) const { return limits_.rangeJ > 0 && maxStepJ(nowNs) >= limits_.rangeJ; }

std::string CounterSteps::describeExcess(double stepJ, int64_t nowNs) const {
  char text[256];
  std::snprintf(text, sizeof text, "%.6g J in %.3g s is above the bound of %.4g W x (%.3g s + %.3g s update period) = %.4g J", stepJ,
                spanS(nowNs), limits_.maxPowerW, spanS(nowNs), limits_.updatePeriodS, maxStepJ(nowNs));
  return text;
}

void CounterSteps::record(int64_t nowNs, bool changed) {
  if (changed) changeBaseNs_ = previousReadNs_;
  previousReadNs_ = nowNs;
}

}  // namespace sj
