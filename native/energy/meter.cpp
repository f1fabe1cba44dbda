#include "energy/meter.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "base/error.h"
#include "energy/cpu_model_source.h"
#include "energy/gpu_attribution.h"
#include "energy/nvml_source.h"
#include "energy/process_tree_cpu.h"
#include "energy/rapl_source.h"

namespace sj {

namespace {

double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

Json numberOrNull(double v) { return std::isnan(v) ? Json() : Json::number(v); }

Json sourceJson(const SourceInfo& info, double updatePeriodS) {
  Json o = Json::object();
  o.set("id", Json::string(info.id));
  o.set("device", Json::string(info.device));
  o.set("name", Json::string(info.name));
  o.set("source", Json::string(info.method));
  o.set("additive", Json::boolean(info.additive));
  Json caps = Json::object();
  caps.set("energyCounter", Json::boolean(info.caps.energyCounter));
  caps.set("power", Json::boolean(info.caps.power));
  caps.set("utilisation", Json::boolean(info.caps.utilisation));
  caps.set("memory", Json::boolean(info.caps.memory));
  caps.set("clocks", Json::boolean(info.caps.clocks));
  caps.set("temperature", Json::boolean(info.caps.temperature));
  o.set("supports", caps);
  o.set("counterResolutionJ", Json::number(info.counterResolutionJ));
  o.set("updatePeriodS", Json::number(updatePeriodS));
  o.set("accuracyFraction", Json::number(info.accuracyFraction));
  o.set("accuracySource", Json::string(info.accuracySource));
  o.set("powerBoundW", info.powerBoundW > 0 ? Json::number(info.powerBoundW) : Json());
  if (info.powerBoundW > 0) o.set("powerBoundSource", Json::string(info.powerBoundSource));
  Json details = Json::object();
  for (const auto& [k, v] : info.details) details.set(k, Json::string(v));
  o.set("details", details);
  return o;
}

}  // namespace

Meter::Meter(const MeterOptions& options) : options_(options), startNs_(steadyNowNs()) {
  if (!(options.periodS > 0)) fail(ErrorCode::Value, "meter: sampling period must be positive, got ", options.periodS, " s");
  periodS_ = std::clamp(options.periodS, 0.01, 10.0);
  discovery_ = Json::object();
  std::vector<std::unique_ptr<EnergySource>> sources;

  Json nvml = Json::object();
  if (options.nvml) {
    NvmlDiscovery found = discoverNvml(options.nvmlLibrary, options.gpus);
    nvml.set("available", Json::boolean(found.available));
    nvml.set("status", Json::string(found.status));
    for (auto& s : found.sources) sources.push_back(std::move(s));
  } else {
    nvml.set("available", Json::boolean(false));
    nvml.set("status", Json::string("disabled"));
  }
  discovery_.set("nvml", nvml);

  Json rapl = Json::object();
  bool raplFound = false;
  if (options.rapl) {
    RaplDiscovery found = discoverRapl(options.powercapRoot);
    raplFound = found.available && !found.sources.empty();
    rapl.set("available", Json::boolean(raplFound));
    rapl.set("status", Json::string(found.status));
    Json skipped = Json::array();
    for (const std::string& s : found.skipped) skipped.push(Json::string(s));
    rapl.set("skipped", skipped);
    for (auto& s : found.sources) sources.push_back(std::move(s));
  } else {
    rapl.set("available", Json::boolean(false));
    rapl.set("status", Json::string("disabled"));
  }
  discovery_.set("rapl", rapl);

  Json model = Json::object();
  if (!raplFound && options.cpuModel) {
    sources.push_back(makeCpuModelSource(CpuModelOptions{options.cpuTdpWatts, options.cpuCores, options.cpuProcessTree}));
    model.set("used", Json::boolean(true));
    model.set("reason", Json::string(options.rapl ? "RAPL is unavailable (see its status)" : "RAPL disabled"));
  } else {
    model.set("used", Json::boolean(false));
  }
  discovery_.set("cpuModel", model);

  // Never sample faster than useful: not below 10 ms, nor below half the update period of a
  // source whose power reading is sampled (NVML publishes power every ~100 ms).
  double floor = 0.01;
  for (const auto& s : sources)
    if (s->info().caps.power && s->info().updatePeriodS > 0) floor = std::max(floor, s->info().updatePeriodS / 2);
  periodS_ = std::max(periodS_, floor);
  for (auto& s : sources) {
    updatePeriods_.push_back(s->info().updatePeriodS);
    tracks_.push_back(std::make_unique<SourceTrack>(std::move(s), options.capacity));
  }
  idle_.assign(tracks_.size(), IdlePower{});
  for (auto& t : tracks_) t->take(true);  // a first sample, so derived power has a start
  thread_ = std::thread([this] { run(); });
}

Meter::~Meter() { stop(); }

void Meter::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Meter::run() {
  const double cpuStart = threadCpuSeconds();
  const auto period = std::chrono::nanoseconds(static_cast<int64_t>(periodS_ * 1e9));
  auto next = std::chrono::steady_clock::now() + period;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (wake_.wait_until(lock, next, [this] { return stopping_; })) break;
    for (auto& t : tracks_) t->take(true);
    ++ticks_;
    threadCpuS_ = threadCpuSeconds() - cpuStart;
    next += period;
    const auto now = std::chrono::steady_clock::now();
    if (now > next) {  // fell behind (a slow read, a busy machine): skip the missed ticks
      const auto missed = (now - next) / period + 1;
      lateTicks_ += missed;
      next += missed * period;
    }
  }
}

