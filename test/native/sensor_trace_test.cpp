// sensorTrace (study/sensor_trace.h) end to end against the fake sensors: the fake NVML's sensor
// model and the fake powercap writer (test/fake/, TEST DOUBLES of the NVIDIA driver and of the
// kernel's RAPL sysfs folder), both following the live load log that the real CPU load bursts
// write. The load itself is real (FMA threads); only the sensors are fake. No assertion depends on
// how fast this machine is: changes are checked against the fakes' publication grid, which holds
// however late a read comes, and durations only from below.
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/json.h"
#include "cuda/cuda_devices.h"
#include "energy/energy_source.h"
#include "study/sensor_trace.h"
#include "expect_error.h"
#include "fake_library.h"
#include "harness.h"
#include "sensor_fakes.h"

namespace sj::testing {
namespace {

const std::string kFakeLibraryPath = besideTestBinary(SEDJOULE_FAKE_NVML);
const char* const kFakeLibrary = kFakeLibraryPath.c_str();
constexpr double kReadLatencyS = 0.005;

const Json* channel(const Json& trace, const std::string& id) {
  for (const Json& c : trace.find("channels")->items())
    if (c.find("id")->asString() == id) return &c;
  return nullptr;
}

std::string channelIds(const Json& trace) {
  std::string out;
  for (const Json& c : trace.find("channels")->items()) out += c.find("id")->asString() + " ";
  return out;
}

std::string text(double v) { return Json::number(v).dump(); }

// Every change of a channel published on the grid k x periodS must have happened across a grid
// point: (tPrev, t] holds one, give or take the time one read takes (the sensor is sampled inside
// the call, the time stamped after it returns; 5 ms covers a read preempted on a loaded machine).
// Returns the number of changes after the first.
size_t checkChangesOnGrid(const Json& c, double periodS) {
  const std::vector<Json>& changes = c.find("changes")->items();
  SJ_CHECK(!changes.empty(), c.find("id")->asString(), " has no reading");
  SJ_CHECK(changes[0].items()[0].asNumber() == changes[0].items()[1].asNumber(), "the first change has tPrev = t");
  for (size_t i = 1; i < changes.size(); ++i) {
    const double t = changes[i].items()[0].asNumber(), tPrev = changes[i].items()[1].asNumber();
    SJ_CHECK(tPrev < t, "change ", i, " of ", c.find("id")->asString(), ": tPrev ", tPrev, " is not before t ", t);
    SJ_CHECK(std::floor((tPrev - kReadLatencyS) / periodS) < std::floor(t / periodS), c.find("id")->asString(), " changed in (", tPrev, ", ", t,
             "], which holds no publication of the ", periodS, " s grid");
  }
  return changes.size() - 1;
}

// Three CPU bursts (one thread, real FMA load) while the fake NVML (T = 50 ms, boxcar W = T, noise
// 0.5 W) and the fake powercap writer follow the load log that the bursts write.
SJ_TEST(sensor_trace_fake_sensors_follow_cpu_bursts) {
  ScratchFolder dir;
  const std::string log = dir.path("load.log"), powercap = dir.path("powercap");
  FakeEnvironment env({{"FAKE_NVML_LOAD_LOG", log}, {"FAKE_NVML_POWER_PERIOD_MS", "50"}, {"FAKE_NVML_AVERAGE_WINDOW_MS", "200"},
                       {"FAKE_RAPL_LOAD_LOG", log}});
  FakePowercapWriter writer(powercap);
  const double now = steadyNowS(), durationS = 0.2;
  std::ostringstream options;
  options << R"({"meter": {"nvmlLibrary": ")" << kFakeLibrary << R"(", "powercapRoot": ")" << powercap << R"("},)"
          << R"("load": {"kind": "cpu", "threads": 1}, "pollIntervalS": {"nvml": 0.002, "rapl": 0.002},)"
          << R"("loadLog": ")" << log << R"(", "bursts": [)";
  for (int i = 0; i < 3; ++i)
    options << (i ? "," : "") << R"({"atS": )" << text(now + 0.3 + 0.5 * i) << R"(, "durationS": )" << text(durationS)
            << R"(, "intensity": 1, "label": "step-)" << i << R"("})";
  options << R"(], "untilS": )" << text(now + 1.8) << "}";
  const Json trace = sensorTrace(sensorTraceOptionsFromJson(options.str()));

  const double startS = trace.find("startS")->asNumber(), endS = trace.find("endS")->asNumber();
  SJ_CHECK(startS >= now && endS >= now + 1.8, "the trace ran from ", startS, " to ", endS, ", want until ", now + 1.8);

  // The bursts: as planned or later, each at least as long as asked, in order.
  const std::vector<Json>& bursts = trace.find("bursts")->items();
  SJ_CHECK(bursts.size() == 3, "3 bursts recorded, got ", bursts.size());
  for (size_t i = 0; i < bursts.size(); ++i) {
    const Json& b = bursts[i];
    const double planned = b.find("plannedS")->asNumber(), start = b.find("startS")->asNumber(), end = b.find("endS")->asNumber();
    SJ_CHECK(b.find("label")->asString() == "step-" + std::to_string(i) && b.find("intensity")->asNumber() == 1, b.dump());
    SJ_CHECK(planned == now + 0.3 + 0.5 * static_cast<double>(i), "plannedS ", planned);
    SJ_CHECK(start >= planned && end >= start + durationS, "burst ", i, " ran ", start, " to ", end, " (planned ", planned, ")");
    if (i > 0) SJ_CHECK(start >= bursts[i - 1].find("endS")->asNumber(), "bursts overlap");
  }
  // The load log: an on and an off line per burst, at the recorded times.
  std::ifstream in(log);
  std::string word;
  double t = 0, intensity = 0;
  for (size_t i = 0; i < bursts.size(); ++i) {
    SJ_CHECK(in >> word >> t >> intensity && word == "on" && intensity == 1, "load log line ", 2 * i + 1);
    SJ_CHECK(std::fabs(t - bursts[i].find("startS")->asNumber()) < 1e-6, "on at ", t);
    SJ_CHECK(in >> word >> t && word == "off" && std::fabs(t - bursts[i].find("endS")->asNumber()) < 1e-6, "load log line ", 2 * i + 2);
  }
  SJ_CHECK(!(in >> word), "the load log has more than 6 lines");

  // NVML: all four channels, each changing only across its grid.
  for (const char* field : {"energy", "power-instant", "power-average", "power-usage"}) {
    const Json* c = channel(trace, std::string("nvml:0/") + field);
    SJ_CHECK(c, "no nvml:0/", field, " channel: ", channelIds(trace));
    SJ_CHECK(c->find("failedReads")->asNumber() == 0 && c->find("firstError")->isNull(), c->find("firstError")->dump());
    SJ_CHECK(c->find("source")->asString() == "nvml:0" && c->find("name")->asString() == "Fake GPU", c->find("name")->asString());
    SJ_CHECK(c->find("reads")->asNumber() >= 1, "reads");
    checkChangesOnGrid(*c, 0.05);
  }
  // The instant power (noise every period) changes at most periods; it reaches the busy level
  // (a 200 ms burst holds whole 50 ms windows) and shows idle before the first burst.
  const Json& instant = *channel(trace, "nvml:0/power-instant");
  SJ_CHECK(instant.find("method")->asString() == "nvml-field-186" && instant.find("unit")->asString() == "W", instant.find("method")->asString());
  const size_t changes = checkChangesOnGrid(instant, 0.05);
  SJ_CHECK(changes >= 10, "power-instant changed ", changes, " times in ", endS - startS, " s of 50 ms publications");
  double busiest = 0;
  for (const Json& change : instant.find("changes")->items()) busiest = std::max(busiest, change.items()[2].asNumber());
  SJ_CHECK(busiest > 390 && busiest < 410, "the busiest publication was ", busiest, " W, want about 400 W");
  const double firstW = instant.find("changes")->items()[0].items()[2].asNumber();
  SJ_CHECK(std::fabs(firstW - 60) < 5, "the first reading, before any burst, was ", firstW, " W, want about 60 W");

  // RAPL from the fake powercap folder: package and dram, cumulative joules. Between two of its
  // readings the package counted 20 W plus 45 W while loaded, known from the load log; each value
  // is the writer's as of its last write, which a loaded machine delays (a quarter of the total
  // allows 200 ms of difference between the first and the last).
  const Json* package = channel(trace, "rapl:package-0/energy");
  SJ_CHECK(package && channel(trace, "rapl:dram-0/energy"), "no RAPL channels: ", channelIds(trace));
  SJ_CHECK(package->find("method")->asString() == "rapl" && package->find("resolution")->asNumber() == 1e-6, package->find("method")->asString());
  const std::vector<Json>& steps = package->find("changes")->items();
  SJ_CHECK(steps.size() > 10, "the package counter changed ", steps.size(), " times");
  const double t0 = steps.front().items()[0].asNumber(), t1 = steps.back().items()[0].asNumber();
  double busyS = 0;
  for (const Json& b : bursts) busyS += std::max(0.0, std::min(t1, b.find("endS")->asNumber()) - std::max(t0, b.find("startS")->asNumber()));
  const double joules = steps.back().items()[2].asNumber() - steps.front().items()[2].asNumber(), want = 20 * (t1 - t0) + 45 * busyS;
  SJ_CHECK(std::fabs(joules - want) < 0.25 * want, "the package counted ", joules, " J from ", t0, " to ", t1, ", the load log says ", want, " J");
  SJ_CHECK(!channel(trace, "cpu-model/energy"), "no modelled CPU next to RAPL");
  SJ_CHECK(trace.find("sources")->items().size() == 3, "sources: nvml:0 and two RAPL zones: ", trace.find("sources")->dump());
}

// A device that does not answer a field: the channel is left out and said so.
SJ_TEST(sensor_trace_leaves_out_unsupported_fields) {
  ScratchFolder dir;
  FakeEnvironment env({{"FAKE_NVML_NO_INSTANT", "1"}, {"FAKE_NVML_NO_ENERGY", "1"}});
  const double now = steadyNowS();
  const Json trace = sensorTrace(sensorTraceOptionsFromJson(std::string(R"({"meter": {"nvmlLibrary": ")") + kFakeLibrary +
                                                            R"(", "rapl": false, "cpuModel": false}, "load": {"kind": "cpu", "threads": 1},)" +
                                                            R"("bursts": [{"atS": )" + text(now) + R"(, "durationS": 0.01}], "untilS": )" +
                                                            text(now + 0.1) + "}"));
  SJ_CHECK(channel(trace, "nvml:0/power-usage") && !channel(trace, "nvml:0/power-instant") && !channel(trace, "nvml:0/energy") &&
               !channel(trace, "nvml:0/power-average"),
           channelIds(trace));
  const std::string notes = trace.find("notes")->dump();
  SJ_CHECK(notes.find("power-instant (nvml-field-186) left out") != std::string::npos && notes.find("energy (nvml-counter) left out") != std::string::npos &&
               notes.find("Not Supported") != std::string::npos,
           notes);
  SJ_CHECK(trace.find("bursts")->items()[0].find("label")->asString() == "burst-0", "the default label");
}

