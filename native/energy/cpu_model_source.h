// The modelled CPU: an estimate, not a measurement, for machines where RAPL is absent or unreadable.
//
//   energyJ = processCpuSeconds * tdpWatts / cores
//
// processCpuSeconds is CLOCK_PROCESS_CPUTIME_ID (every thread of this process) since the source was
// made: each busy core-second is charged one core's share of the TDP. The model ignores idle,
// uncore and DRAM power, other processes, clock frequency (turbo above TDP, low clocks far below)
// and the instruction mix, so its stated accuracy is wide (kCpuModelAccuracy) and its details carry
// the inputs and the formula. Its method is "modelled", so no figure from it passes for measured.
//
// With processTreeRoot = N the CPU time is instead that of the process tree rooted at pid N (a child
// command, not this process), read from procfs at 10 ms tick resolution (energy/process_tree_cpu.h
// says what it covers and what it loses); details["scope"] says which.
#pragma once
#include <memory>

#include "energy/energy_source.h"

namespace sj {

struct CpuModelOptions {
  double tdpWatts = 0;  // the package's thermal design power, W (> 0, finite)
  int cores = 0;        // physical cores sharing that TDP (>= 1)
  int processTreeRoot = 0;  // 0: this process; else the root pid of the modelled process tree
};

// E_VALUE naming the value when tdpWatts is not a positive finite number, cores < 1, or
// processTreeRoot names no readable process.
std::unique_ptr<EnergySource> makeCpuModelSource(const CpuModelOptions& options);

}  // namespace sj
