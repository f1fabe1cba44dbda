// Per-process GPU attribution: which of a set of pids hold memory on each NVML device, and their
// SM utilisation samples. This ATTRIBUTES use, it measures no energy: NVML has no per-process
// energy counter, and a process's SM utilisation is the share of time its kernels ran, not its
// share of the board's power.
//
// Sources (NVML API reference, https://docs.nvidia.com/deploy/nvml-api/group__nvmlDeviceQueries.html):
// nvmlDeviceGetComputeRunningProcesses_v3 (or _v2; the processes with a CUDA context, their used
// memory or NVML_VALUE_NOT_AVAILABLE) and nvmlDeviceGetProcessUtilization (samples newer than
// lastSeenTimeStamp, in CPU microseconds; NOT_FOUND when there are none). Both are optional
// symbols: a driver without them gets a status saying so, never a silent empty list.
#pragma once
#include <string>
#include <vector>

#include "core/json.h"

namespace sj {

// {"kind": "attribution", "note", "status", "pids": [...], "lastSeenUs",
//  "devices": [{"id": "nvml:<i>", "uuid", "processes": [{"pid", "usedMemoryBytes" | null}],
//               "processesStatus": "ok" | why, "utilisation": [{"pid", "timeUs", "smPercent",
//               "memoryPercent"}], "utilisationStatus": "ok" | "no samples since lastSeenUs" | why}]}
// `gpus` selects devices as the meter does (energy/nvml_devices.h); only `pids` are kept.
// lastSeenUs is the newest sample time seen (pass it as sinceUs next time for new samples only).
Json attributeGpuProcesses(const std::string& libraryPath, const std::vector<std::string>& gpus, const std::vector<int>& pids,
                           unsigned long long sinceUs);

// The same shape with no devices and `status` saying why (NVML disabled).
Json unavailableGpuAttribution(const std::vector<int>& pids, unsigned long long sinceUs, const std::string& status);

}  // namespace sj
