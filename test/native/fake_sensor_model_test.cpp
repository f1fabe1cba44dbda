// The fake sensors of the sensor study, against values computed by hand: the fake NVML's sensor
// model (test/fake/fake_nvml.c with FAKE_NVML_LOAD_LOG) and the fake powercap writer
// (test/fake/fake_powercap.c). Both are TEST DOUBLES at the system boundary (the NVIDIA driver, the
// kernel's powercap sysfs); these tests pin down what they publish, so that the sensor study's own
// tests (its estimators recovering delay, window and period) test the estimators, not the fakes.
// The fake NVML is read raw through NvmlLibrary, as sensorTrace reads it.
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "energy/energy_source.h"
#include "study/load_bursts.h"
#include "energy/nvml_devices.h"
#include "energy/nvml_library.h"
#include "energy/rapl_source.h"
#include "fake_library.h"
#include "harness.h"
#include "sensor_fakes.h"

namespace sj::testing {
namespace {

const std::string kFakeLibraryPath = besideTestBinary(SEDJOULE_FAKE_NVML);
const char* const kFakeLibrary = kFakeLibraryPath.c_str();

struct FakeDevice {
  std::shared_ptr<NvmlLibrary> library;
  NvmlDevice handle = nullptr;
};

FakeDevice openFake() {
  NvmlLibrary::Opened opened = NvmlLibrary::open(kFakeLibrary);
  SJ_CHECK(opened.library, "the fake NVML should load: ", opened.status);
  NvmlDeviceList list;
  std::string status;
  SJ_CHECK(listNvmlDevices(*opened.library, list, status) && !list.devices.empty(), "the fake has a device: ", status);
  return {opened.library, list.devices[0].handle};
}

double fieldW(const FakeDevice& d, unsigned int id, NvmlReturn* code = nullptr) {
  NvmlFieldValue v{};
  v.fieldId = id;
  SJ_CHECK(d.library->fn().fieldValues(d.handle, 1, &v) == kNvmlSuccess, "nvmlDeviceGetFieldValues");
  if (code) *code = v.nvmlReturn;
  else SJ_CHECK(v.nvmlReturn == kNvmlSuccess, "field ", id, " answered ", v.nvmlReturn);
  return nvmlFieldAsDouble(v) * 1e-3;
}
double instantW(const FakeDevice& d) { return fieldW(d, 186); }
double averageW(const FakeDevice& d) { return fieldW(d, 185); }
double usageW(const FakeDevice& d) {
  unsigned int mW = 0;
  SJ_CHECK(d.library->fn().powerUsage(d.handle, &mW) == kNvmlSuccess, "nvmlDeviceGetPowerUsage");
  return mW * 1e-3;
}
unsigned long long counterMJ(const FakeDevice& d) {
  unsigned long long mJ = 0;
  SJ_CHECK(d.library->fn().totalEnergy(d.handle, &mJ) == kNvmlSuccess, "nvmlDeviceGetTotalEnergyConsumption");
  return mJ;
}

// Runs `check(device, log, tk)` early in a publication period of `periodS` (phase 0), tk being that
// period's grid point; `check` writes the load log around tk, reads, and returns whether its reads
// stayed in the period (the machine may be slow). A fresh fake (and log) per attempt.
template <class Check>
void atGridPoint(const FakeEnvironment::Variables& variables, double periodS, Check check) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    ScratchFolder dir;
    const std::string log = dir.path("load.log");
    FakeEnvironment::Variables all = variables;
    all.push_back({"FAKE_NVML_LOAD_LOG", log});
    FakeEnvironment env(all);
    FakeDevice device = openFake();
    double tk = std::floor(steadyNowS() / periodS) * periodS;
    if (steadyNowS() - tk > 0.2 * periodS) {
      tk += periodS;
      sleepUntilSteadyS(tk + 0.001);
    }
    if (check(device, log, tk)) return;
  }
  failTest("the reads never stayed within one publication period in 8 attempts");
}

bool near(double got, double want, double tolerance) { return std::fabs(got - want) <= tolerance; }

