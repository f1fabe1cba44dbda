// NVIDIA GPUs as energy sources, one per NVML device ("nvml:<index>", device "gpu").
//
// Method "nvml-counter" when the device's cumulative energy counter works (Volta and newer,
// nvmlDeviceGetTotalEnergyConsumption, 1 mJ steps): readings carry energyJ, counted from discovery.
// Otherwise "nvml-power-integrated": readings carry power only and the meter integrates it. Power
// comes from the instant field NVML_FI_DEV_POWER_INSTANT (186) when the driver has it, else from
// nvmlDeviceGetPowerUsage, which is a 1 s average on Ampere and newer (except GA100);
// info().details["powerField"] says which. Readings also carry utilisation, memory in use, SM clock
// and temperature where the device reports them.
//
// Counter steps are checked as every counter's are (energy/counter_check.h), against 4 x the power
// limit (4,000 W when it is unreadable): a step above that, or a counter that went back (a driver
// reload or GPU reset), is not counted and the reading's `discontinuity` says why.
//
// The NVML index is not stable across reboots and need not match the CUDA device index: match
// devices by details["uuid"].
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "energy/energy_source.h"

namespace sj {

struct NvmlDiscovery {
  bool available = false;  // at least one GPU can be measured
  std::string status;      // what was loaded and found, or why nothing can be measured
  std::vector<std::unique_ptr<EnergySource>> sources;
};

// Loads NVML (see NvmlLibrary::open for how `libraryPath` is resolved; "" means the default),
// probes every device once and returns a source for each one that has an energy counter or power.
// Never throws: a machine without NVIDIA GPUs gets available = false and a status such as
// "libnvidia-ml.so.1: cannot open shared object file: No such file or directory".
// The library stays loaded (and initialised) while any returned source lives.
// `gpus`, when not empty, restricts the sources to those devices: each entry is a decimal NVML
// index, a full UUID or a unique UUID prefix. The one throw: E_VALUE when an entry matches no device
// (or several), naming it and listing the devices, or when devices are selected and NVML is unusable.
NvmlDiscovery discoverNvml(const std::string& libraryPath, const std::vector<std::string>& gpus = {});

}  // namespace sj
