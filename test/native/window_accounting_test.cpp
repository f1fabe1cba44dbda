// The window arithmetic of energy/window_accounting on hand-made samples: stalls (a counter that does
// not move while its domain evidently draws power), discontinuous steps, and the power bound. Pure
// functions, no source behind them.
#include <cmath>
#include <string>
#include <vector>

#include "energy/window_accounting.h"
#include "harness.h"

namespace sj::testing {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

SourceInfo raplPackage() {
  SourceInfo info;
  info.id = "rapl:package-0";
  info.device = "cpu-package";
  info.method = "rapl";
  info.caps.energyCounter = true;
  info.counterResolutionJ = 1e-6;
  info.updatePeriodS = 0.001;
  info.accuracyFraction = 0.1;
  info.powerBoundW = 1000;
  info.powerBoundSource = "test bound";
  return info;
}

SourceInfo nvmlCounter() {
  SourceInfo info;
  info.id = "nvml:0";
  info.device = "gpu";
  info.method = "nvml-counter";
  info.caps.energyCounter = true;
  info.caps.power = true;
  info.counterResolutionJ = 1e-3;
  info.updatePeriodS = 0.1;
  info.accuracyFraction = 0.05;
  info.powerBoundW = 2800;
  info.powerBoundSource = "test bound";
  return info;
}

// A sample at `seconds` with cumulative energy `joules`, this process at `cpuS` of CPU time.
Sample at(double seconds, double joules, double cpuS = 0, double powerW = kMissing) {
  Sample s;
  s.timeNs = static_cast<int64_t>(seconds * 1e9);
  s.energyJ = joules;
  s.processCpuS = cpuS;
  s.powerW = powerW;
  return s;
}

SourceWindow account(const SourceInfo& info, const std::vector<Sample>& points, const std::vector<std::string>& reasons = {}) {
  const std::vector<Sample> inside(points.begin() + 1, points.end() - 1);
  return accountWindow(info, info.updatePeriodS, 0.05, points.front(), points.back(), inside, IdlePower{}, reasons);
}

SJ_TEST(window_stalled_rapl_counter_has_no_figure) {
  // The counter never moves over 2 s while this process used 0.8 s of CPU.
  const SourceWindow w = account(raplPackage(), {at(0, 5, 1.0), at(1, 5, 1.4), at(2, 5, 1.8)});
  SJ_CHECK(w.stalled && !w.hasEnergy, "a stuck counter must be stalled, got joules ", w.joules);
  SJ_CHECK(contains(w.unavailableReason, "stalled") && contains(w.unavailableReason, "CPU time") &&
               contains(w.unavailableReason, "not zero energy"),
           w.unavailableReason);
  SJ_CHECK(std::isnan(w.meanPowerW) && std::isnan(w.maxPowerW), "no power derived from a stuck counter: ", w.meanPowerW);
  const Json json = w.toJson();
  SJ_CHECK(json.find("joules")->isNull() && json.find("stalled")->asBool(), json.dump());
}

SJ_TEST(window_unmoving_counter_without_evidence_is_zero) {
  // No CPU time used, no power reading: nothing says the domain drew power, so 0 J stands.
  const SourceWindow w = account(raplPackage(), {at(0, 5, 1.0), at(1, 5, 1.0), at(2, 5, 1.0)});
  SJ_CHECK(w.hasEnergy && w.joules == 0 && !w.stalled, w.unavailableReason);
}

SJ_TEST(window_stalled_gpu_counter_keeps_its_sampled_power) {
  const SourceWindow w = account(nvmlCounter(), {at(0, 7, 0, 120), at(0.5, 7, 0, 130), at(1, 7, 0, 125)});
  SJ_CHECK(w.stalled && !w.hasEnergy, "the GPU drew 120-130 W and the counter stood still");
  SJ_CHECK(contains(w.unavailableReason, "sampled power was up to 130 W"), w.unavailableReason);
  SJ_CHECK(w.maxPowerW == 130, "its own power readings stay: ", w.maxPowerW);
}

SJ_TEST(window_stall_inside_a_moving_window) {
  // Moves at the start, then stands still for 3 s while the process burns CPU: the total undercounts.
  const SourceWindow w = account(raplPackage(), {at(0, 0, 0), at(0.5, 20, 0.5), at(2, 20, 2), at(3.5, 20, 3.5), at(4, 20, 4)});
  SJ_CHECK(w.stalled && !w.hasEnergy && contains(w.unavailableReason, "stood still for 3.5 s"), w.unavailableReason);
  // A stand-still shorter than kMinStallS is a slow update, not a stall.
  const SourceWindow brief = account(raplPackage(), {at(0, 0, 0), at(0.5, 20, 0.5), at(2, 20, 2), at(2.1, 30, 2.1)});
  SJ_CHECK(brief.hasEnergy && !brief.stalled && std::fabs(brief.joules - 30) < 1e-9, brief.unavailableReason);
}

SJ_TEST(window_too_short_is_not_a_stall) {
  // Shorter than two update periods: the counter need not have moved.
  const SourceWindow w = account(nvmlCounter(), {at(0, 7, 0, 100), at(0.15, 7, 0, 100)});
  SJ_CHECK(!w.hasEnergy && !w.stalled && contains(w.unavailableReason, "shorter than two sensor update periods"), w.unavailableReason);
}

SJ_TEST(window_modelled_cpu_never_stalls) {
  SourceInfo info = raplPackage();
  info.id = "cpu-model";
  info.device = "cpu";
  info.method = "modelled";
  info.powerBoundW = 0;
  const SourceWindow w = account(info, {at(0, 5, 1), at(2, 5, 1.5)});
  SJ_CHECK(w.hasEnergy && !w.stalled, w.unavailableReason);
}

SJ_TEST(window_discontinuities_make_it_incomplete) {
  std::vector<Sample> points = {at(0, 0, 0), at(1, 10, 1), at(2, 20, 2)};
  points.back().discontinuitiesSoFar = 1;
  const SourceWindow w = account(raplPackage(), points, {"energy_uj: counter jumped"});
  SJ_CHECK(w.hasEnergy && w.incomplete && contains(w.flag, "1 counter step(s)") && contains(w.flag, "counter jumped"), w.flag);
  // A counter whose only step was rejected moved: 0 J counted is a lower bound, not a stall.
  std::vector<Sample> rejected = {at(0, 0, 0), at(1, 0, 1), at(2, 0, 2)};
  rejected[1].discontinuitiesSoFar = rejected[2].discontinuitiesSoFar = 1;
  const SourceWindow lower = account(raplPackage(), rejected, {"energy_uj: counter jumped"});
  SJ_CHECK(lower.hasEnergy && !lower.stalled && lower.incomplete && lower.joules == 0, lower.unavailableReason);
  // A discontinuity at the start edge belongs to the time before the window.
  points.front().discontinuitiesSoFar = 1;
  const SourceWindow before = account(raplPackage(), points);
  SJ_CHECK(before.hasEnergy && !before.incomplete, before.flag);
  // Failures of reads not kept in the ring (another window's edges) count too.
  points.back().failuresSoFar = 2;
  const SourceWindow failed = account(raplPackage(), points);
  SJ_CHECK(failed.incomplete && failed.failures == 2 && contains(failed.flag, "2 read(s) failed"), failed.flag);
}

SJ_TEST(window_beyond_the_power_bound_has_no_figure) {
  // 1e9 J in 2 s from a 1000 W domain.
  const SourceWindow w = account(raplPackage(), {at(0, 0, 0), at(2, 1e9, 1)});
  SJ_CHECK(!w.hasEnergy && contains(w.unavailableReason, "above the source's power bound"), w.unavailableReason);
  const SourceWindow nan = account(raplPackage(), {at(0, 0, 0), at(2, -1, 1)});
  SJ_CHECK(!nan.hasEnergy && contains(nan.unavailableReason, "not a valid counter difference"), nan.unavailableReason);
}

}  // namespace
}  // namespace sj::testing
