#include "energy/window_accounting.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sj {

namespace {

std::string format(const char* pattern, double a, double b = 0, double c = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, pattern, a, b, c);
  return buf;
}

Json numberOrNull(double v) { return std::isnan(v) ? Json() : Json::number(v); }

bool cpuSide(const SourceInfo& info) { return info.device == "cpu-package" || info.device == "dram" || info.device == "platform"; }

// What shows that the domain drew power over points[from..to]: "" when nothing does.
std::string activity(const SourceInfo& info, const std::vector<Sample>& points, size_t from, size_t to) {
  double power = 0, utilisation = 0;
  for (size_t i = from; i <= to; ++i) {
    const Sample& s = points[i];
    if (!s.ok) continue;
    if (!s.powerDerived && s.powerW > power) power = s.powerW;
    if (s.gpuUtilisationPct > utilisation) utilisation = s.gpuUtilisationPct;
  }
  if (power > 0) return format("sampled power was up to %.4g W", power);
  if (utilisation > 0) return format("GPU utilisation was up to %.3g %%", utilisation);
  const double cpu = points[to].processCpuS - points[from].processCpuS;
  if (cpuSide(info) && cpu > 0) return format("this process used %.3g s of CPU time", cpu);
  return "";
}

// Why the counter is stuck inside the window (see the header), or "".
// A step that failed its sanity check was not counted: the counter moved, it did not stall, so
// stretches across such a step are not compared.
std::string stall(const SourceInfo& info, double period, const std::vector<Sample>& points, double joules, double durationS, int64_t jumps) {
  if (!info.caps.energyCounter || info.method == "modelled") return "";
  if (joules == 0 && jumps == 0 && durationS >= 2 * period) {
    const std::string evidence = activity(info, points, 0, points.size() - 1);
    if (!evidence.empty())
      return format("stalled: the energy counter did not advance over the whole window (%.3g s, %.3g update periods of %.3g s)", durationS,
                    period > 0 ? durationS / period : 0, period) +
             " while " + evidence + ": a stuck counter, not zero energy";
  }
  const double longest = std::max(kMinStallS, 4 * period);
  size_t runStart = 0;
  for (size_t i = 1; i <= points.size(); ++i) {
    const bool same = i < points.size() && points[i].ok && points[runStart].ok && points[i].energyJ == points[runStart].energyJ &&
                      points[i].discontinuitiesSoFar == points[runStart].discontinuitiesSoFar;
    if (same) continue;
    const size_t runEnd = i - 1;
    const double spanS = static_cast<double>(points[runEnd].timeNs - points[runStart].timeNs) * 1e-9;
    if (runEnd > runStart && spanS > longest) {
      const std::string evidence = activity(info, points, runStart, runEnd);
      if (!evidence.empty())
        return format("stalled: the energy counter stood still for %.3g s inside the window (%.3g s after its start)", spanS,
                      static_cast<double>(points[runStart].timeNs - points.front().timeNs) * 1e-9) +
               " while " + evidence + ": a stuck counter, so the window's figure would miss energy";
    }
    runStart = i;
  }
  return "";
}

void addFlag(SourceWindow& w, const std::string& text) { w.flag += (w.flag.empty() ? "" : "; ") + text; }

}  // namespace