// The GPU load: on the CUDA emulator (or a GPU) a short spin burst runs for its duration; without
// CUDA it is an error naming why, raised before any polling.
SJ_TEST(sensor_trace_gpu_burst_or_why_not) {
  ScratchFolder dir;
  FakeEnvironment env(FakeEnvironment::Variables{});
  const double now = steadyNowS();
  const std::string options = R"({"meter": {"nvml": false, "rapl": false, "cpuModel": false}, "loadLog": ")" + dir.path("load.log") +
                              R"(", "bursts": [{"atS": )" + text(now) + R"(, "durationS": 0.05, "intensity": 0.5}], "untilS": )" + text(now) + "}";
  if (queryCuda().devices.empty()) {
    expectError(ErrorCode::Cuda, "no CUDA device to load", [&] { sensorTrace(sensorTraceOptionsFromJson(options)); });
    return;
  }
  const Json trace = sensorTrace(sensorTraceOptionsFromJson(options));
  const Json& b = trace.find("bursts")->items()[0];
  const double seconds = b.find("endS")->asNumber() - b.find("startS")->asNumber();
  SJ_CHECK(seconds >= 0.049, "the spin kernel ran ", seconds, " s, want 0.05 s");
  std::ifstream in(dir.path("load.log"));
  std::string on, off;
  std::getline(in, on);
  std::getline(in, off);
  SJ_CHECK(on.rfind("on ", 0) == 0 && on.substr(on.rfind(' ') + 1) == "0.5" && off.rfind("off ", 0) == 0, on, " / ", off);
}

