#include "study/sensor_trace.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <thread>

#include "base/error.h"
#include "core/spec_reader.h"
#include "core/thread_pool.h"
#include "cuda/cuda_devices.h"
#include "energy/cpu_model_source.h"
#include "energy/meter_options.h"
#include "energy/nvml_devices.h"
#include "energy/nvml_library.h"
#include "energy/nvml_source.h"
#include "energy/rapl_source.h"

namespace sj {

namespace {

constexpr unsigned int kNvmlFieldPowerAverage = 185;  // NVML_FI_DEV_POWER_AVERAGE, mW
constexpr double kNvmlPowerResolutionW = 0.001;         // NVML reports power in whole mW
constexpr double kNvmlEnergyResolutionJ = 0.001;        // and energy in whole mJ

struct ChannelRead {
  bool ok = false;
  double value = 0;
  std::string error;
  bool unsupported = false;  // the device does not answer this at all: the channel is left out
  std::string discontinuity;  // a good reading whose counter step was not counted (energy_source.h)
};

struct Channel {
  std::string id, source, device, name, field, quantity, unit, method;
  double resolution = 0, pollIntervalS = 0;
  std::function<ChannelRead()> read;

  int64_t reads = 0, failedReads = 0;
  std::string firstError;
  int64_t discontinuities = 0;
  std::string firstDiscontinuity;
  std::vector<std::array<double, 3>> changes;  // [t, tPrev, value]
  bool seen = false;
  double last = 0, lastT = 0;

  void poll() {
    const ChannelRead r = read();
    const double t = steadyNowS();
    ++reads;
    if (!r.discontinuity.empty() && discontinuities++ == 0) firstDiscontinuity = r.discontinuity;
    if (!r.ok) {
      ++failedReads;
      if (firstError.empty()) firstError = r.error;
      return;
    }
    if (!seen || r.value != last) changes.push_back({t, seen ? lastT : t, r.value});
    seen = true;
    last = r.value;
    lastT = t;
  }