// T = 100 ms, boxcar W = 40 ms (part-time: 60 % of each period is never seen), no noise. Two bursts
// at full load: [tk - 90, tk - 50] ms (outside the window) and [tk - 25, tk - 5] ms (half of it):
//   field 186 = 60 + 340 x 20/40 = 230 W (a full-period mean would give 60 + 340 x 60/100 = 264 W)
//   field 185 and GetPowerUsage, boxcar of 200 ms = 60 + 340 x 60/200 = 162 W
SJ_TEST(fake_nvml_model_boxcar_part_time_and_average) {
  atGridPoint({{"FAKE_NVML_POWER_PERIOD_MS", "100"}, {"FAKE_NVML_WINDOW_MS", "40"}, {"FAKE_NVML_AVERAGE_WINDOW_MS", "200"},
               {"FAKE_NVML_NOISE_W", "0"}},
              0.1, [](const FakeDevice& d, const std::string& log, double tk) {
                appendLoadLog(log, loadLogOn(tk - 0.09, 1) + loadLogOff(tk - 0.05) + loadLogOn(tk - 0.025, 1) + loadLogOff(tk - 0.005));
                const double instant = instantW(d), average = averageW(d), usage = usageW(d);
                if (steadyNowS() >= tk + 0.1) return false;
                SJ_CHECK(near(instant, 230, 0.0015), "field 186 gave ", instant, " W, want 230 W");
                SJ_CHECK(near(average, 162, 0.0015), "field 185 gave ", average, " W, want 162 W");
                SJ_CHECK(near(usage, 162, 0.0015), "GetPowerUsage gave ", usage, " W, want 162 W");
                return true;
              });
}

// Exponential, tau = 20 ms, burst [tk - 50, tk - 10] ms at intensity 1:
//   60 + 340 x (exp(-10/20) - exp(-50/20)) = 60 + 340 x 0.5244456 = 238.3115 W
SJ_TEST(fake_nvml_model_exponential_window) {
  atGridPoint({{"FAKE_NVML_POWER_PERIOD_MS", "100"}, {"FAKE_NVML_WINDOW_MS", "20"}, {"FAKE_NVML_WINDOW_SHAPE", "exponential"},
               {"FAKE_NVML_NOISE_W", "0"}},
              0.1, [](const FakeDevice& d, const std::string& log, double tk) {
                appendLoadLog(log, loadLogOn(tk - 0.05, 1) + loadLogOff(tk - 0.01));
                const double instant = instantW(d);
                if (steadyNowS() >= tk + 0.1) return false;
                const double want = 60 + 340 * (std::exp(-0.5) - std::exp(-2.5));
                SJ_CHECK(near(instant, want, 0.0015), "field 186 gave ", instant, " W, want ", want, " W");
                return true;
              });
}

// Delay 30 ms, boxcar 40 ms, a half-intensity burst [tk - 60, tk - 35] ms: seen over
// [tk - 30, tk - 5] ms, 25 ms of the window: 60 + 170 x 25/40 = 166.25 W (undelayed: 5 ms, 81.25 W).
SJ_TEST(fake_nvml_model_delay) {
  atGridPoint({{"FAKE_NVML_POWER_PERIOD_MS", "100"}, {"FAKE_NVML_WINDOW_MS", "40"}, {"FAKE_NVML_DELAY_MS", "30"}, {"FAKE_NVML_NOISE_W", "0"}},
              0.1, [](const FakeDevice& d, const std::string& log, double tk) {
                appendLoadLog(log, loadLogOn(tk - 0.06, 0.5) + loadLogOff(tk - 0.035));
                const double instant = instantW(d);
                if (steadyNowS() >= tk + 0.1) return false;
                SJ_CHECK(near(instant, 166.25, 0.0015), "field 186 gave ", instant, " W, want 166.25 W");
                return true;
              });
}

// The counter between two consecutive grid points tk + 100 and tk + 200 ms (both after nvmlInit,
// where its integral starts), with a half-intensity burst [tk + 120, tk + 170] ms in between:
// 60 x 0.1 + 170 x 0.05 = 14.5 J, floored to 5 mJ steps.
SJ_TEST(fake_nvml_model_counter_integral) {
  atGridPoint({{"FAKE_NVML_POWER_PERIOD_MS", "100"}, {"FAKE_NVML_COUNTER_RESOLUTION_MJ", "5"}, {"FAKE_NVML_NOISE_W", "0"}}, 0.1,
              [](const FakeDevice& d, const std::string& log, double tk) {
                appendLoadLog(log, loadLogOn(tk + 0.12, 0.5) + loadLogOff(tk + 0.17));
                sleepUntilSteadyS(tk + 0.101);
                const unsigned long long first = counterMJ(d);
                if (steadyNowS() >= tk + 0.2) return false;
                sleepUntilSteadyS(tk + 0.201);
                const unsigned long long second = counterMJ(d);
                if (steadyNowS() >= tk + 0.3) return false;
                SJ_CHECK(first % 5 == 0 && second % 5 == 0, "the counter steps by 5 mJ: ", first, ", ", second);
                const double delta = static_cast<double>(second) - static_cast<double>(first);
                SJ_CHECK(near(delta, 14500, 5), "the counter rose ", delta, " mJ over one period, want 14500 mJ");
                return true;
              });
}

