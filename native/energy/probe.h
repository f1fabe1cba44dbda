// `sedjoule probe`: what each energy source supports, and measurements of how it behaves here:
// the energy counter's update period and the power reading's update period (by polling as fast as
// possible and timing the changes), idle power, and how the counter agrees with integrated power
// over a busy period.
#pragma once
#include <functional>
#include <string>

#include "core/json.h"
#include "energy/meter.h"

namespace sj {

struct ProbeOptions {
  double pollSeconds = 2.0;  // fast polling per source, for update periods
  double idleSeconds = 3.0;  // idle baseline
  double busySeconds = 3.0;  // busy period per device kind, for counter vs integrated power
};

// Loads a device kind ("gpu" or "cpu") for about `seconds`; returns "" or why it could not.
using BusyLoad = std::function<std::string(const std::string& kind, double seconds)>;

Json probeEnergy(const MeterOptions& meter, const ProbeOptions& options, const BusyLoad& busy);

}  // namespace sj
