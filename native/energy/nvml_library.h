// NVML (libnvidia-ml) loaded at run time with dlopen, never linked and without nvml.h, so the engine
// builds on machines with no NVIDIA driver and reports "no NVML" there instead of failing to load.
//
// The few types used are declared here by ABI (as nvml.h defines them: enums are int, the device
// handle an opaque pointer). Versioned entry points are looked up newest first (nvmlInit_v2, then
// nvmlInit), as go-nvml and nvidia-settings do. One NvmlLibrary stands for one nvmlInit: it is
// shared (std::shared_ptr) by every device source, and the last holder's release calls
// nvmlShutdown and dlclose.
#pragma once
#include <memory>
#include <string>
#include <utility>

namespace sj {

using NvmlReturn = int;                     // nvmlReturn_t
using NvmlDevice = struct nvmlDevice_st*;  // nvmlDevice_t

constexpr NvmlReturn kNvmlSuccess = 0;
constexpr NvmlReturn kNvmlNotSupported = 3;
constexpr NvmlReturn kNvmlNotFound = 6;
constexpr NvmlReturn kNvmlInsufficientSize = 7;
constexpr unsigned long long kNvmlValueNotAvailable = ~0ULL;  // NVML_VALUE_NOT_AVAILABLE (usedGpuMemory)

constexpr unsigned int kNvmlFieldPowerInstant = 186;  // NVML_FI_DEV_POWER_INSTANT, mW
constexpr unsigned int kNvmlPowerScopeGpu = 0;        // NVML_POWER_SCOPE_GPU (scopeId)
constexpr int kNvmlClockSm = 1;                       // NVML_CLOCK_SM
constexpr int kNvmlTemperatureGpu = 0;                // NVML_TEMPERATURE_GPU

struct NvmlUtilization {  // nvmlUtilization_t, percent of time over the driver's sample period
  unsigned int gpu;
  unsigned int memory;
};

struct NvmlMemory {  // nvmlMemory_t (v1), bytes
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

struct NvmlProcessInfo {  // nvmlProcessInfo_t as nvmlDeviceGetComputeRunningProcesses_v2 and _v3 take it
  unsigned int pid;
  unsigned long long usedGpuMemory;  // bytes, or kNvmlValueNotAvailable
  unsigned int gpuInstanceId;        // MIG ids, 0xFFFFFFFF without MIG
  unsigned int computeInstanceId;
};
static_assert(sizeof(NvmlProcessInfo) == 24, "nvmlProcessInfo_t (v2) is 24 bytes on LP64");

struct NvmlProcessUtilizationSample {  // nvmlProcessUtilizationSample_t
  unsigned int pid;
  unsigned long long timeStamp;  // CPU timestamp, microseconds
  unsigned int smUtil, memUtil, encUtil, decUtil;  // percent
};
static_assert(sizeof(NvmlProcessUtilizationSample) == 32, "nvmlProcessUtilizationSample_t is 32 bytes on LP64");

union NvmlValue {  // nvmlValue_t
  double dVal;
  int siVal;
  unsigned int uiVal;
  unsigned long ulVal;
  unsigned long long ullVal;
  long long sllVal;
  unsigned short usVal;
};

// nvmlValueType_t: which member of NvmlValue holds the value.
enum NvmlValueType : int {
  kNvmlValueDouble = 0,
  kNvmlValueUnsignedInt = 1,
  kNvmlValueUnsignedLong = 2,
  kNvmlValueUnsignedLongLong = 3,
  kNvmlValueSignedLongLong = 4,
  kNvmlValueSignedInt = 5,
  kNvmlValueUnsignedShort = 6,
};

struct NvmlFieldValue {  // nvmlFieldValue_t
  unsigned int fieldId;
  unsigned int scopeId;
  long long timestamp;    // microseconds since 1970
  long long latencyUsec;  // how stale the value is
  int valueType;          // NvmlValueType
  NvmlReturn nvmlReturn;  // per-field result: the call can succeed while a field fails
  NvmlValue value;
};
static_assert(sizeof(NvmlFieldValue) == 40, "nvmlFieldValue_t is 40 bytes on LP64");

// Converts a field value to double by its declared type.
double nvmlFieldAsDouble(const NvmlFieldValue& field);

// The entry points used. Required ones are never null in a loaded library; optional ones are null
// when the driver is too old to have them.
struct NvmlFunctions {
  // required
  NvmlReturn (*init)() = nullptr;                                   // nvmlInit_v2 | nvmlInit
  NvmlReturn (*shutdown)() = nullptr;                               // nvmlShutdown
  const char* (*errorString)(NvmlReturn) = nullptr;                 // nvmlErrorString
  NvmlReturn (*deviceCount)(unsigned int*) = nullptr;               // nvmlDeviceGetCount_v2 | nvmlDeviceGetCount
  NvmlReturn (*handleByIndex)(unsigned int, NvmlDevice*) = nullptr;  // nvmlDeviceGetHandleByIndex_v2 | unsuffixed
  // optional
  NvmlReturn (*totalEnergy)(NvmlDevice, unsigned long long*) = nullptr;  // mJ since driver load (Volta+)
  NvmlReturn (*powerUsage)(NvmlDevice, unsigned int*) = nullptr;         // mW
  NvmlReturn (*fieldValues)(NvmlDevice, int, NvmlFieldValue*) = nullptr;
  NvmlReturn (*utilization)(NvmlDevice, NvmlUtilization*) = nullptr;
  NvmlReturn (*memoryInfo)(NvmlDevice, NvmlMemory*) = nullptr;
  NvmlReturn (*clockInfo)(NvmlDevice, int, unsigned int*) = nullptr;    // MHz
  NvmlReturn (*temperature)(NvmlDevice, int, unsigned int*) = nullptr;  // degrees Celsius
  NvmlReturn (*powerLimit)(NvmlDevice, unsigned int*) = nullptr;  // mW: EnforcedPowerLimit | PowerManagementLimit
  NvmlReturn (*name)(NvmlDevice, char*, unsigned int) = nullptr;
  NvmlReturn (*uuid)(NvmlDevice, char*, unsigned int) = nullptr;
  NvmlReturn (*driverVersion)(char*, unsigned int) = nullptr;
  NvmlReturn (*architecture)(NvmlDevice, unsigned int*) = nullptr;  // nvmlDeviceArchitecture_t
  // _v3 | _v2 (the same nvmlProcessInfo_t layout; the unsuffixed v1 struct is smaller and not used)
  NvmlReturn (*computeProcesses)(NvmlDevice, unsigned int*, NvmlProcessInfo*) = nullptr;
  NvmlReturn (*processUtilization)(NvmlDevice, NvmlProcessUtilizationSample*, unsigned int*, unsigned long long) = nullptr;
};

class NvmlLibrary {
 public:
  struct Opened {
    std::shared_ptr<NvmlLibrary> library;  // null when NVML cannot be used
    std::string status;                    // why not, or which file was loaded
  };