void Meter::setSynchronize(std::function<void()> synchronize) {
  std::lock_guard<std::mutex> lock(mutex_);
  synchronize_ = std::move(synchronize);
}

void Meter::synchronize() {
  if (synchronize_) synchronize_();
}

std::vector<Sample> Meter::readEdges() {
  std::vector<Sample> edge;
  for (auto& t : tracks_) edge.push_back(t->take(false));
  return edge;
}

void Meter::begin(const std::string& name) {
  if (name.empty()) fail(ErrorCode::Value, "meter: a window needs a name");
  std::unique_lock<std::mutex> lock(mutex_);
  for (const OpenWindow& w : open_)
    if (w.name == name) fail(ErrorCode::Value, "meter: window '", name, "' is already open");
  std::function<void()> sync = synchronize_;
  lock.unlock();
  if (sync) sync();  // outside the lock: the sampler keeps running while the device drains
  lock.lock();
  OpenWindow w;
  w.name = name;
  w.parent = open_.empty() ? "" : open_.back().name;
  w.start = readEdges();
  w.startNs = steadyNowNs();
  open_.push_back(std::move(w));
}

Json Meter::end(const std::string& name) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto it = std::find_if(open_.begin(), open_.end(), [&](const OpenWindow& w) { return w.name == name; });
  if (it == open_.end()) fail(ErrorCode::Value, "meter: no open window named '", name, "'");
  std::function<void()> sync = synchronize_;
  lock.unlock();
  if (sync) sync();
  lock.lock();
  it = std::find_if(open_.begin(), open_.end(), [&](const OpenWindow& w) { return w.name == name; });
  if (it == open_.end()) fail(ErrorCode::Value, "meter: window '", name, "' was closed meanwhile");
  const std::vector<Sample> endEdge = readEdges();
  const int64_t endNs = steadyNowNs();
  OpenWindow w = std::move(*it);
  open_.erase(it);

  Json sources = Json::array();
  double total = 0, totalU2 = 0, net = 0, netU2 = 0;
  bool allNet = true, any = false, incomplete = false, tooShort = false;
  Json included = Json::array(), missing = Json::array(), methods = Json::array();
  for (size_t i = 0; i < tracks_.size(); ++i) {
    const SourceInfo& info = tracks_[i]->info();
    const std::vector<Sample> inside = tracks_[i]->between(w.start[i].timeNs + 1, endEdge[i].timeNs - 1);
    const std::vector<std::string> jumps = tracks_[i]->discontinuities(w.start[i].discontinuitiesSoFar, endEdge[i].discontinuitiesSoFar);
    const SourceWindow sw = accountWindow(info, updatePeriods_[i], periodS_, w.start[i], endEdge[i], inside, idle_[i], jumps);
    sources.push(sw.toJson());
    if (!info.additive) continue;
    if (!sw.hasEnergy) {
      Json m = Json::object();
      m.set("id", Json::string(info.id));
      m.set("reason", Json::string(sw.unavailableReason));
      missing.push(m);
      continue;
    }
    any = true;
    incomplete |= sw.incomplete;
    tooShort |= sw.tooShort;
    included.push(Json::string(info.id));
    bool seen = false;
    for (const Json& m : methods.items()) seen |= m.asString() == info.method;
    if (!seen) methods.push(Json::string(info.method));
    total += sw.joules;
    totalU2 += sw.uncertaintyJ * sw.uncertaintyJ;
    if (sw.hasNet) {
      net += sw.netJoules;
      netU2 += sw.netUncertaintyJ * sw.netUncertaintyJ;
    } else {
      allNet = false;
    }
  }
  Json totals = Json::object();
  if (any) {
    totals.set("joules", Json::number(total));
    totals.set("uncertaintyJ", Json::number(std::sqrt(totalU2)));
    if (allNet) {
      totals.set("netJoules", Json::number(net));
      totals.set("netUncertaintyJ", Json::number(std::sqrt(netU2)));
    }
  } else {
    totals.set("joules", Json());
  }
  totals.set("incomplete", Json::boolean(incomplete));
  totals.set("tooShort", Json::boolean(tooShort));
  totals.set("sources", included);
  totals.set("methods", methods);
  totals.set("missing", missing);
  totals.set("note", Json::string("sum of the additive sources (uncertainties combined as independent); a domain that contains others (RAPL psys) is "
                                  "reported but not added"));

  Json out = Json::object();
  out.set("name", Json::string(w.name));
  out.set("parent", w.parent.empty() ? Json() : Json::string(w.parent));
  out.set("startS", Json::number(static_cast<double>(w.startNs - startNs_) * 1e-9));
  out.set("endS", Json::number(static_cast<double>(endNs - startNs_) * 1e-9));
  out.set("durationS", Json::number(static_cast<double>(endNs - w.startNs) * 1e-9));
  out.set("synchronized", Json::boolean(static_cast<bool>(sync)));
  out.set("sources", sources);
  out.set("total", totals);
  return out;
}

