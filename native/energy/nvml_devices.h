// The NVML devices of a loaded library, and the subset a `gpus` option selects (an NVML index, a
// full UUID, or a prefix naming exactly one UUID, as CUDA_VISIBLE_DEVICES accepts UUID prefixes).
// Shared by the energy sources (energy/nvml_source.h) and the per-process attribution
// (energy/gpu_attribution.h), so both mean the same devices.
#pragma once
#include <string>
#include <vector>

#include "energy/nvml_library.h"

namespace sj {

struct NvmlDeviceEntry {
  unsigned int index;
  NvmlDevice handle;
  std::string uuid;  // empty when nvmlDeviceGetUUID is missing or fails
};

struct NvmlDeviceList {
  unsigned int count = 0;               // what nvmlDeviceGetCount reported
  std::vector<NvmlDeviceEntry> devices;  // those that gave a handle
  std::string skipped;                  // "nvml:<i>: nvmlDeviceGetHandleByIndex: <why>; ..."
};

// Fills `status` and returns false when nvmlDeviceGetCount fails.
bool listNvmlDevices(const NvmlLibrary& library, NvmlDeviceList& list, std::string& status);

// The devices `gpus` names, in NVML order; every device when `gpus` is empty. E_VALUE naming the
// entry and listing the devices when an entry matches none or several.
std::vector<NvmlDeviceEntry> selectNvmlDevices(const std::vector<NvmlDeviceEntry>& devices, const std::vector<std::string>& gpus);

}  // namespace sj
