#include "energy/gpu_attribution.h"

#include <algorithm>
#include <set>
#include <utility>

#include "energy/nvml_devices.h"
#include "energy/nvml_library.h"

namespace sj {

namespace {

const char* kAttributionNote =
    "attribution, not measurement: NVML reports which processes hold memory and how much of the time their kernels ran; "
    "no per-process energy exists";

// Calls an NVML list getter with growing buffers: INSUFFICIENT_SIZE says how many entries there are.
template <class Entry, class Call>
NvmlReturn readList(std::vector<Entry>& entries, Call&& call) {
  unsigned int count = 16;
  for (int attempt = 0; attempt < 4; ++attempt) {
    entries.assign(count, Entry{});
    unsigned int asked = count;
    const NvmlReturn rc = call(entries.data(), &asked);
    if (rc == kNvmlInsufficientSize) {
      count = std::max(asked, count * 2);
      continue;
    }
    entries.resize(rc == kNvmlSuccess ? asked : 0);
    return rc;
  }
  return kNvmlInsufficientSize;
}

Json attribution(const std::vector<int>& pids, const std::string& status, unsigned long long lastSeenUs, Json devices) {
  Json out = Json::object();
  out.set("kind", Json::string("attribution"));
  out.set("note", Json::string(kAttributionNote));
  Json pidList = Json::array();
  for (int pid : pids) pidList.push(Json::number(pid));
  out.set("pids", pidList);
  out.set("status", Json::string(status));
  out.set("lastSeenUs", Json::number(static_cast<double>(lastSeenUs)));
  out.set("devices", std::move(devices));
  return out;
}

}  // namespace

Json unavailableGpuAttribution(const std::vector<int>& pids, unsigned long long sinceUs, const std::string& status) {
  return attribution(pids, status, sinceUs, Json::array());
}

Json attributeGpuProcesses(const std::string& libraryPath, const std::vector<std::string>& gpus, const std::vector<int>& pids,
                           unsigned long long sinceUs) {
  Json devices = Json::array();
  unsigned long long lastSeenUs = sinceUs;
  const std::set<unsigned int> wanted(pids.begin(), pids.end());

  NvmlLibrary::Opened opened = NvmlLibrary::open(libraryPath);
  NvmlDeviceList list;
  std::string status = opened.status;
  if (opened.library && listNvmlDevices(*opened.library, list, status)) {
    const NvmlLibrary& library = *opened.library;
    const NvmlFunctions& fn = library.fn();
    status = "NVML via " + library.path();
    for (const NvmlDeviceEntry& d : selectNvmlDevices(list.devices, gpus)) {
      Json device = Json::object();
      device.set("id", Json::string("nvml:" + std::to_string(d.index)));
      device.set("uuid", d.uuid.empty() ? Json() : Json::string(d.uuid));
      Json processes = Json::array();
      if (!fn.computeProcesses) {
        device.set("processesStatus", Json::string("unavailable: nvmlDeviceGetComputeRunningProcesses_v3/_v2 missing (driver too old)"));
      } else {
        std::vector<NvmlProcessInfo> infos;
        const NvmlReturn rc =
            readList(infos, [&](NvmlProcessInfo* data, unsigned int* count) { return fn.computeProcesses(d.handle, count, data); });
        device.set("processesStatus", Json::string(rc == kNvmlSuccess ? "ok" : "nvmlDeviceGetComputeRunningProcesses: " + library.describe(rc)));
        for (const NvmlProcessInfo& p : infos) {
          if (!wanted.count(p.pid)) continue;
          Json entry = Json::object();
          entry.set("pid", Json::number(p.pid));
          entry.set("usedMemoryBytes", p.usedGpuMemory == kNvmlValueNotAvailable ? Json() : Json::number(static_cast<double>(p.usedGpuMemory)));
          processes.push(entry);
        }
      }
      device.set("processes", processes);
      Json utilisation = Json::array();
      if (!fn.processUtilization) {
        device.set("utilisationStatus", Json::string("unavailable: nvmlDeviceGetProcessUtilization missing (driver too old)"));
      } else {
        std::vector<NvmlProcessUtilizationSample> samples;
        const NvmlReturn rc = readList(samples, [&](NvmlProcessUtilizationSample* data, unsigned int* count) {
          return fn.processUtilization(d.handle, data, count, sinceUs);
        });
        device.set("utilisationStatus", Json::string(rc == kNvmlSuccess    ? "ok"
                                                     : rc == kNvmlNotFound ? "no samples since lastSeenUs"
                                                                           : "nvmlDeviceGetProcessUtilization: " + library.describe(rc)));
        for (const NvmlProcessUtilizationSample& p : samples) {
          lastSeenUs = std::max(lastSeenUs, p.timeStamp);
          if (!wanted.count(p.pid)) continue;
          Json entry = Json::object();
          entry.set("pid", Json::number(p.pid));
          entry.set("timeUs", Json::number(static_cast<double>(p.timeStamp)));
          entry.set("smPercent", Json::number(p.smUtil));
          entry.set("memoryPercent", Json::number(p.memUtil));
          utilisation.push(entry);
        }
      }
      device.set("utilisation", utilisation);
      devices.push(device);
    }
  }
  return attribution(pids, status, lastSeenUs, std::move(devices));
}

}  // namespace sj
