// Meter and probe options from JSON (what the binding receives), every field optional:
//   meter: {"periodMs": 50, "capacity": 72000, "nvml": true, "nvmlLibrary": "", "rapl": true,
//           "powercapRoot": "", "cpuModel": true, "cpuTdpWatts": 85, "cpuCores": 1}
//   probe: the meter's fields and {"pollSeconds": 2, "idleSeconds": 3, "busySeconds": 3}
// Unknown fields are errors (E_SPEC), naming the field.
#pragma once
#include <string>

#include "energy/meter.h"
#include "energy/probe.h"

namespace sj {

struct EnergyOptions {
  MeterOptions meter;
  ProbeOptions probe;
};

EnergyOptions energyOptionsFromJson(const std::string& text, bool withProbeFields);

}  // namespace sj