Json Meter::measureIdle(double seconds) {
  if (!(seconds > 0 && seconds <= 3600)) fail(ErrorCode::Value, "meter: idle time must be in (0, 3600] s, got ", seconds);
  static std::atomic<int> counter{0};
  const std::string name = "idle-baseline-" + std::to_string(counter++);
  begin(name);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  Json window = end(name);
  std::lock_guard<std::mutex> lock(mutex_);
  Json sources = Json::array();
  const auto& items = window.find("sources")->items();
  for (size_t i = 0; i < tracks_.size(); ++i) {
    const Json& s = items[i];
    Json o = Json::object();
    o.set("id", Json::string(tracks_[i]->info().id));
    o.set("source", Json::string(tracks_[i]->info().method));
    const Json* joules = s.find("joules");
    const double duration = s.find("durationS")->asNumber();
    if (joules && joules->isNumber() && duration > 0) {
      idle_[i].known = true;
      idle_[i].powerW = joules->asNumber() / duration;
      idle_[i].uncertaintyW = s.find("uncertainty")->find("joules")->asNumber() / duration;
      o.set("powerW", Json::number(idle_[i].powerW));
      o.set("uncertaintyW", Json::number(idle_[i].uncertaintyW));
    } else {
      idle_[i] = IdlePower{};
      o.set("powerW", Json());
      const Json* why = s.find("unavailable");
      o.set("unavailable", why ? *why : Json::string("no energy figure"));
    }
    sources.push(o);
  }
  idleJson_ = Json::object();
  idleJson_.set("durationS", window.find("durationS") ? *window.find("durationS") : Json());
  idleJson_.set("sources", sources);
  return idleJson_;
}

Json Meter::idle() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return idleJson_;
}

void Meter::setUpdatePeriod(const std::string& sourceId, double seconds) {
  if (!(seconds > 0 && seconds < 60)) fail(ErrorCode::Value, "meter: update period must be in (0, 60) s, got ", seconds);
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < tracks_.size(); ++i)
    if (tracks_[i]->info().id == sourceId) {
      updatePeriods_[i] = seconds;
      return;
    }
  fail(ErrorCode::Value, "meter: no source '", sourceId, "'");
}