// Noise is fixed per publication: every read of one period agrees, and periods differ.
SJ_TEST(fake_nvml_model_noise_fixed_per_period) {
  ScratchFolder dir;
  FakeEnvironment env({{"FAKE_NVML_LOAD_LOG", dir.path("load.log")}, {"FAKE_NVML_POWER_PERIOD_MS", "20"}, {"FAKE_NVML_NOISE_W", "2"}});
  FakeDevice d = openFake();
  std::set<double> values;
  for (int i = 0; i < 6; ++i) {
    const double tk = std::floor(steadyNowS() / 0.02) * 0.02;
    const double a = instantW(d), b = instantW(d);
    if (steadyNowS() < tk + 0.02) SJ_CHECK(a == b, "two reads of one publication differ: ", a, " and ", b, " W");
    SJ_CHECK(near(a, 60, 12), "idle 60 W with 2 W noise gave ", a, " W");
    values.insert(a);
    sleepUntilSteadyS(tk + 0.021);
  }
  SJ_CHECK(values.size() > 1, "six publications all read ", *values.begin(), " W: no noise");
}

// Without a load log the fake behaves as before: no field 185.
SJ_TEST(fake_nvml_without_load_log_has_no_field_185) {
  FakeEnvironment env(FakeEnvironment::Variables{{"FAKE_NVML_POWER_W", "123"}});
  FakeDevice d = openFake();
  NvmlReturn code = kNvmlSuccess;
  fieldW(d, 185, &code);
  SJ_CHECK(code == kNvmlNotSupported, "field 185 answered ", code, ", want NOT_SUPPORTED (3)");
  SJ_CHECK(instantW(d) == 123, "field 186 keeps the scripted power");
}

// The fake powercap writer: the layout the RAPL source reads, and a counter that wraps modulo
// max_energy_range_uj (at 450 W and a 250 J range, every 0.56 s). The writer is frozen (SIGSTOP)
// while the first and last values are read, so the source's count can be compared exactly with the
// raw values and the wraps seen in between (read every few ms: a wrap is missed only if this test
// stalls for 0.56 s). 450 W is under half the source's 1000 W plausibility bound, so a read
// delayed by a loaded machine between the file and the clock is not taken for a jump.
SJ_TEST(fake_powercap_writer_layout_and_wrap) {
  ScratchFolder dir;
  const std::string root = dir.path("powercap");
  const uint64_t rangeUj = 250000000;
  FakeEnvironment env({{"FAKE_RAPL_IDLE_W", "450"}, {"FAKE_RAPL_BUSY_W", "450"}, {"FAKE_RAPL_MAX_RANGE_UJ", std::to_string(rangeUj)}});
  FakePowercapWriter writer(root);
  RaplDiscovery found = discoverRapl(root);
  SJ_CHECK(found.available && found.sources.size() == 2, "package and dram zones: ", found.status);
  EnergySource* package = nullptr;
  for (auto& s : found.sources)
    if (s->info().id == "rapl:package-0") package = s.get();
  SJ_CHECK(package, "no rapl:package-0 source: ", found.status);
  const std::string energyFile = root + "/intel-rapl:0/energy_uj";
  const auto raw = [&] {
    std::ifstream f(energyFile);
    uint64_t uj = 0;
    SJ_CHECK(static_cast<bool>(f >> uj), "cannot read ", energyFile);
    return uj;
  };
  writer.pause();
  const uint64_t firstRaw = raw();
  const SourceReading first = package->read();
  writer.resume();
  SJ_CHECK(first.ok, first.error);
  uint64_t previousRaw = firstRaw, wraps = 0;
  for (const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(1100); std::chrono::steady_clock::now() < end;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    const uint64_t now = raw();
    wraps += now < previousRaw;
    previousRaw = now;
    const SourceReading r = package->read();
    SJ_CHECK(r.ok && r.discontinuity.empty(), "read: ", r.error, r.discontinuity);
  }
  writer.pause();
  const uint64_t lastRaw = raw();
  wraps += lastRaw < previousRaw;
  const SourceReading last = package->read();
  writer.resume();
  SJ_CHECK(wraps >= 1, "the counter never wrapped");
  const double counted = *last.energyJ - *first.energyJ;
  const double want = (static_cast<double>(lastRaw) + static_cast<double>(wraps * rangeUj) - static_cast<double>(firstRaw)) * 1e-6;
  SJ_CHECK(near(counted, want, 1e-6), "the source counted ", counted, " J, the raw counter with ", wraps, " wraps says ", want, " J");
}

}  // namespace
}  // namespace sj::testing
