// The NVML energy source against the fake libnvidia-ml (test/fake/fake_nvml.c), loaded through
// the same dlopen path as the driver's library. CMake passes the fakes' paths as
// SEDJOULE_FAKE_NVML and SEDJOULE_FAKE_NVML_NOENERGY_SYMBOL. The fake reads its script from the
// environment at nvmlInit, so every test sets it before discovery and releases every source
// before the next one (the last release calls nvmlShutdown and the next discovery starts afresh).
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "energy/nvml_source.h"
#include "expect_error.h"
#include "fake_library.h"
#include "harness.h"

namespace sj::testing {
namespace {

const std::string kFakeLibraryPath = besideTestBinary(SEDJOULE_FAKE_NVML);
const char* const kFakeLibrary = kFakeLibraryPath.c_str();
const std::string kFakeLibraryWithoutEnergyPath = besideTestBinary(SEDJOULE_FAKE_NVML_NOENERGY_SYMBOL);
const char* const kFakeLibraryWithoutEnergy = kFakeLibraryWithoutEnergyPath.c_str();

// Sets the fake's script for one test and clears it (and SEDJOULE_NVML_LIB) on both ends, so no
// test sees another's variables.
class FakeScript {
 public:
  FakeScript(std::initializer_list<std::pair<const char*, std::string>> variables) {
    clear();
    for (const auto& [key, value] : variables) setenv(key, value.c_str(), 1);
  }
  ~FakeScript() { clear(); }
  FakeScript(const FakeScript&) = delete;
  FakeScript& operator=(const FakeScript&) = delete;