  // Loads `path` if it is not empty, else $SEDJOULE_NVML_LIB if set, else "libnvidia-ml.so.1" and
  // then "libnvidia-ml.so" (the unversioned name comes only with the development package, which a
  // driver-only container need not have). Resolves the symbols and calls nvmlInit. A missing file,
  // a missing required symbol or a failing nvmlInit is a status, never an exception:
  //   "libnvidia-ml.so.1: cannot open shared object file: No such file or directory"
  //   "symbol nvmlDeviceGetCount_v2 (or nvmlDeviceGetCount) missing in /path/libnvidia-ml.so.1"
  //   "nvmlInit failed: 9 (Driver Not Loaded)"
  static Opened open(const std::string& path);

  ~NvmlLibrary();  // nvmlShutdown, then dlclose
  NvmlLibrary(const NvmlLibrary&) = delete;
  NvmlLibrary& operator=(const NvmlLibrary&) = delete;

  const NvmlFunctions& fn() const { return fn_; }
  const std::string& path() const { return path_; }  // the name dlopen succeeded with

  // "15 (GPU is lost)": the code and nvmlErrorString's text.
  std::string describe(NvmlReturn code) const;

 private:
  NvmlLibrary(void* handle, std::string path, const NvmlFunctions& fn) : handle_(handle), path_(std::move(path)), fn_(fn) {}

  void* handle_;
  std::string path_;
  NvmlFunctions fn_;
};

}  // namespace sj