SourceWindow accountWindow(const SourceInfo& info, double updatePeriodS, double samplePeriodS, const Sample& start, const Sample& end,
                           const std::vector<Sample>& inside, const IdlePower& idle, const std::vector<std::string>& discontinuities) {
  SourceWindow w;
  w.id = info.id;
  w.device = info.device;
  w.method = info.method;
  w.additive = info.additive;
  w.durationS = static_cast<double>(end.timeNs - start.timeNs) * 1e-9;

  // Descriptive statistics over the samples inside the window and its edges.
  std::vector<Sample> points;
  points.push_back(start);
  points.insert(points.end(), inside.begin(), inside.end());
  points.push_back(end);
  double powerSum = 0, gpuSum = 0, memSum = 0, clockSum = 0;
  int powerN = 0, gpuN = 0, memN = 0, clockN = 0;
  for (const Sample& s : points) {
    if (!s.ok) continue;
    if (!std::isnan(s.powerW)) {
      powerSum += s.powerW;
      ++powerN;
      w.maxPowerW = std::isnan(w.maxPowerW) ? s.powerW : std::max(w.maxPowerW, s.powerW);
    }
    if (!std::isnan(s.gpuUtilisationPct)) gpuSum += s.gpuUtilisationPct, ++gpuN;
    if (!std::isnan(s.memoryUtilisationPct)) memSum += s.memoryUtilisationPct, ++memN;
    if (!std::isnan(s.smClockMHz)) clockSum += s.smClockMHz, ++clockN;
    if (!std::isnan(s.memoryUsedBytes)) w.peakMemoryBytes = std::isnan(w.peakMemoryBytes) ? s.memoryUsedBytes : std::max(w.peakMemoryBytes, s.memoryUsedBytes);
    if (!std::isnan(s.temperatureC)) w.maxTemperatureC = std::isnan(w.maxTemperatureC) ? s.temperatureC : std::max(w.maxTemperatureC, s.temperatureC);
  }
  // Every read of the source between the edges counts, kept in the ring or not (another window's edge).
  w.failures = static_cast<int>((start.ok ? 0 : 1) + std::max<int64_t>(0, end.failuresSoFar - start.failuresSoFar));
  const int64_t jumps = std::max<int64_t>(0, end.discontinuitiesSoFar - start.discontinuitiesSoFar);
  w.samples = static_cast<int>(inside.size());
  if (gpuN) w.meanGpuUtilisationPct = gpuSum / gpuN;
  if (memN) w.meanMemoryUtilisationPct = memSum / memN;
  if (clockN) w.meanSmClockMHz = clockSum / clockN;
  w.meanPowerW = powerN ? powerSum / powerN : kMissing;

  if (!start.ok || !end.ok || std::isnan(start.energyJ) || std::isnan(end.energyJ)) {
    w.unavailableReason = "the source could not be read at the window's " + std::string(!start.ok || std::isnan(start.energyJ) ? "start" : "end");
    return w;
  }
  const double joules = end.energyJ - start.energyJ;
  const double period = std::max(updatePeriodS, 0.0);
  if (!std::isfinite(joules) || joules < 0) {
    w.unavailableReason = format("the energy reading went from %.17g J to %.17g J: not a valid counter difference", start.energyJ, end.energyJ);
    return w;
  }
  if (period > 0 && w.durationS < 10 * period) {
    w.tooShort = true;
    w.flag = format("window %.3g s is shorter than 10 sensor update periods (%.3g s): quantisation dominates", w.durationS, period);
  }
  if (joules <= 0 && period > 0 && w.durationS < 2 * period) {
    w.unavailableReason =
        format("the energy reading did not change: the window (%.3g s) is shorter than two sensor update periods (%.3g s)", w.durationS, period);
    return w;
  }
  if (const std::string why = stall(info, period, points, joules, w.durationS, jumps); !why.empty()) {
    w.stalled = true;
    w.unavailableReason = why;
    // A counter-only source's power is derived from the stuck counter: no power figure either.
    if (!info.caps.power) w.meanPowerW = w.maxPowerW = kMissing;
    return w;
  }
  if (info.powerBoundW > 0 && joules > info.powerBoundW * (w.durationS + period) + 2 * info.counterResolutionJ) {
    w.unavailableReason = format("%.6g J in %.3g s is above the source's power bound of %.4g W x the window", joules, w.durationS, info.powerBoundW) +
                          " (" + info.powerBoundSource + "): not a physical figure";
    return w;
  }
  w.hasEnergy = true;
  w.joules = joules;
  if (w.durationS > 0) w.meanPowerW = joules / w.durationS;
  if (w.failures > 0) {
    w.incomplete = true;
    addFlag(w, std::to_string(w.failures) + " read(s) failed inside the window: the figure may miss energy (a lower bound)");
  }
  if (jumps > 0) {
    w.incomplete = true;
    std::string reasons;
    for (const std::string& r : discontinuities) reasons += (reasons.empty() ? "" : "; ") + r;
    addFlag(w, std::to_string(jumps) + " counter step(s) inside the window failed the sanity check and were not counted in full (a lower bound)" +
                   (reasons.empty() ? std::string() : ": " + reasons));
  }
  w.resolutionJ = info.counterResolutionJ * std::sqrt(2.0);
  const bool integrated = !info.caps.energyCounter;
  // A sampler that fell behind (a loaded machine) left longer gaps than its period: the longest
  // gap between readings inside the window is what the trapezoid rule bridged.
  double gapS = samplePeriodS;
  for (size_t i = 1; i < points.size(); ++i) gapS = std::max(gapS, static_cast<double>(points[i].timeNs - points[i - 1].timeNs) * 1e-9);
  if (integrated) {
    const double pmax = std::isnan(w.maxPowerW) ? std::max(w.meanPowerW, 0.0) : w.maxPowerW;
    w.quantisationJ = pmax * (period + gapS);
  } else {
    // Up to one update period of energy is missed or gained between the two edges. The mean power
    // comes from the quantised counter itself, and a window that lost a tick reads low: the true
    // mean is at most J / (D - T). That, or the sampled maximum power if larger, bounds the energy.
    double p = w.meanPowerW;
    if (w.durationS > period) p = std::max(p, joules / (w.durationS - period));
    if (!std::isnan(w.maxPowerW)) p = std::max(p, w.maxPowerW);
    w.quantisationJ = std::max(p, 0.0) * period;
  }
  w.accuracyJ = info.accuracyFraction * std::fabs(joules);
  w.uncertaintyJ = std::sqrt(w.resolutionJ * w.resolutionJ + w.quantisationJ * w.quantisationJ + w.accuracyJ * w.accuracyJ);
  w.uncertaintyNote = std::string("root-sum-square of: resolution ") + format("%.3g J", w.resolutionJ) +
                      (integrated ? format("; power sampled at most %.3g s apart and averaged over %.3g s: max power x (both)", gapS, period)
                                  : format("; counter update period %.3g s between the edges: max(J / (duration - period), sampled max power) x period", period)) +
                      format(" = %.3g J; stated accuracy %.3g", w.quantisationJ, info.accuracyFraction) + " of the reading (" + info.accuracySource + ")";
  if (idle.known) {
    w.hasNet = true;
    w.idlePowerW = idle.powerW;
    w.netJoules = joules - idle.powerW * w.durationS;
    const double idleU = idle.uncertaintyW * w.durationS;
    w.netUncertaintyJ = std::sqrt(w.uncertaintyJ * w.uncertaintyJ + idleU * idleU);
  }
  return w;
}

