#include "energy/nvml_library.h"

#include <dlfcn.h>

#include <cstdlib>
#include <initializer_list>
#include <vector>

namespace sj {
namespace {

// The first of `names` the library exports (newest version first), or null.
void* lookup(void* handle, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (void* symbol = dlsym(handle, name)) return symbol;
  }
  return nullptr;
}

template <class Function>
void bind(void* handle, Function& slot, std::initializer_list<const char*> names) {
  slot = reinterpret_cast<Function>(lookup(handle, names));
}

// "nvmlInit_v2 (or nvmlInit)": how a missing required symbol is named in the status.
std::string symbolNames(std::initializer_list<const char*> names) {
  auto name = names.begin();
  std::string text = *name++;
  for (const char* separator = " (or "; name != names.end(); separator = ", ") text += separator + std::string(*name++);
  if (names.size() > 1) text += ")";
  return text;
}

}  // namespace

double nvmlFieldAsDouble(const NvmlFieldValue& field) {
  switch (field.valueType) {
    case kNvmlValueDouble: return field.value.dVal;
    case kNvmlValueUnsignedInt: return field.value.uiVal;
    case kNvmlValueUnsignedLong: return static_cast<double>(field.value.ulVal);
    case kNvmlValueUnsignedLongLong: return static_cast<double>(field.value.ullVal);
    case kNvmlValueSignedLongLong: return static_cast<double>(field.value.sllVal);
    case kNvmlValueSignedInt: return field.value.siVal;
    case kNvmlValueUnsignedShort: return field.value.usVal;
  }
  return field.value.uiVal;  // power fields are unsigned int mW in every driver seen
}

NvmlLibrary::Opened NvmlLibrary::open(const std::string& path) {
  std::vector<std::string> candidates;
  const char* fromEnv = std::getenv("SEDJOULE_NVML_LIB");
  if (!path.empty()) candidates = {path};
  else if (fromEnv && *fromEnv) candidates = {fromEnv};
  else candidates = {"libnvidia-ml.so.1", "libnvidia-ml.so"};

  void* handle = nullptr;
  std::string loaded, failures;
  for (const std::string& candidate : candidates) {
    // RTLD_LOCAL: NVML's symbols stay out of the global namespace of the Node process.
    handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle) {
      loaded = candidate;
      break;
    }
    const char* why = dlerror();
    if (!failures.empty()) failures += "; ";
    failures += why ? why : candidate + ": cannot be loaded";
  }
  if (!handle) return {nullptr, failures};

  NvmlFunctions fn;
  std::string missing;
  auto required = [&](auto& slot, std::initializer_list<const char*> names) {
    bind(handle, slot, names);
    if (!slot && missing.empty()) missing = "symbol " + symbolNames(names) + " missing in " + loaded;
  };
  required(fn.init, {"nvmlInit_v2", "nvmlInit"});
  required(fn.shutdown, {"nvmlShutdown"});
  required(fn.errorString, {"nvmlErrorString"});
  required(fn.deviceCount, {"nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"});
  required(fn.handleByIndex, {"nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"});
  if (!missing.empty()) {
    dlclose(handle);
    return {nullptr, missing};
  }
  bind(handle, fn.totalEnergy, {"nvmlDeviceGetTotalEnergyConsumption"});
  bind(handle, fn.powerUsage, {"nvmlDeviceGetPowerUsage"});
  bind(handle, fn.fieldValues, {"nvmlDeviceGetFieldValues"});
  bind(handle, fn.utilization, {"nvmlDeviceGetUtilizationRates"});
  bind(handle, fn.memoryInfo, {"nvmlDeviceGetMemoryInfo"});
  bind(handle, fn.clockInfo, {"nvmlDeviceGetClockInfo"});
  bind(handle, fn.temperature, {"nvmlDeviceGetTemperature"});
  // The enforced limit is the one in force (the management limit capped by other constraints).
  bind(handle, fn.powerLimit, {"nvmlDeviceGetEnforcedPowerLimit", "nvmlDeviceGetPowerManagementLimit"});
  bind(handle, fn.name, {"nvmlDeviceGetName"});
  bind(handle, fn.uuid, {"nvmlDeviceGetUUID"});
  bind(handle, fn.driverVersion, {"nvmlSystemGetDriverVersion"});
  bind(handle, fn.architecture, {"nvmlDeviceGetArchitecture"});
  bind(handle, fn.computeProcesses, {"nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses_v2"});
  bind(handle, fn.processUtilization, {"nvmlDeviceGetProcessUtilization"});

  const NvmlReturn rc = fn.init();
  if (rc != kNvmlSuccess) {
    const char* text = fn.errorString(rc);  // valid before a successful init
    std::string status = "nvmlInit failed: " + std::to_string(rc) + " (" + (text ? text : "unknown error") + ")";
    dlclose(handle);
    return {nullptr, status};
  }
  return {std::shared_ptr<NvmlLibrary>(new NvmlLibrary(handle, loaded, fn)), "loaded " + loaded};
}

NvmlLibrary::~NvmlLibrary() {
  fn_.shutdown();
  dlclose(handle_);
}

std::string NvmlLibrary::describe(NvmlReturn code) const {
  const char* text = fn_.errorString(code);
  return std::to_string(code) + " (" + (text ? text : "unknown error") + ")";
}

}  // namespace sj