SJ_TEST(sensor_trace_bad_options) {
  const auto options = [](const std::string& bursts, const std::string& rest = R"(, "untilS": 100)") {
    return sensorTraceOptionsFromJson(R"({"bursts": )" + bursts + rest + "}");
  };
  expectError(ErrorCode::Spec, "bogus", [&] { options("[]", R"(, "untilS": 100, "bogus": 1)"); });
  expectError(ErrorCode::Spec, "untilS", [&] { options("[]", ""); });
  expectError(ErrorCode::Spec, "bursts", [&] { sensorTraceOptionsFromJson(R"({"untilS": 100})"); });
  expectError(ErrorCode::Value, "bursts[1]: atS must be later", [&] { options(R"([{"atS": 10, "durationS": 1}, {"atS": 10, "durationS": 1}])"); });
  expectError(ErrorCode::Value, "bursts[0]: durationS must be > 0", [&] { options(R"([{"atS": 10, "durationS": 0}])"); });
  expectError(ErrorCode::Value, "bursts[0]: intensity must be in (0, 1]", [&] { options(R"([{"atS": 10, "durationS": 1, "intensity": 0}])"); });
  expectError(ErrorCode::Spec, "intensity", [&] { options(R"([{"atS": 10, "durationS": 1, "intensity": 1.5}])"); });
  expectError(ErrorCode::Spec, "bursts[0]", [&] { options(R"([{"atS": 10, "durationS": 1, "watts": 3}])"); });
  expectError(ErrorCode::Spec, "kind", [&] { options("[]", R"(, "untilS": 100, "load": {"kind": "tpu"})"); });
  expectError(ErrorCode::Spec, "pollIntervalS", [&] { options("[]", R"(, "untilS": 100, "pollIntervalS": {"nvml": 0})"); });
  expectError(ErrorCode::Spec, "meter", [&] { options("[]", R"(, "untilS": 100, "meter": {"nvmll": true})"); });
  // The defaults.
  const SensorTraceOptions o = options("[]");
  SJ_CHECK(o.loadKind == "gpu" && o.loadThreads == 0 && o.nvmlPollS == 0.001 && o.raplPollS == 0.0002 && o.modelPollS == 0.001 && o.untilS == 100,
           "defaults");
}

}  // namespace
}  // namespace sj::testing
