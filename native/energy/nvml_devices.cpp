#include "energy/nvml_devices.h"

#include "base/error.h"

namespace sj {

bool listNvmlDevices(const NvmlLibrary& library, NvmlDeviceList& list, std::string& status) {
  const NvmlFunctions& fn = library.fn();
  if (NvmlReturn rc = fn.deviceCount(&list.count); rc != kNvmlSuccess) {
    status = "nvmlDeviceGetCount: " + library.describe(rc);
    return false;
  }
  for (unsigned int index = 0; index < list.count; ++index) {
    NvmlDevice device = nullptr;
    if (NvmlReturn rc = fn.handleByIndex(index, &device); rc != kNvmlSuccess) {
      // Counted devices can still refuse a handle (NO_PERMISSION in containers): skip just that one.
      list.skipped += (list.skipped.empty() ? "" : "; ") + ("nvml:" + std::to_string(index)) + ": nvmlDeviceGetHandleByIndex: " + library.describe(rc);
      continue;
    }
    std::string uuid;
    if (fn.uuid) {
      char buffer[96] = {};
      if (fn.uuid(device, buffer, sizeof buffer) == kNvmlSuccess) uuid = buffer;
    }
    list.devices.push_back({index, device, std::move(uuid)});
  }
  return true;
}

std::vector<NvmlDeviceEntry> selectNvmlDevices(const std::vector<NvmlDeviceEntry>& devices, const std::vector<std::string>& gpus) {
  if (gpus.empty()) return devices;
  std::string listed;
  for (const NvmlDeviceEntry& d : devices) listed += (listed.empty() ? "" : ", ") + std::to_string(d.index) + " " + (d.uuid.empty() ? "(no UUID)" : d.uuid);
  if (listed.empty()) listed = "none";
  std::vector<bool> chosen(devices.size(), false);
  for (const std::string& g : gpus) {
    std::vector<size_t> matches;
    const bool isIndex = !g.empty() && g.find_first_not_of("0123456789") == std::string::npos;
    for (size_t i = 0; i < devices.size(); ++i) {
      const bool hit = isIndex ? std::to_string(devices[i].index) == g : !devices[i].uuid.empty() && devices[i].uuid.compare(0, g.size(), g) == 0;
      if (hit) matches.push_back(i);
    }
    if (matches.size() != 1)
      fail(ErrorCode::Value, "gpus: \"", g, "\" ", matches.empty() ? "matches no NVML device" : "is a prefix of several device UUIDs", "; NVML devices: ", listed);
    chosen[matches[0]] = true;
  }
  std::vector<NvmlDeviceEntry> selected;
  for (size_t i = 0; i < devices.size(); ++i)
    if (chosen[i]) selected.push_back(devices[i]);
  return selected;
}

}  // namespace sj