 private:
  static void clear() {
    for (const char* key :
         {"FAKE_NVML_DEVICES", "FAKE_NVML_NAME", "FAKE_NVML_POWER_W", "FAKE_NVML_POWER_PATTERN", "FAKE_NVML_POWER_STEP_W",
          "FAKE_NVML_COUNTER_PERIOD_MS", "FAKE_NVML_POWER_PERIOD_MS", "FAKE_NVML_START_ENERGY_MJ", "FAKE_NVML_NO_ENERGY",
          "FAKE_NVML_NO_INSTANT", "FAKE_NVML_FAIL_AFTER", "FAKE_NVML_FAIL_FOR", "FAKE_NVML_COUNTER_RESET_AFTER", "FAKE_NVML_COUNTER_SEQUENCE_MJ", "FAKE_NVML_INIT_ERROR",
          "FAKE_NVML_UTIL_GPU", "FAKE_NVML_UTIL_MEM", "FAKE_NVML_MEMORY_USED", "FAKE_NVML_SM_CLOCK_MHZ", "FAKE_NVML_TEMPERATURE_C", "FAKE_NVML_PROCESSES",
          "SEDJOULE_NVML_LIB"})
      unsetenv(key);
  }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void sleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

double seconds(int64_t ns) { return ns * 1e-9; }

// One discovery that must find `devices` sources.
NvmlDiscovery discoverFake(const std::string& path, size_t devices = 1) {
  NvmlDiscovery d = discoverNvml(path);
  SJ_CHECK(d.available, "NVML from ", path, " should be available: ", d.status);
  SJ_CHECK(d.sources.size() == devices, "expected ", devices, " sources, got ", d.sources.size(), ": ", d.status);
  return d;
}

SourceReading readOk(EnergySource& source) {
  SourceReading r = source.read();
  SJ_CHECK(r.ok, source.info().id, " read failed: ", r.error);
  return r;
}

// The counter publishes every `periodS` and floors to whole mJ, so an energy difference between
// two reads taken Δt apart at constant power P lies within P * periodS + 1 mJ of P * Δt. The read
// time is stamped just after the NVML call, not inside it: 2 ms of slack per read covers that.
double counterBoundJ(double watts, double periodS) { return watts * (periodS + 0.004) + 2e-3; }

SJ_TEST(nvml_missing_library_is_a_status) {
  FakeScript script({});
  NvmlDiscovery d = discoverNvml("/nonexistent/libnvidia-ml.so.1");
  SJ_CHECK(!d.available && d.sources.empty(), "a missing library is not available");
  SJ_CHECK(contains(d.status, "/nonexistent/libnvidia-ml.so.1: cannot open shared object file"), "status: ", d.status);

  // With no argument, $SEDJOULE_NVML_LIB names the file.
  setenv("SEDJOULE_NVML_LIB", "/nonexistent/from-env.so", 1);
  NvmlDiscovery fromEnv = discoverNvml("");
  SJ_CHECK(!fromEnv.available && contains(fromEnv.status, "/nonexistent/from-env.so: cannot open"), "status: ", fromEnv.status);
}

SJ_TEST(nvml_missing_required_symbol_is_a_status) {
  FakeScript script({});
  // Any shared library that is not NVML lacks the first required symbol.
  NvmlDiscovery d = discoverNvml("libm.so.6");
  SJ_CHECK(!d.available && d.sources.empty(), "libm is not NVML");
  SJ_CHECK(contains(d.status, "symbol nvmlInit_v2 (or nvmlInit) missing in libm.so.6"), "status: ", d.status);
}

SJ_TEST(nvml_init_error_is_a_status) {
  {
    FakeScript script({{"FAKE_NVML_INIT_ERROR", "9"}});
    NvmlDiscovery d = discoverNvml(kFakeLibrary);
    SJ_CHECK(!d.available && d.sources.empty(), "a failed init is not available");
    SJ_CHECK(d.status == "nvmlInit failed: 9 (Driver Not Loaded)", "status: ", d.status);
  }
  // A failed init leaves nothing behind: the next discovery initialises afresh.
  FakeScript script({});
  discoverFake(kFakeLibrary);
}

SJ_TEST(nvml_zero_devices_is_not_available) {
  FakeScript script({{"FAKE_NVML_DEVICES", "0"}});
  NvmlDiscovery d = discoverNvml(kFakeLibrary);
  SJ_CHECK(!d.available && d.sources.empty(), "no devices, nothing to measure");
  SJ_CHECK(contains(d.status, "no devices"), "status: ", d.status);
}

SJ_TEST(nvml_counter_source_info_and_first_reading) {
  FakeScript script({{"FAKE_NVML_POWER_W", "100"}, {"FAKE_NVML_MEMORY_USED", "5000000"}, {"FAKE_NVML_UTIL_GPU", "70"}});
  const int64_t before = steadyNowNs();
  NvmlDiscovery d = discoverFake(kFakeLibrary);
  EnergySource& source = *d.sources[0];
  const SourceInfo& info = source.info();
  SJ_CHECK(info.id == "nvml:0" && info.device == "gpu" && info.name == "Fake GPU", info.id, " ", info.device, " ", info.name);
  SJ_CHECK(info.method == "nvml-counter", info.method);
  SJ_CHECK(info.additive, "a GPU adds into totals");
  SJ_CHECK(info.caps.energyCounter && info.caps.power && info.caps.utilisation && info.caps.memory && info.caps.clocks &&
               info.caps.temperature,
           "the fake reports everything");
  SJ_CHECK(info.counterResolutionJ == 1e-3 && info.updatePeriodS == 0.1 && info.accuracyFraction == 0.05, info.counterResolutionJ, " ",
           info.updatePeriodS, " ", info.accuracyFraction);
  SJ_CHECK(contains(info.accuracySource, "SC'24") && contains(info.accuracySource, "NVML documentation"), info.accuracySource);
  SJ_CHECK(info.details.at("uuid") == "GPU-fa4e0000-0000-0000-0000-000000000000", info.details.at("uuid"));
  SJ_CHECK(info.details.at("driver") == "999.99.99-fake", info.details.at("driver"));
  SJ_CHECK(info.details.at("powerLimitW") == "700", info.details.at("powerLimitW"));
  SJ_CHECK(info.details.at("architecture") == "hopper", info.details.at("architecture"));
  SJ_CHECK(contains(info.details.at("powerField"), "NVML_FI_DEV_POWER_INSTANT (field 186)"), info.details.at("powerField"));
  SJ_CHECK(info.details.at("library") == kFakeLibrary, info.details.at("library"));
  SJ_CHECK(contains(d.status, "nvml:0 Fake GPU (nvml-counter)") && contains(d.status, "driver 999.99.99-fake"), d.status);

  // energyJ counts from discovery, not from driver load (the fake starts at 123456789 mJ).
  SourceReading r = readOk(source);
  const double sinceStartS = seconds(r.timeNs - before);
  SJ_CHECK(r.error.empty(), r.error);
  SJ_CHECK(r.timeNs >= before, "the reading is stamped on the steady clock");
  SJ_CHECK(r.energyJ && *r.energyJ >= 0 && *r.energyJ <= 100 * sinceStartS + counterBoundJ(100, 0.1), "energy ",
           r.energyJ.value_or(-1), " J after ", sinceStartS, " s");
  SJ_CHECK(r.powerW && *r.powerW == 100, "power ", r.powerW.value_or(-1));
  SJ_CHECK(r.gpuUtilisationPct == 70.0 && r.memoryUtilisationPct == 20.0, "utilisation");
  SJ_CHECK(r.memoryUsedBytes == 5000000.0, "memory used ", r.memoryUsedBytes.value_or(-1));
  SJ_CHECK(r.smClockMHz == 1410.0 && r.temperatureC == 45.0, "clock and temperature");
}

SJ_TEST(nvml_counter_deltas_match_constant_power) {
  const double watts = 250, periodS = 0.05;
  FakeScript script({{"FAKE_NVML_POWER_W", "250"}, {"FAKE_NVML_COUNTER_PERIOD_MS", "50"}});
  NvmlDiscovery d = discoverFake(kFakeLibrary);
  SourceReading a = readOk(*d.sources[0]);
  sleepMs(400);
  SourceReading b = readOk(*d.sources[0]);
  const double dt = seconds(b.timeNs - a.timeNs), de = *b.energyJ - *a.energyJ;
  SJ_CHECK(std::fabs(de - watts * dt) <= counterBoundJ(watts, periodS), "counter gave ", de, " J over ", dt, " s at ", watts,
           " W (bound ", counterBoundJ(watts, periodS), " J)");
}

// A square wave: the counter is the exact integral of the scripted power, and the instant field
// shows both levels. The fake's init time is known only to lie within the discovery call, so the
// expected integral is computed from its midpoint and the bound grows by the power step times
// that uncertainty at every edge the window crosses.
SJ_TEST(nvml_counter_deltas_match_square_wave) {
  const double high = 300, low = 100, halfS = 0.15, periodS = 0.01;
  FakeScript script({{"FAKE_NVML_POWER_PATTERN", "300:0.15,100:0.15"},
                     {"FAKE_NVML_COUNTER_PERIOD_MS", "10"},
                     {"FAKE_NVML_POWER_PERIOD_MS", "10"}});
  const int64_t before = steadyNowNs();
  NvmlDiscovery d = discoverFake(kFakeLibrary);
  const int64_t after = steadyNowNs();
  const int64_t init = before + (after - before) / 2;
  auto integral = [&](double t) {  // joules from init to t seconds after it
    const double cycles = std::floor(t / (2 * halfS)), phase = t - cycles * 2 * halfS;
    return cycles * (high + low) * halfS + high * std::min(phase, halfS) + low * std::max(0.0, phase - halfS);
  };
  std::set<double> powers;
  SourceReading first = readOk(*d.sources[0]), last = first;
  for (int i = 0; i < 35; ++i) {
    sleepMs(20);
    last = readOk(*d.sources[0]);
    powers.insert(*last.powerW);
  }
  const double t0 = seconds(first.timeNs - init), t1 = seconds(last.timeNs - init);
  const double want = integral(t1) - integral(t0), got = *last.energyJ - *first.energyJ;
  const double edges = std::floor(t1 / halfS) - std::floor(t0 / halfS) + 2;
  const double bound = counterBoundJ(high, periodS) + (high - low) * edges * (seconds(after - before) / 2 + 0.002);
  SJ_CHECK(std::fabs(got - want) <= bound, "counter gave ", got, " J, the pattern integrates to ", want, " J over ", t1 - t0,
           " s (bound ", bound, " J)");
  SJ_CHECK(powers == std::set<double>({low, high}), "power took ", powers.size(), " values, want exactly 100 and 300 W");
}

SJ_TEST(nvml_counter_unsupported_falls_back_to_power) {
  FakeScript script({{"FAKE_NVML_NO_ENERGY", "1"}, {"FAKE_NVML_POWER_W", "80"}});
  NvmlDiscovery d = discoverFake(kFakeLibrary);
  const SourceInfo& info = d.sources[0]->info();
  SJ_CHECK(info.method == "nvml-power-integrated", info.method);
  SJ_CHECK(!info.caps.energyCounter && info.caps.power, "power only");
  SJ_CHECK(info.counterResolutionJ == 0, "no counter, no counter resolution: ", info.counterResolutionJ);
  SJ_CHECK(contains(info.details.at("energyCounter"), "nvmlDeviceGetTotalEnergyConsumption: 3 (Not Supported)"),
           info.details.at("energyCounter"));
  SJ_CHECK(contains(d.status, "(nvml-power-integrated)"), d.status);
  SourceReading r = readOk(*d.sources[0]);
  SJ_CHECK(!r.energyJ && r.powerW == 80.0, "energy ", r.energyJ.value_or(-1), ", power ", r.powerW.value_or(-1));
}

SJ_TEST(nvml_missing_energy_symbol_falls_back_to_power) {
  FakeScript script({{"FAKE_NVML_POWER_W", "90"}});
  NvmlDiscovery d = discoverFake(kFakeLibraryWithoutEnergy);
  const SourceInfo& info = d.sources[0]->info();
  SJ_CHECK(info.method == "nvml-power-integrated" && !info.caps.energyCounter && info.caps.power, info.method);
  SJ_CHECK(contains(info.details.at("energyCounter"), "symbol nvmlDeviceGetTotalEnergyConsumption missing"), info.details.at("energyCounter"));
  SourceReading r = readOk(*d.sources[0]);
  SJ_CHECK(!r.energyJ && r.powerW == 90.0, "power only");
}

SJ_TEST(nvml_instant_field_falls_back_to_power_usage) {
  {
    FakeScript script({{"FAKE_NVML_NO_INSTANT", "1"}, {"FAKE_NVML_POWER_W", "120"}});
    NvmlDiscovery d = discoverFake(kFakeLibrary);
    const SourceInfo& info = d.sources[0]->info();
    SJ_CHECK(info.method == "nvml-counter" && info.caps.power, "the counter still works: ", info.method);
    const std::string& field = info.details.at("powerField");
    SJ_CHECK(contains(field, "nvmlDeviceGetPowerUsage") && contains(field, "1 s average on Ampere and newer (except GA100)"), field);
    SJ_CHECK(readOk(*d.sources[0]).powerW == 120.0, "power from GetPowerUsage");
  }
  // Neither the counter nor the instant field: power integrated from GetPowerUsage.
  FakeScript script({{"FAKE_NVML_NO_INSTANT", "1"}, {"FAKE_NVML_NO_ENERGY", "1"}});
  NvmlDiscovery d = discoverFake(kFakeLibrary);
  SJ_CHECK(d.sources[0]->info().method == "nvml-power-integrated", d.sources[0]->info().method);
  SJ_CHECK(contains(d.sources[0]->info().details.at("powerField"), "nvmlDeviceGetPowerUsage"), d.sources[0]->info().details.at("powerField"));
  SJ_CHECK(readOk(*d.sources[0]).powerW == 100.0, "default power");
}

// The fake counts energy and power calls: discovery makes 2 (the counter probe and the instant
// field probe), each good read 2 more, a read that fails stops at its first call.
SJ_TEST(nvml_errors_mid_run_then_recovery) {
  const double watts = 200;
  FakeScript script({{"FAKE_NVML_POWER_W", "200"}, {"FAKE_NVML_FAIL_AFTER", "6"}, {"FAKE_NVML_FAIL_FOR", "3"}});
  NvmlDiscovery d = discoverFake(kFakeLibrary);
  EnergySource& source = *d.sources[0];
  std::vector<SourceReading> readings;
  for (int i = 0; i < 6; ++i) {
    readings.push_back(source.read());
    sleepMs(60);
  }
  for (int i : {0, 1, 5}) SJ_CHECK(readings[i].ok && readings[i].energyJ, "read ", i, " should succeed: ", readings[i].error);
  for (int i : {2, 3, 4}) {
    SJ_CHECK(!readings[i].ok, "read ", i, " should fail");
    SJ_CHECK(readings[i].error == "nvmlDeviceGetTotalEnergyConsumption: 15 (GPU is lost)", readings[i].error);
    SJ_CHECK(!readings[i].energyJ && !readings[i].powerW, "a failed read carries no values");
    SJ_CHECK(readings[i].timeNs > 0, "a failed read is stamped too");
  }
  // The device kept counting while the reads failed: nothing is lost.
  const double dt = seconds(readings[5].timeNs - readings[1].timeNs), de = *readings[5].energyJ - *readings[1].energyJ;
  SJ_CHECK(std::fabs(de - watts * dt) <= counterBoundJ(watts, 0.1), "after recovery the counter gave ", de, " J over ", dt, " s");

  // The power path names its own call, and FAIL_FOR unset fails forever. The old sources go
  // first, so that the next discovery initialises the fake afresh.
  d = NvmlDiscovery{};
  FakeScript powerOnly({{"FAKE_NVML_NO_ENERGY", "1"}, {"FAKE_NVML_FAIL_AFTER", "1"}});
  d = discoverFake(kFakeLibrary);
  for (int i = 0; i < 3; ++i) {
    SourceReading r = d.sources[0]->read();
    SJ_CHECK(!r.ok && r.error == "nvmlDeviceGetFieldValues(NVML_FI_DEV_POWER_INSTANT): 15 (GPU is lost)", r.error);
  }
}

SJ_TEST(nvml_counter_going_back_keeps_energy_monotonic) {
  const double watts = 150;
  // Energy reads: the discovery probe is 1, reads a and b are 2 and 3; the driver "reloads" before 4.
  FakeScript script({{"FAKE_NVML_POWER_W", "150"}, {"FAKE_NVML_COUNTER_RESET_AFTER", "3"}});
  NvmlDiscovery d = discoverFake(kFakeLibrary);
  EnergySource& source = *d.sources[0];
  SourceReading a = readOk(source);
  sleepMs(150);
  SourceReading b = readOk(source);
  sleepMs(150);
  SourceReading c = readOk(source);
  sleepMs(150);
  SourceReading e = readOk(source);
  SJ_CHECK(*b.energyJ > *a.energyJ && a.error.empty() && b.error.empty(), "normal counting before the reset");
  SJ_CHECK(contains(c.discontinuity, "energy counter went back from") && contains(c.discontinuity, "driver reload or GPU reset"),
           "discontinuity: ", c.discontinuity);
  SJ_CHECK(c.error.empty() && e.discontinuity.empty(), "a good reading: ", c.error, " ", e.discontinuity);
  SJ_CHECK(*c.energyJ == *b.energyJ, "re-based on the new counter value: ", *c.energyJ, " vs ", *b.energyJ);
  const double dt = seconds(e.timeNs - c.timeNs), de = *e.energyJ - *c.energyJ;
  SJ_CHECK(std::fabs(de - watts * dt) <= counterBoundJ(watts, 0.1), "after the reset the counter gave ", de, " J over ", dt, " s");
}

// Scripted raw counter values (mJ): the discovery probe reads 1,000,000; then +1 J, a jump of 1e9 J,
// +2 J. A 700 W power limit bounds a step to 2,800 W x its span: the jump is not counted.
SJ_TEST(nvml_counter_jump_beyond_the_bound_is_not_counted) {
  FakeScript script({{"FAKE_NVML_COUNTER_SEQUENCE_MJ", "1000000,1001000,1000001001000,1000001003000"}});
  NvmlDiscovery d = discoverFake(kFakeLibrary);
  EnergySource& source = *d.sources[0];
  SJ_CHECK(source.info().powerBoundW == 2800 && contains(source.info().powerBoundSource, "power limit (700 W)"), source.info().powerBoundW, " ",
           source.info().powerBoundSource);
  sleepMs(5);
  SourceReading a = readOk(source);
  SJ_CHECK(*a.energyJ == 1.0 && a.discontinuity.empty(), *a.energyJ, " ", a.discontinuity);
  SourceReading jump = readOk(source);
  SJ_CHECK(*jump.energyJ == 1.0, "the jump adds nothing: ", *jump.energyJ);
  SJ_CHECK(contains(jump.discontinuity, "jumped") && contains(jump.discontinuity, "2800 W") && contains(jump.discontinuity, "not counted"),
           jump.discontinuity);
  sleepMs(5);
  SourceReading after = readOk(source);
  SJ_CHECK(*after.energyJ == 3.0 && after.discontinuity.empty(), "counting resumes: ", *after.energyJ, " ", after.discontinuity);
  // The sequence is spent: the counter stays where it is (a stuck counter; the window finds it).
  SJ_CHECK(*readOk(source).energyJ == 3.0, "stuck");
}

SJ_TEST(nvml_multiple_devices) {
  FakeScript script({{"FAKE_NVML_DEVICES", "3"}, {"FAKE_NVML_POWER_W", "100"}, {"FAKE_NVML_POWER_STEP_W", "50"}, {"FAKE_NVML_NAME", "Fake H100"}});
  NvmlDiscovery d = discoverFake(kFakeLibrary, 3);
  std::set<std::string> uuids;
  std::vector<SourceReading> start;
  for (size_t i = 0; i < 3; ++i) {
    const SourceInfo& info = d.sources[i]->info();
    SJ_CHECK(info.id == "nvml:" + std::to_string(i) && info.name == "Fake H100" && info.method == "nvml-counter", info.id, " ", info.name);
    SJ_CHECK(contains(d.status, info.id + " Fake H100 (nvml-counter)"), d.status);
    uuids.insert(info.details.at("uuid"));
    start.push_back(readOk(*d.sources[i]));
    SJ_CHECK(start.back().powerW == 100.0 + 50.0 * i, info.id, " power ", start.back().powerW.value_or(-1));
  }
  SJ_CHECK(uuids.size() == 3, "every device has its own UUID");
  sleepMs(300);
  for (size_t i = 0; i < 3; ++i) {
    SourceReading r = readOk(*d.sources[i]);
    const double watts = 100.0 + 50.0 * i, dt = seconds(r.timeNs - start[i].timeNs), de = *r.energyJ - *start[i].energyJ;
    SJ_CHECK(std::fabs(de - watts * dt) <= counterBoundJ(watts, 0.1), d.sources[i]->info().id, " counted ", de, " J over ", dt, " s at ",
             watts, " W");
  }
}

SJ_TEST(nvml_library_lives_while_a_source_does) {
  std::unique_ptr<EnergySource> kept;
  {
    FakeScript script({{"FAKE_NVML_NAME", "First"}});
    setenv("SEDJOULE_NVML_LIB", kFakeLibrary, 1);  // the default path comes from the environment
    NvmlDiscovery d = discoverFake("");
    kept = std::move(d.sources[0]);
  }
  // The discovery is gone, the library is not: the kept source still reads.
  SJ_CHECK(kept->info().name == "First", kept->info().name);
  readOk(*kept);
  kept.reset();  // the last holder: nvmlShutdown, dlclose

  // A fresh init reads the new script.
  FakeScript script({{"FAKE_NVML_NAME", "Second"}, {"FAKE_NVML_POWER_W", "42"}});
  NvmlDiscovery d = discoverFake(kFakeLibrary);
  SJ_CHECK(d.sources[0]->info().name == "Second", d.sources[0]->info().name);
  SJ_CHECK(readOk(*d.sources[0]).powerW == 42.0, "new power");
}


SJ_TEST(nvml_gpus_selects_devices_by_index_uuid_and_prefix) {
  FakeScript script({{"FAKE_NVML_DEVICES", "3"}});
  {
    NvmlDiscovery d = discoverNvml(kFakeLibrary, {"2", "GPU-fa4e0000-0000-0000-0000-000000000000"});
    SJ_CHECK(d.sources.size() == 2, "two selected: ", d.status);
    SJ_CHECK(d.sources[0]->info().id == "nvml:0" && d.sources[1]->info().id == "nvml:2", d.sources[0]->info().id, " ", d.sources[1]->info().id);
    SJ_CHECK(contains(d.status, "selected by gpus: 2 of 3"), d.status);
  }
  {
    NvmlDiscovery d = discoverNvml(kFakeLibrary, {"GPU-fa4e0000-0000-0000-0000-000000000001"});
    SJ_CHECK(d.sources.size() == 1 && d.sources[0]->info().id == "nvml:1", d.status);
  }
}

SJ_TEST(nvml_gpus_unknown_or_ambiguous_entry_is_an_error_listing_devices) {
  FakeScript script({{"FAKE_NVML_DEVICES", "2"}});
  expectError(ErrorCode::Value, "gpus: \"7\" matches no NVML device; NVML devices: 0 GPU-fa4e0000-0000-0000-0000-000000000000, 1 GPU-fa4e",
              [] { discoverNvml(kFakeLibrary, {"7"}); });
  expectError(ErrorCode::Value, "\"GPU-fa4e\" is a prefix of several device UUIDs", [] { discoverNvml(kFakeLibrary, {"GPU-fa4e"}); });
  expectError(ErrorCode::Value, "gpus: devices were selected but NVML cannot be used",
              [] { discoverNvml("/nonexistent/libnvidia-ml.so.1", {"0"}); });
}

}  // namespace
}  // namespace sj::testing
