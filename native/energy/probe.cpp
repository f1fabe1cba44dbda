#include "energy/probe.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include "base/error.h"
#include "energy/cpu_model_source.h"
#include "energy/nvml_source.h"
#include "energy/rapl_source.h"

namespace sj {

namespace {

// Intervals between successive changes of a polled value.
Json updatePeriod(const std::vector<std::pair<int64_t, double>>& polled, double seconds) {
  std::vector<double> intervals;
  int64_t lastChange = -1;
  for (size_t i = 1; i < polled.size(); ++i) {
    if (polled[i].second == polled[i - 1].second) continue;
    if (lastChange >= 0) intervals.push_back(static_cast<double>(polled[i].first - lastChange) * 1e-9);
    lastChange = polled[i].first;
  }
  Json o = Json::object();
  o.set("reads", Json::number(static_cast<double>(polled.size())));
  o.set("changes", Json::number(static_cast<double>(intervals.size() + (lastChange >= 0 ? 1 : 0))));
  if (intervals.size() < 2) {
    o.set("periodS", Json());
    o.set("note", Json::string("fewer than three changes in " + Json::number(seconds).dump() + " s of polling"));
    return o;
  }
  std::sort(intervals.begin(), intervals.end());
  o.set("periodS", Json::number(intervals[intervals.size() / 2]));
  o.set("minS", Json::number(intervals.front()));
  o.set("maxS", Json::number(intervals.back()));
  o.set("readIntervalS", Json::number(seconds / static_cast<double>(std::max<size_t>(1, polled.size()))));
  return o;
}

// Polls every source as fast as it answers, one after the other.
std::vector<Json> pollSources(const MeterOptions& meterOptions, double seconds) {
  std::vector<std::unique_ptr<EnergySource>> sources;
  if (meterOptions.nvml)
    for (auto& s : discoverNvml(meterOptions.nvmlLibrary, meterOptions.gpus).sources) sources.push_back(std::move(s));
  bool rapl = false;
  if (meterOptions.rapl) {
    RaplDiscovery found = discoverRapl(meterOptions.powercapRoot);
    rapl = found.available && !found.sources.empty();
    for (auto& s : found.sources) sources.push_back(std::move(s));
  }
  if (!rapl && meterOptions.cpuModel) sources.push_back(makeCpuModelSource(CpuModelOptions{meterOptions.cpuTdpWatts, meterOptions.cpuCores, meterOptions.cpuProcessTree}));
  std::vector<Json> out;
  for (auto& source : sources) {
    std::vector<std::pair<int64_t, double>> energy, power;
    const int64_t end = steadyNowNs() + static_cast<int64_t>(seconds * 1e9);
    int failures = 0;
    while (steadyNowNs() < end) {
      const SourceReading r = source->read();
      if (!r.ok) {
        ++failures;
        continue;
      }
      if (r.energyJ) energy.emplace_back(r.timeNs, *r.energyJ);
      if (r.powerW) power.emplace_back(r.timeNs, *r.powerW);
    }
    Json o = Json::object();
    o.set("id", Json::string(source->info().id));
    if (source->info().method == "modelled") {
      o.set("counterUpdate", Json::string("continuous: the model follows this process's CPU time"));
    } else {
      o.set("counterUpdate", source->info().caps.energyCounter ? updatePeriod(energy, seconds) : Json::string("no energy counter"));
    }
    o.set("powerUpdate", source->info().caps.power ? updatePeriod(power, seconds) : Json::string("no power reading"));
    o.set("failedReads", Json::number(failures));
    out.push_back(o);
  }
  return out;
}

// Trapezoid integral of the reported (not derived) power samples.
double integrate(const std::vector<Sample>& samples, int* used) {
  double joules = 0;
  const Sample* last = nullptr;
  *used = 0;
  for (const Sample& s : samples) {
    if (!s.ok || std::isnan(s.powerW) || s.powerDerived) continue;
    if (last) joules += 0.5 * (s.powerW + last->powerW) * static_cast<double>(s.timeNs - last->timeNs) * 1e-9;
    last = &s;
    ++*used;
  }
  return joules;
}

}  // namespace

Json probeEnergy(const MeterOptions& meterOptions, const ProbeOptions& options, const BusyLoad& busy) {
  const std::vector<Json> polled = pollSources(meterOptions, options.pollSeconds);
  Meter meter(meterOptions);
  Json description = meter.describe();
  const Json idle = meter.measureIdle(options.idleSeconds);

  // One busy period per device kind present: the GPUs together, then the CPU.
  Json busyWindows = Json::object();
  for (const char* kind : {"gpu", "cpu"}) {
    bool present = false;
    for (const Json& s : description.find("sources")->items()) {
      const std::string device = s.find("device")->asString();
      present |= kind == std::string("gpu") ? device == "gpu" : device != "gpu";
    }
    if (!present) continue;
    const std::string name = std::string("busy-") + kind;
    std::string loadError;
    meter.begin(name);
    const int64_t loadStart = steadyNowNs();
    std::thread load([&] { loadError = busy(kind, options.busySeconds); });
    load.join();
    // A load that could not run still leaves a full-length window, measured without load.
    const double elapsed = static_cast<double>(steadyNowNs() - loadStart) * 1e-9;
    if (elapsed < options.busySeconds) std::this_thread::sleep_for(std::chrono::duration<double>(options.busySeconds - elapsed));
    Json window = meter.end(name);
    window.set("load", Json::string(loadError.empty() ? "ok" : loadError + " (window measured without load)"));
    busyWindows.set(kind, window);
  }

  Json sources = Json::array();
  const auto& described = description.find("sources")->items();
  for (size_t i = 0; i < described.size(); ++i) {
    Json s = described[i];
    const std::string id = s.find("id")->asString();
    for (const Json& p : polled)
      if (p.find("id")->asString() == id) {
        s.set("counterUpdate", *p.find("counterUpdate"));
        s.set("powerUpdate", *p.find("powerUpdate"));
        s.set("pollFailedReads", *p.find("failedReads"));
      }
    s.set("idle", idle.find("sources")->items()[i]);
    const std::string kind = s.find("device")->asString() == "gpu" ? "gpu" : "cpu";
    if (const Json* window = busyWindows.find(kind)) {
      const Json& sw = window->find("sources")->items()[i];
      Json agreement = Json::object();
      agreement.set("load", *window->find("load"));
      agreement.set("durationS", *sw.find("durationS"));
      agreement.set("windowJ", *sw.find("joules"));
      agreement.set("meanPowerW", *sw.find("meanPowerW"));
      if (const Json* why = sw.find("unavailable")) agreement.set("unavailable", *why);
      if (const Json* flag = sw.find("flag")) agreement.set("flag", *flag);
      const bool counterAndPower = s.find("supports")->find("energyCounter")->asBool() && s.find("supports")->find("power")->asBool();
      if (counterAndPower && sw.find("joules")->isNumber()) {
        const int64_t from = meter.startNs() + static_cast<int64_t>(window->find("startS")->asNumber() * 1e9);
        const int64_t to = meter.startNs() + static_cast<int64_t>(window->find("endS")->asNumber() * 1e9);
        int used = 0;
        const double integrated = integrate(meter.samples(id, from, to), &used);
        const double counter = sw.find("joules")->asNumber();
        agreement.set("integratedPowerJ", Json::number(integrated));
        agreement.set("powerSamples", Json::number(used));
        agreement.set("relativeDifference", counter != 0 ? Json::number((integrated - counter) / counter) : Json());
        agreement.set("note", Json::string("integratedPowerJ: trapezoid over the sampled power readings inside the window (edges excluded); "
                                           "relativeDifference = (integrated - counter) / counter"));
      } else {
        agreement.set("note", Json::string("counter and power are not both available: nothing to compare"));
      }
      s.set("busy", agreement);
    }
    sources.push(s);
  }

  Json out = Json::object();
  out.set("sources", sources);
  out.set("discovery", *description.find("discovery"));
  Json settings = Json::object();
  settings.set("pollSeconds", Json::number(options.pollSeconds));
  settings.set("idleSeconds", Json::number(options.idleSeconds));
  settings.set("busySeconds", Json::number(options.busySeconds));
  settings.set("samplingPeriodS", *description.find("periodS"));
  out.set("settings", settings);
  out.set("overhead", *meter.describe().find("overhead"));
  return out;
}

}  // namespace sj
