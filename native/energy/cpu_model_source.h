// The modelled CPU: an estimate, not a measurement, for machines where RAPL is absent or unreadable.
//
//   energyJ = processCpuSeconds * tdpWatts / cores
//
// processCpuSeconds is CLOCK_PROCESS_CPUTIME_ID (every thread of this process) since the source was
// made: each busy core-second is charged one core's share of the TDP. The model ignores idle,
// uncore and DRAM power, other processes, clock frequency (turbo above TDP, low clocks far below)
// and the instruction mix, so its stated accuracy is wide (kCpuModelAccuracy) and its details carry
// the inputs and the formula. Its method is "modelled", so no figure from it passes for measured.
#pragma once
#include <memory>

#include "energy/energy_source.h"

namespace sj {

struct CpuModelOptions {
  double tdpWatts = 0;  // the package's thermal design power, W (> 0, finite)
  int cores = 0;        // physical cores sharing that TDP (>= 1)
};

// E_VALUE naming the value when tdpWatts is not a positive finite number or cores < 1.
std::unique_ptr<EnergySource> makeCpuModelSource(const CpuModelOptions& options);

}  // namespace sj
