#include "energy/meter_options.h"

#include <cstdint>

#include "base/error.h"
#include "core/spec_reader.h"

namespace sj {

EnergyOptions energyOptionsFromJson(const std::string& text, bool withProbeFields) {
  const Json json = Json::parse(text.empty() ? "{}" : text);
  SpecReader r(json, withProbeFields ? "probe options" : "meter options");
  EnergyOptions e;
  MeterOptions& o = e.meter;
  o.periodS = r.number("periodMs", 50.0, 1.0, 10000.0) / 1000.0;
  o.capacity = static_cast<size_t>(r.integer("capacity", 72000, 16, 100000000));
  o.nvml = r.flag("nvml", true);
  o.nvmlLibrary = r.text("nvmlLibrary", std::string());
  if (const Json* gpus = r.raw("gpus")) {
    if (!gpus->isArray()) fail(ErrorCode::Spec, r.where(), ": gpus: expected an array of NVML indices or UUIDs");
    for (const Json& g : gpus->items()) {
      if (!g.isString() || g.asString().empty()) fail(ErrorCode::Spec, r.where(), ": gpus: every entry must be a non-empty string (an NVML index or UUID)");
      o.gpus.push_back(g.asString());
    }
  }
  o.rapl = r.flag("rapl", true);
  o.powercapRoot = r.text("powercapRoot", std::string());
  o.cpuModel = r.flag("cpuModel", true);
  o.cpuTdpWatts = r.number("cpuTdpWatts", 85.0, 0.1, 10000.0);
  o.cpuCores = static_cast<int>(r.integer("cpuCores", 1, 1, 4096));
  o.cpuProcessTree = static_cast<int>(r.integer("cpuProcessTree", 0, 0, INT32_MAX));
  if (withProbeFields) {
    e.probe.pollSeconds = r.number("pollSeconds", 2.0, 0.1, 600.0);
    e.probe.idleSeconds = r.number("idleSeconds", 3.0, 0.1, 3600.0);
    e.probe.busySeconds = r.number("busySeconds", 3.0, 0.1, 3600.0);
  }
  r.rejectUnknownFields();
  return e;
}

}  // namespace sj