std::vector<Sample> Meter::samples(const std::string& sourceId, int64_t fromNs, int64_t toNs) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& t : tracks_)
    if (t->info().id == sourceId) return t->between(fromNs, toNs);
  fail(ErrorCode::Value, "meter: no source '", sourceId, "'");
}

Json Meter::gpuProcesses(std::vector<int> pids, int processTree, unsigned long long sinceUs) const {
  if (processTree > 0)
    for (int pid : processTreePids(processTree))
      if (std::find(pids.begin(), pids.end(), pid) == pids.end()) pids.push_back(pid);
  if (!options_.nvml) return unavailableGpuAttribution(pids, sinceUs, "NVML disabled");
  return attributeGpuProcesses(options_.nvmlLibrary, options_.gpus, pids, sinceUs);
}

double Meter::overheadFraction() const {
  const double wall = static_cast<double>(steadyNowNs() - startNs_) * 1e-9;
  return wall > 0 ? threadCpuS_.load() / wall : 0;
}

Json Meter::describe() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Json o = Json::object();
  Json sources = Json::array();
  for (size_t i = 0; i < tracks_.size(); ++i) sources.push(sourceJson(tracks_[i]->info(), updatePeriods_[i]));
  o.set("sources", sources);
  o.set("discovery", discovery_);
  o.set("periodS", Json::number(periodS_));
  o.set("requestedPeriodS", Json::number(options_.periodS));
  Json overhead = Json::object();
  const double wall = static_cast<double>(steadyNowNs() - startNs_) * 1e-9;
  overhead.set("wallS", Json::number(wall));
  overhead.set("samplerCpuS", Json::number(threadCpuS_.load()));
  overhead.set("fractionOfOneCore", Json::number(wall > 0 ? threadCpuS_.load() / wall : 0));
  overhead.set("ticks", Json::number(static_cast<double>(ticks_.load())));
  overhead.set("lateTicks", Json::number(static_cast<double>(lateTicks_.load())));
  o.set("overhead", overhead);
  Json failures = Json::array();
  for (const auto& t : tracks_) {
    if (!t->failures()) continue;
    Json f = Json::object();
    f.set("id", Json::string(t->info().id));
    f.set("failedReads", Json::number(static_cast<double>(t->failures())));
    f.set("lastError", Json::string(t->lastError()));
    failures.push(f);
  }
  o.set("readFailures", failures);
  Json discontinuities = Json::array();
  for (const auto& t : tracks_) {
    if (!t->discontinuityCount()) continue;
    Json d = Json::object();
    d.set("id", Json::string(t->info().id));
    d.set("count", Json::number(static_cast<double>(t->discontinuityCount())));
    d.set("last", Json::string(t->lastDiscontinuity()));
    discontinuities.push(d);
  }
  o.set("counterDiscontinuities", discontinuities);
  return o;
}

Json Meter::trace() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Json o = Json::object();
  o.set("periodS", Json::number(periodS_));
  Json sources = Json::array();
  for (const auto& t : tracks_) {
    Json s = Json::object();
    s.set("id", Json::string(t->info().id));
    s.set("source", Json::string(t->info().method));
    Json time = Json::array(), power = Json::array(), energy = Json::array(), gpu = Json::array(), mem = Json::array(), used = Json::array();
    for (const Sample& x : t->all()) {
      time.push(Json::number(static_cast<double>(x.timeNs - startNs_) * 1e-9));
      power.push(numberOrNull(x.powerW));
      energy.push(numberOrNull(x.energyJ));
      gpu.push(numberOrNull(x.gpuUtilisationPct));
      mem.push(numberOrNull(x.memoryUtilisationPct));
      used.push(numberOrNull(x.memoryUsedBytes));
    }
    s.set("timeS", time);
    s.set("powerW", power);
    s.set("energyJ", energy);
    s.set("gpuUtilisationPct", gpu);
    s.set("memoryUtilisationPct", mem);
    s.set("memoryUsedBytes", used);
    s.set("droppedSamples", Json::number(static_cast<double>(t->dropped())));
    sources.push(s);
  }
  o.set("sources", sources);
  return o;
}

}  // namespace sj
