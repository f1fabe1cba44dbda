#include "energy/window_accounting.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sj {

namespace {

std::string format(const char* pattern, double a, double b = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, pattern, a, b);
  return buf;
}

Json numberOrNull(double v) { return std::isnan(v) ? Json() : Json::number(v); }

}  // namespace

SourceWindow accountWindow(const SourceInfo& info, double updatePeriodS, double samplePeriodS, const Sample& start, const Sample& end,
                           const std::vector<Sample>& inside, const IdlePower& idle) {
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
    if (!s.ok) {
      ++w.failures;
      continue;
    }
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
  w.samples = static_cast<int>(inside.size());
  if (gpuN) w.meanGpuUtilisationPct = gpuSum / gpuN;
  if (memN) w.meanMemoryUtilisationPct = memSum / memN;
  if (clockN) w.meanSmClockMHz = clockSum / clockN;

  if (!start.ok || !end.ok || std::isnan(start.energyJ) || std::isnan(end.energyJ)) {
    w.unavailableReason = "the source could not be read at the window's " + std::string(!start.ok || std::isnan(start.energyJ) ? "start" : "end");
    if (powerN) w.meanPowerW = powerSum / powerN;
    return w;
  }
  const double joules = end.energyJ - start.energyJ;
  const double period = std::max(updatePeriodS, 0.0);
  // Mean power from the energy when there is one; until then, from the power readings.
  w.meanPowerW = powerN ? powerSum / powerN : kMissing;
  if (period > 0 && w.durationS < 10 * period) {
    w.tooShort = true;
    w.flag = format("window %.3g s is shorter than 10 sensor update periods (%.3g s): quantisation dominates", w.durationS, period);
  }
  if (joules <= 0 && period > 0 && w.durationS < 2 * period) {
    w.unavailableReason =
        format("the energy reading did not change: the window (%.3g s) is shorter than two sensor update periods (%.3g s)", w.durationS, period);
    return w;
  }
  w.hasEnergy = true;
  w.joules = joules;
  if (w.durationS > 0) w.meanPowerW = joules / w.durationS;
  if (w.failures > 0) {
    w.incomplete = true;
    w.flag += std::string(w.flag.empty() ? "" : "; ") + std::to_string(w.failures) +
              " read(s) failed inside the window: the figure may miss energy (a lower bound)";
  }
  w.resolutionJ = info.counterResolutionJ * std::sqrt(2.0);
  const bool integrated = !info.caps.energyCounter;
  if (integrated) {
    const double pmax = std::isnan(w.maxPowerW) ? std::max(w.meanPowerW, 0.0) : w.maxPowerW;
    w.quantisationJ = pmax * (period + samplePeriodS);
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
                      (integrated ? format("; power sampled every %.3g s and averaged over %.3g s: max power x (both)", samplePeriodS, period)
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