  Json json() const {
    Json o = Json::object();
    o.set("id", Json::string(id));
    o.set("source", Json::string(source));
    o.set("device", Json::string(device));
    o.set("name", Json::string(name));
    o.set("field", Json::string(field));
    o.set("quantity", Json::string(quantity));
    o.set("unit", Json::string(unit));
    o.set("method", Json::string(method));
    o.set("resolution", Json::number(resolution));
    o.set("pollIntervalS", Json::number(pollIntervalS));
    o.set("reads", Json::number(static_cast<double>(reads)));
    o.set("failedReads", Json::number(static_cast<double>(failedReads)));
    o.set("firstError", firstError.empty() ? Json() : Json::string(firstError));
    Json list = Json::array();
    for (const auto& c : changes) list.push(Json::array({Json::number(c[0]), Json::number(c[1]), Json::number(c[2])}));
    o.set("changes", list);
    return o;
  }
};

// The channels one thread polls, and how long it sleeps between rounds.
struct Poller {
  std::vector<size_t> channels;
  double intervalS = 0;
};

Json sourceJson(const SourceInfo& info) {
  Json o = Json::object();
  o.set("id", Json::string(info.id));
  o.set("device", Json::string(info.device));
  o.set("name", Json::string(info.name));
  o.set("method", Json::string(info.method));
  o.set("counterResolutionJ", Json::number(info.counterResolutionJ));
  o.set("updatePeriodS", Json::number(info.updatePeriodS));
  o.set("accuracyFraction", Json::number(info.accuracyFraction));
  o.set("accuracySource", Json::string(info.accuracySource));
  Json details = Json::object();
  for (const auto& [k, v] : info.details) details.set(k, Json::string(v));
  o.set("details", details);
  return o;
}

ChannelRead nvmlFailure(const NvmlLibrary& library, const char* call, NvmlReturn code) {
  ChannelRead r;
  r.error = std::string(call) + ": " + library.describe(code);
  r.unsupported = code == kNvmlNotSupported;
  return r;
}

ChannelRead readValue(double value) {
  ChannelRead r;
  r.ok = true;
  r.value = value;
  return r;
}

// The four raw NVML readings of one device, as channel read functions (null when the driver lacks
// the entry point).
std::function<ChannelRead()> nvmlReader(const std::shared_ptr<NvmlLibrary>& library, NvmlDevice device, const std::string& field) {
  const NvmlFunctions& fn = library->fn();
  if (field == "energy") {
    if (!fn.totalEnergy) return nullptr;
    return [library, device] {
      unsigned long long mJ = 0;
      const NvmlReturn rc = library->fn().totalEnergy(device, &mJ);
      return rc == kNvmlSuccess ? readValue(static_cast<double>(mJ) * 1e-3) : nvmlFailure(*library, "nvmlDeviceGetTotalEnergyConsumption", rc);
    };
  }
  if (field == "power-usage") {
    if (!fn.powerUsage) return nullptr;
    return [library, device] {
      unsigned int mW = 0;
      const NvmlReturn rc = library->fn().powerUsage(device, &mW);
      return rc == kNvmlSuccess ? readValue(mW * 1e-3) : nvmlFailure(*library, "nvmlDeviceGetPowerUsage", rc);
    };
  }
  if (!fn.fieldValues) return nullptr;
  const unsigned int id = field == "power-instant" ? kNvmlFieldPowerInstant : kNvmlFieldPowerAverage;
  return [library, device, id] {
    NvmlFieldValue value{};
    value.fieldId = id;
    value.scopeId = kNvmlPowerScopeGpu;
    const char* call = id == kNvmlFieldPowerInstant ? "nvmlDeviceGetFieldValues(186)" : "nvmlDeviceGetFieldValues(185)";
    // The call can succeed while the field itself fails: the per-field code is what counts.
    const NvmlReturn rc = library->fn().fieldValues(device, 1, &value);
    if (rc != kNvmlSuccess) return nvmlFailure(*library, call, rc);
    if (value.nvmlReturn != kNvmlSuccess) return nvmlFailure(*library, call, value.nvmlReturn);
    return readValue(nvmlFieldAsDouble(value) * 1e-3);
  };
}

struct NvmlChannelKind {
  const char* field;
  const char* quantity;
  const char* unit;
  const char* method;
  double resolution;
};
constexpr NvmlChannelKind kNvmlChannels[] = {
    {"energy", "energy", "J", "nvml-counter", kNvmlEnergyResolutionJ},
    {"power-instant", "power", "W", "nvml-field-186", kNvmlPowerResolutionW},
    {"power-average", "power", "W", "nvml-field-185", kNvmlPowerResolutionW},
    {"power-usage", "power", "W", "nvml-power-usage", kNvmlPowerResolutionW},
};

// The CUDA devices of the GPU load: those of the selected NVML devices, matched by UUID (the two
// numberings need not agree); every CUDA device when none is selected.
std::vector<int> cudaDevicesToLoad(const MeterOptions& meter, const std::vector<NvmlDeviceEntry>& selectedNvml) {
  const CudaStatus cuda = queryCuda();
  if (cuda.devices.empty()) fail(ErrorCode::Cuda, "load: no CUDA device to load (", cuda.note, ")");
  std::vector<int> devices;
  if (meter.gpus.empty()) {
    for (const CudaDeviceInfo& d : cuda.devices) devices.push_back(d.index);
    return devices;
  }
  if (!meter.nvml) {  // no NVML to name the devices: the entries are CUDA indices
    for (const std::string& g : meter.gpus) {
      bool found = false;
      for (const CudaDeviceInfo& d : cuda.devices) found |= std::to_string(d.index) == g;
      if (!found) fail(ErrorCode::Value, "gpus: with NVML off, entries are CUDA device indices; '", g, "' is none of the ", cuda.devices.size(), " devices");
      devices.push_back(std::stoi(g));
    }
    return devices;
  }
  for (const NvmlDeviceEntry& n : selectedNvml) {
    int match = -1;
    for (const CudaDeviceInfo& d : cuda.devices)
      if (!n.uuid.empty() && d.uuid == n.uuid) match = d.index;
    if (match < 0) fail(ErrorCode::Cuda, "load: NVML device ", n.index, " (", n.uuid.empty() ? "no UUID" : n.uuid, ") is not visible to CUDA (CUDA_VISIBLE_DEVICES?)");
    devices.push_back(match);
  }
  return devices;
}

}  // namespace

SensorTraceOptions sensorTraceOptionsFromJson(const std::string& text) {
  const Json json = Json::parse(text.empty() ? "{}" : text);
  SpecReader r(json, "sensor trace options");
  SensorTraceOptions o;
  if (const Json* meter = r.raw("meter")) {
    if (!meter->isObject()) fail(ErrorCode::Spec, r.where(), ": meter: expected an object of meter options");
    o.meter = r.inContext([&] { return energyOptionsFromJson(meter->dump(), false).meter; });
  }
  if (const Json* load = r.raw("load")) {
    if (!load->isObject()) fail(ErrorCode::Spec, r.where(), ": load: expected an object {kind, threads}");
    SpecReader l(*load, r.where() + ": load");
    o.loadKind = l.choice("kind", std::string("gpu"), {"gpu", "cpu"});
    o.loadThreads = static_cast<int>(l.integer("threads", 0, 0, 4096));
    l.rejectUnknownFields();
  }
  if (const Json* poll = r.raw("pollIntervalS")) {
    if (!poll->isObject()) fail(ErrorCode::Spec, r.where(), ": pollIntervalS: expected an object {nvml, rapl, model}");
    SpecReader p(*poll, r.where() + ": pollIntervalS");
    o.nvmlPollS = p.number("nvml", o.nvmlPollS, 1e-5, 10.0);
    o.raplPollS = p.number("rapl", o.raplPollS, 1e-5, 10.0);
    o.modelPollS = p.number("model", o.modelPollS, 1e-5, 10.0);
    p.rejectUnknownFields();
  }
  o.loadLog = r.text("loadLog", std::string());
  const Json* bursts = r.raw("bursts");
  if (!bursts) fail(ErrorCode::Spec, r.where(), ": bursts: missing (an array of {atS, durationS, intensity, label})");
  if (!bursts->isArray()) fail(ErrorCode::Spec, r.where(), ": bursts: expected an array of {atS, durationS, intensity, label}");
  for (size_t i = 0; i < bursts->items().size(); ++i) {
    const Json& item = bursts->items()[i];
    const std::string where = r.where() + ": bursts[" + std::to_string(i) + "]";
    if (!item.isObject()) fail(ErrorCode::Spec, where, ": expected an object {atS, durationS, intensity, label}");
    SpecReader b(item, where);
    LoadBurst burst;
    burst.atS = b.number("atS", std::nullopt, 0.0, 1e12);
    burst.durationS = b.number("durationS", std::nullopt, 0.0, 3600.0);
    burst.intensity = b.number("intensity", 1.0, 0.0, 1.0);
    burst.label = b.text("label", "burst-" + std::to_string(i));
    b.rejectUnknownFields();
    if (!(burst.durationS > 0)) fail(ErrorCode::Value, where, ": durationS must be > 0, got ", burst.durationS);
    if (!(burst.intensity > 0)) fail(ErrorCode::Value, where, ": intensity must be in (0, 1], got ", burst.intensity);
    if (!o.bursts.empty() && !(burst.atS > o.bursts.back().atS))
      fail(ErrorCode::Value, where, ": atS must be later than the previous burst's (", Json::number(o.bursts.back().atS).dump(), "), got ",
           Json::number(burst.atS).dump());
    o.bursts.push_back(burst);
  }
  o.untilS = r.number("untilS", std::nullopt, 0.0, 1e12);
  r.rejectUnknownFields();
  return o;
}

namespace {

// Everything polled, and what is said about it.
struct Setup {
  std::vector<Channel> channels;
  std::vector<Poller> pollers;
  Json sources = Json::array();
  Json notes = Json::array();
  NvmlDiscovery nvml;                     // the meter's NVML sources: described, and kept while the library is in use
  std::vector<NvmlDeviceEntry> selectedNvml;  // the devices the GPU load runs on
};

// NVML: the meter's discovery for the source descriptions (and its checks of `gpus`), and the
// library opened again for the raw reads, one poller per device.
void addNvmlChannels(const MeterOptions& meter, double pollS, Setup& setup) {
  setup.nvml = discoverNvml(meter.nvmlLibrary, meter.gpus);
  for (const auto& s : setup.nvml.sources) setup.sources.push(sourceJson(s->info()));
  if (!setup.nvml.available) setup.notes.push(Json::string("nvml: " + setup.nvml.status));
  NvmlLibrary::Opened opened = NvmlLibrary::open(meter.nvmlLibrary);
  NvmlDeviceList list;
  std::string status;
  if (!opened.library || !listNvmlDevices(*opened.library, list, status)) {
    if (setup.nvml.available) setup.notes.push(Json::string("nvml: raw reads unavailable: " + (opened.library ? status : opened.status)));
    return;
  }
  setup.selectedNvml = selectNvmlDevices(list.devices, meter.gpus);
  const NvmlFunctions& fn = opened.library->fn();
  for (const NvmlDeviceEntry& d : setup.selectedNvml) {
    const std::string source = "nvml:" + std::to_string(d.index);
    char name[256] = {};
    if (!fn.name || fn.name(d.handle, name, sizeof(name) - 1) != kNvmlSuccess) std::snprintf(name, sizeof name, "NVIDIA GPU %u", d.index);
    Poller poller;
    poller.intervalS = pollS;
    for (const NvmlChannelKind& kind : kNvmlChannels) {
      Channel c;
      c.read = nvmlReader(opened.library, d.handle, kind.field);
      if (!c.read) {
        setup.notes.push(Json::string(source + ": " + kind.field + " left out: the driver has no entry point for it"));
        continue;
      }
      const ChannelRead first = c.read();
      if (first.unsupported) {
        setup.notes.push(Json::string(source + ": " + kind.field + " (" + kind.method + ") left out: " + first.error));
        continue;
      }
      c.id = source + "/" + kind.field;
      c.source = source;
      c.device = "gpu";
      c.name = name;
      c.field = kind.field;
      c.quantity = kind.quantity;
      c.unit = kind.unit;
      c.method = kind.method;
      c.resolution = kind.resolution;
      c.pollIntervalS = pollS;
      poller.channels.push_back(setup.channels.size());
      setup.channels.push_back(std::move(c));
    }
    if (!poller.channels.empty()) setup.pollers.push_back(poller);
  }
}

// RAPL zones, or the modelled CPU when there are none (as the meter chooses), read through their
// sources, one poller each.
void addCpuChannels(const SensorTraceOptions& options, Setup& setup) {
  const MeterOptions& meter = options.meter;
  bool rapl = false;
  std::vector<std::unique_ptr<EnergySource>> cpuSources;
  if (meter.rapl) {
    RaplDiscovery found = discoverRapl(meter.powercapRoot);
    rapl = found.available && !found.sources.empty();
    if (!rapl) setup.notes.push(Json::string("rapl: " + found.status));
    for (const std::string& s : found.skipped) setup.notes.push(Json::string("rapl: skipped " + s));
    if (rapl) cpuSources = std::move(found.sources);
  } else {
    setup.notes.push(Json::string("rapl: disabled"));
  }
  if (!rapl && meter.cpuModel) {
    cpuSources.push_back(makeCpuModelSource(CpuModelOptions{meter.cpuTdpWatts, meter.cpuCores, meter.cpuProcessTree}));
    setup.notes.push(Json::string("cpu-model: modelled CPU energy (an estimate, not a measurement), used because RAPL is unavailable"));
  }
  for (auto& owned : cpuSources) {
    std::shared_ptr<EnergySource> s(std::move(owned));
    const SourceInfo& info = s->info();
    setup.sources.push(sourceJson(info));
    Channel c;
    const bool modelled = info.method == "modelled";
    c.id = (modelled ? std::string("cpu-model") : "rapl:" + info.id.substr(info.id.find(':') + 1)) + "/energy";
    c.source = info.id;
    c.device = info.device;
    c.name = info.name;
    c.field = "energy";
    c.quantity = "energy";
    c.unit = "J";
    c.method = info.method;
    c.resolution = info.counterResolutionJ;
    c.pollIntervalS = modelled ? options.modelPollS : options.raplPollS;
    c.read = [s] {
      const SourceReading reading = s->read();
      ChannelRead r;
      if (!reading.ok) r.error = reading.error;
      else if (!reading.energyJ) r.error = "the reading has no energy";
      else r = readValue(*reading.energyJ);
      r.discontinuity = reading.discontinuity;
      return r;
    };
    setup.pollers.push_back(Poller{{setup.channels.size()}, c.pollIntervalS});
    setup.channels.push_back(std::move(c));
  }
}

}  // namespace

Json sensorTrace(const SensorTraceOptions& options) {
  const MeterOptions& meter = options.meter;
  Setup setup;
  if (meter.nvml) addNvmlChannels(meter, options.nvmlPollS, setup);
  else setup.notes.push(Json::string("nvml: disabled"));
  addCpuChannels(options, setup);
  std::vector<Channel>& channels = setup.channels;
  Json& notes = setup.notes;

  // The load is prepared (devices, log) before polling starts, so a load that cannot run fails fast.
  LoadTarget target;
  target.kind = options.loadKind;
  if (target.kind == "cpu") target.cpuThreads = options.loadThreads > 0 ? options.loadThreads : ThreadPool::hardwareThreads();
  else target.cudaDevices = cudaDevicesToLoad(meter, setup.selectedNvml);
  LoadBursts load(target, options.loadLog);

  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  // Joins the pollers however this function leaves (a failing burst included).
  struct Joiner {
    std::atomic<bool>& stop;
    std::vector<std::thread>& threads;
    ~Joiner() {
      stop = true;
      for (auto& t : threads)
        if (t.joinable()) t.join();
    }
  } joiner{stop, threads};
  const double startS = steadyNowS();
  for (const Poller& p : setup.pollers)
    threads.emplace_back([&channels, &stop, p] {
      const auto interval = std::chrono::duration<double>(p.intervalS);
      while (!stop.load(std::memory_order_relaxed)) {
        for (size_t c : p.channels) channels[c].poll();
        std::this_thread::sleep_for(interval);
      }
    });
  const std::vector<BurstRun> runs = load.run(options.bursts);
  sleepUntilSteadyS(options.untilS);
  stop = true;
  for (auto& t : threads) t.join();
  const double endS = steadyNowS();

  Json out = Json::object();
  out.set("startS", Json::number(startS));
  out.set("endS", Json::number(endS));
  Json channelList = Json::array();
  for (const Channel& c : channels) {
    channelList.push(c.json());
    if (c.discontinuities > 0)
      notes.push(Json::string(c.id + ": " + std::to_string(c.discontinuities) + " counter step(s) not counted, the first: " + c.firstDiscontinuity));
  }
  out.set("channels", channelList);
  Json burstList = Json::array();
  for (const BurstRun& b : runs) {
    Json o = Json::object();
    o.set("label", Json::string(b.label));
    o.set("intensity", Json::number(b.intensity));
    o.set("plannedS", Json::number(b.plannedS));
    o.set("startS", Json::number(b.startS));
    o.set("endS", Json::number(b.endS));
    burstList.push(o);
  }
  out.set("bursts", burstList);
  out.set("sources", setup.sources);
  out.set("notes", notes);
  return out;
}

}  // namespace sj