Json SourceWindow::toJson() const {
  Json o = Json::object();
  o.set("id", Json::string(id));
  o.set("device", Json::string(device));
  o.set("source", Json::string(method));
  o.set("additive", Json::boolean(additive));
  o.set("durationS", Json::number(durationS));
  if (hasEnergy) {
    o.set("joules", Json::number(joules));
    Json u = Json::object();
    u.set("joules", Json::number(uncertaintyJ));
    u.set("resolutionJ", Json::number(resolutionJ));
    u.set("quantisationJ", Json::number(quantisationJ));
    u.set("accuracyJ", Json::number(accuracyJ));
    u.set("derivation", Json::string(uncertaintyNote));
    o.set("uncertainty", u);
  } else {
    o.set("joules", Json());
    o.set("unavailable", Json::string(unavailableReason));
  }
  if (hasNet) {
    Json n = Json::object();
    n.set("idlePowerW", Json::number(idlePowerW));
    n.set("joules", Json::number(netJoules));
    n.set("uncertaintyJ", Json::number(netUncertaintyJ));
    o.set("net", n);
  }
  o.set("tooShort", Json::boolean(tooShort));
  o.set("incomplete", Json::boolean(incomplete));
  o.set("stalled", Json::boolean(stalled));
  if (!flag.empty()) o.set("flag", Json::string(flag));
  o.set("samples", Json::number(samples));
  o.set("failedReads", Json::number(failures));
  o.set("meanPowerW", numberOrNull(meanPowerW));
  o.set("maxPowerW", numberOrNull(maxPowerW));
  o.set("meanGpuUtilisationPct", numberOrNull(meanGpuUtilisationPct));
  o.set("meanMemoryUtilisationPct", numberOrNull(meanMemoryUtilisationPct));
  o.set("peakMemoryBytes", numberOrNull(peakMemoryBytes));
  o.set("meanSmClockMHz", numberOrNull(meanSmClockMHz));
  o.set("maxTemperatureC", numberOrNull(maxTemperatureC));
  return o;
}

}  // namespace sj
