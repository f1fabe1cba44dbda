#include "energy/nvml_source.h"

#include <cstdint>
#include <exception>
#include <sstream>
#include <utility>

#include "base/error.h"
#include "energy/counter_check.h"
#include "energy/nvml_devices.h"
#include "energy/nvml_library.h"

namespace sj {
namespace {

constexpr double kFromMilli = 1e-3;  // NVML reports mJ and mW: to J and W

// The power bound of a GPU whose power limit cannot be read (energy/counter_check.h): four times
// the largest board power of a single GPU, about 1,000 W (NVIDIA B200).
constexpr double kBoardPowerBoundW = 4000;

// Yang, Adámek, Armour (SC'24) for the figure, the NVML documentation for the same ±5 %; the
// board-to-board offset they also found is not a fraction of the reading, so it is named apart.
const char* kAccuracySource =
    "NVML documentation (nvmlDeviceGetPowerUsage: +/-5 % of the reading) and Yang, Adamek, Armour, "
    "\"Accurate and Convenient Energy Measurements for GPUs\", SC'24, DOI 10.1109/SC41406.2024.00028 "
    "(+/-5 % in steady state on 70+ GPUs, Fermi to Hopper; not included: board-to-board offsets of "
    "+/-30-35 W on 700 W parts, and A100/H100 sensors that see 25 ms of every 100 ms)";

const char* kPowerFieldInstant =
    "NVML_FI_DEV_POWER_INSTANT (field 186): the latest sensor reading, not averaged";
const char* kPowerFieldUsage =
    "nvmlDeviceGetPowerUsage: a 1 s average on Ampere and newer (except GA100), instantaneous on older GPUs; "
    "the instant field 186 is not available";

std::string formatNumber(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string architectureName(unsigned int arch) {
  switch (arch) {
    case 2: return "kepler";
    case 3: return "maxwell";
    case 4: return "pascal";
    case 5: return "volta";
    case 6: return "turing";
    case 7: return "ampere";
    case 8: return "ada";
    case 9: return "hopper";
    case 10: return "blackwell";
  }
  return "unknown (" + std::to_string(arch) + ")";
}

// Reads a string property into a buffer large enough for every NVML string (the _V2 sizes are 96).
template <class Call>
std::string readString(Call&& call) {
  char buffer[256] = {};
  if (call(buffer, static_cast<unsigned int>(sizeof(buffer) - 1)) != kNvmlSuccess) return "";
  return buffer;
}

// The instant power field, in mW. The call can succeed while the field itself is unsupported, so
// the per-field code is what counts.
NvmlReturn readInstantPowerMW(const NvmlFunctions& fn, NvmlDevice device, double& milliwatts) {
  NvmlFieldValue field{};
  field.fieldId = kNvmlFieldPowerInstant;
  field.scopeId = kNvmlPowerScopeGpu;
  const NvmlReturn rc = fn.fieldValues(device, 1, &field);
  if (rc != kNvmlSuccess) return rc;
  if (field.nvmlReturn != kNvmlSuccess) return field.nvmlReturn;
  milliwatts = nvmlFieldAsDouble(field);
  return kNvmlSuccess;
}

class NvmlDeviceSource final : public EnergySource {
 public:
  NvmlDeviceSource(std::shared_ptr<NvmlLibrary> library, NvmlDevice device, SourceInfo info, bool instantPower,
                   unsigned long long counterAtDiscoveryMJ, int64_t discoveryNs)
      : library_(std::move(library)),
        device_(device),
        info_(std::move(info)),
        instantPower_(instantPower),
        lastCounterMJ_(counterAtDiscoveryMJ),
        steps_(CounterLimits{info_.powerBoundW, info_.updatePeriodS, info_.counterResolutionJ, 0}, discoveryNs) {}

  const SourceInfo& info() const override { return info_; }

  SourceReading read() override {
    try {
      return readDevice();
    } catch (const std::exception& e) {
      return failed(std::string("nvml read: ") + e.what());
    } catch (...) {
      return failed("nvml read: unknown exception");
    }
  }

 private:
  SourceReading failed(std::string error) const {
    SourceReading reading;
    reading.timeNs = steadyNowNs();
    reading.ok = false;
    reading.error = std::move(error);
    return reading;
  }
  SourceReading failed(const char* call, NvmlReturn rc) const { return failed(std::string(call) + ": " + library_->describe(rc)); }

  // One failing call fails the whole reading and the rest are not attempted: a lost GPU answers
  // every call with the same error, and a partial reading would be mistaken for a whole one.
  SourceReading readDevice() {
    const NvmlFunctions& fn = library_->fn();
    SourceReading reading;
    if (info_.caps.energyCounter) {
      unsigned long long counterMJ = 0;
      if (NvmlReturn rc = fn.totalEnergy(device_, &counterMJ); rc != kNvmlSuccess) return failed("nvmlDeviceGetTotalEnergyConsumption", rc);
      // Stamped at the energy value, not after the slower extras, so the meter's windows see the
      // counter at the time it was read.
      reading.timeNs = steadyNowNs();
      count(reading, counterMJ);
      reading.energyJ = static_cast<double>(energyMJ_) * kFromMilli;
    }
    if (info_.caps.power) {
      double milliwatts = 0;
      if (instantPower_) {
        if (NvmlReturn rc = readInstantPowerMW(fn, device_, milliwatts); rc != kNvmlSuccess)
          return failed("nvmlDeviceGetFieldValues(NVML_FI_DEV_POWER_INSTANT)", rc);
      } else {
        unsigned int mw = 0;
        if (NvmlReturn rc = fn.powerUsage(device_, &mw); rc != kNvmlSuccess) return failed("nvmlDeviceGetPowerUsage", rc);
        milliwatts = mw;
      }
      if (!info_.caps.energyCounter) reading.timeNs = steadyNowNs();
      reading.powerW = milliwatts * kFromMilli;
    }
    if (info_.caps.utilisation) {
      NvmlUtilization utilisation{};
      if (NvmlReturn rc = fn.utilization(device_, &utilisation); rc != kNvmlSuccess) return failed("nvmlDeviceGetUtilizationRates", rc);
      reading.gpuUtilisationPct = utilisation.gpu;
      reading.memoryUtilisationPct = utilisation.memory;
    }
    if (info_.caps.memory) {
      NvmlMemory memory{};
      if (NvmlReturn rc = fn.memoryInfo(device_, &memory); rc != kNvmlSuccess) return failed("nvmlDeviceGetMemoryInfo", rc);
      reading.memoryUsedBytes = static_cast<double>(memory.used);
    }
    if (info_.caps.clocks) {
      unsigned int mhz = 0;
      if (NvmlReturn rc = fn.clockInfo(device_, kNvmlClockSm, &mhz); rc != kNvmlSuccess) return failed("nvmlDeviceGetClockInfo(NVML_CLOCK_SM)", rc);
      reading.smClockMHz = mhz;
    }
    if (info_.caps.temperature) {
      unsigned int celsius = 0;
      if (NvmlReturn rc = fn.temperature(device_, kNvmlTemperatureGpu, &celsius); rc != kNvmlSuccess)
        return failed("nvmlDeviceGetTemperature(NVML_TEMPERATURE_GPU)", rc);
      reading.temperatureC = celsius;
    }
    return reading;
  }

  // Adds the counter's step since the previous read when it passes the checks of counter_check.h
  // (the counter is 64-bit and never wraps); otherwise re-bases on the new value and says why.
  void count(SourceReading& reading, unsigned long long counterMJ) {
    const auto describe = [&](const char* what) {
      return "energy counter " + std::string(what) + " from " + std::to_string(lastCounterMJ_) + " mJ to " + std::to_string(counterMJ) + " mJ";
    };
    if (counterMJ < lastCounterMJ_) {
      // The counter counts since the driver was loaded, so it only goes back on a driver reload or
      // GPU reset. Re-basing on the new value loses at most the energy of one read interval;
      // assuming it restarted from 0 could add an unknown origin.
      reading.discontinuity = describe("went back") + " (driver reload or GPU reset): the energy since the previous read is not counted";
    } else if (const double stepJ = static_cast<double>(counterMJ - lastCounterMJ_) * kFromMilli; stepJ > steps_.maxStepJ(reading.timeNs)) {
      reading.discontinuity = describe("jumped") + ": " + steps_.describeExcess(stepJ, reading.timeNs) + " (" + info_.powerBoundSource +
                              "); the step is not counted";
    } else {
      energyMJ_ += counterMJ - lastCounterMJ_;
    }
    steps_.record(reading.timeNs, counterMJ != lastCounterMJ_);
    lastCounterMJ_ = counterMJ;
  }

  std::shared_ptr<NvmlLibrary> library_;  // keeps NVML initialised and loaded while this source lives
  NvmlDevice device_;
  SourceInfo info_;
  bool instantPower_;
  unsigned long long lastCounterMJ_;  // raw counter at the previous good read (at discovery at first)
  uint64_t energyMJ_ = 0;             // since discovery, in whole mJ so that long runs do not drift
  CounterSteps steps_;
};

// Probes one device: which energy and power paths work and which extras it reports. Returns null
// (and says why in `skipped`) when it has neither an energy counter nor power.
std::unique_ptr<EnergySource> probeDevice(const std::shared_ptr<NvmlLibrary>& library, unsigned int index, NvmlDevice device,
                                          const std::string& driver, std::string& skipped) {
  const NvmlFunctions& fn = library->fn();
  SourceInfo info;
  info.id = "nvml:" + std::to_string(index);
  info.device = "gpu";
  info.name = fn.name ? readString([&](char* b, unsigned int n) { return fn.name(device, b, n); }) : "";
  if (info.name.empty()) info.name = "NVIDIA GPU " + std::to_string(index);
  info.details["index"] = std::to_string(index);
  info.details["library"] = library->path();
  if (!driver.empty()) info.details["driver"] = driver;
  if (fn.uuid) {
    std::string uuid = readString([&](char* b, unsigned int n) { return fn.uuid(device, b, n); });
    if (!uuid.empty()) info.details["uuid"] = uuid;
  }
  unsigned int value = 0;
  double powerLimitW = 0;
  if (fn.powerLimit && fn.powerLimit(device, &value) == kNvmlSuccess) {
    powerLimitW = value * kFromMilli;
    info.details["powerLimitW"] = formatNumber(powerLimitW);
  }
  info.powerBoundW = powerBoundW(powerLimitW, powerLimitW > 0 ? 0.0 : kBoardPowerBoundW);
  info.powerBoundSource = powerLimitW > 0 ? formatNumber(kDeclaredPowerMargin) + " x the power limit (" + formatNumber(powerLimitW) + " W)"
                                          : "the board power bound of " + formatNumber(kBoardPowerBoundW) +
                                                " W (four times the largest GPU board power, about 1,000 W): the power limit is unreadable";
  if (fn.architecture && fn.architecture(device, &value) == kNvmlSuccess) info.details["architecture"] = architectureName(value);

  // Energy counter: NOT_SUPPORTED means pre-Volta (or a consumer / virtual GPU without it).
  unsigned long long counterMJ = 0;
  int64_t counterReadNs = 0;
  if (!fn.totalEnergy) {
    info.details["energyCounter"] = "unavailable: symbol nvmlDeviceGetTotalEnergyConsumption missing (driver too old)";
  } else {
    const NvmlReturn rc = fn.totalEnergy(device, &counterMJ);
    counterReadNs = steadyNowNs();
    if (rc != kNvmlSuccess) {
      info.details["energyCounter"] = "unavailable: nvmlDeviceGetTotalEnergyConsumption: " + library->describe(rc);
    } else {
      info.caps.energyCounter = true;
    }
  }

  // Power: the instant field when the driver has it, since GetPowerUsage smears a 1 s average over
  // short windows on Ampere and newer.
  bool instantPower = false;
  double milliwatts = 0;
  unsigned int mw = 0;
  if (fn.fieldValues && readInstantPowerMW(fn, device, milliwatts) == kNvmlSuccess) {
    instantPower = true;
    info.caps.power = true;
    info.details["powerField"] = kPowerFieldInstant;
  } else if (fn.powerUsage && fn.powerUsage(device, &mw) == kNvmlSuccess) {
    info.caps.power = true;
    info.details["powerField"] = kPowerFieldUsage;
  } else {
    info.details["powerField"] = "none: neither field 186 nor nvmlDeviceGetPowerUsage answers";
  }

  if (!info.caps.energyCounter && !info.caps.power) {
    skipped += (skipped.empty() ? "" : "; ") + info.id + " (" + info.name + ") has neither an energy counter nor power";
    return nullptr;
  }

  NvmlUtilization utilisation{};
  NvmlMemory memory{};
  info.caps.utilisation = fn.utilization && fn.utilization(device, &utilisation) == kNvmlSuccess;
  info.caps.memory = fn.memoryInfo && fn.memoryInfo(device, &memory) == kNvmlSuccess;
  info.caps.clocks = fn.clockInfo && fn.clockInfo(device, kNvmlClockSm, &value) == kNvmlSuccess;
  info.caps.temperature = fn.temperature && fn.temperature(device, kNvmlTemperatureGpu, &value) == kNvmlSuccess;

  info.method = info.caps.energyCounter ? "nvml-counter" : "nvml-power-integrated";
  // The integrated method has no counter of its own: its energy resolution is set by the meter.
  info.counterResolutionJ = info.caps.energyCounter ? 1e-3 : 0.0;
  info.updatePeriodS = 0.1;  // nominal for datacentre GPUs (energy.md 1.4); the probe measures it
  info.accuracyFraction = 0.05;
  info.accuracySource = kAccuracySource;
  return std::make_unique<NvmlDeviceSource>(library, device, std::move(info), instantPower, counterMJ, counterReadNs);
}

}  // namespace

NvmlDiscovery discoverNvml(const std::string& libraryPath, const std::vector<std::string>& gpus) {
  NvmlDiscovery discovery;
  std::string unusable;  // why NVML cannot be used: an error, not a status, when devices were selected
  std::string selectionError;
  try {
    NvmlLibrary::Opened opened = NvmlLibrary::open(libraryPath);
    NvmlDeviceList list;
    if (!opened.library) {
      discovery.status = unusable = opened.status;
    } else if (!listNvmlDevices(*opened.library, list, discovery.status)) {
      unusable = discovery.status;
    } else {
      const std::shared_ptr<NvmlLibrary>& library = opened.library;
      const NvmlFunctions& fn = library->fn();
      const std::string driver = fn.driverVersion ? readString(fn.driverVersion) : "";
      // An unknown `gpus` entry is the caller's error, raised after the library is released.
      std::vector<NvmlDeviceEntry> selected;
      try {
        selected = selectNvmlDevices(list.devices, gpus);
      } catch (const Error& e) {
        selectionError = e.what();
      }
      std::string found, skipped = list.skipped;
      for (const NvmlDeviceEntry& d : selected) {
        if (std::unique_ptr<EnergySource> source = probeDevice(library, d.index, d.handle, driver, skipped)) {
          found += (found.empty() ? "" : ", ") + source->info().id + " " + source->info().name + " (" + source->info().method + ")";
          discovery.sources.push_back(std::move(source));
        }
      }
      discovery.available = !discovery.sources.empty();
      discovery.status = "NVML " + (driver.empty() ? std::string("driver unknown") : "driver " + driver) + " via " + library->path() + ": ";
      discovery.status += list.count == 0 ? "no devices" : found.empty() ? "no measurable device" : found;
      if (!gpus.empty()) discovery.status += " (selected by gpus: " + std::to_string(selected.size()) + " of " + std::to_string(list.count) + ")";
      if (!skipped.empty()) discovery.status += "; skipped " + skipped;
    }
  } catch (const std::exception& e) {
    discovery = NvmlDiscovery{};
    discovery.status = unusable = std::string("NVML discovery failed: ") + e.what();
  }
  if (!selectionError.empty()) fail(ErrorCode::Value, selectionError);
  if (!gpus.empty() && !unusable.empty()) fail(ErrorCode::Value, "gpus: devices were selected but NVML cannot be used: ", unusable);
  return discovery;
}

}  // namespace sj
