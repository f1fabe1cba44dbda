// Per-process GPU attribution against the fake libnvidia-ml (test/fake/fake_nvml.c, the test double
// at the driver boundary), scripted by FAKE_NVML_PROCESSES.
#include <cstdlib>
#include <string>

#include "energy/gpu_attribution.h"
#include "expect_error.h"
#include "fake_library.h"
#include "harness.h"

namespace sj::testing {
namespace {

const std::string kFakeLibraryPath = besideTestBinary(SEDJOULE_FAKE_NVML);
const char* const kFakeLibrary = kFakeLibraryPath.c_str();

// Sets the two variables these tests use and clears them on both ends.
class ProcessScript {
 public:
  ProcessScript(const char* devices, const char* processes) {
    setenv("FAKE_NVML_DEVICES", devices, 1);
    setenv("FAKE_NVML_PROCESSES", processes, 1);
  }
  ~ProcessScript() {
    unsetenv("FAKE_NVML_DEVICES");
    unsetenv("FAKE_NVML_PROCESSES");
  }
  ProcessScript(const ProcessScript&) = delete;
  ProcessScript& operator=(const ProcessScript&) = delete;
};

const Json& field(const Json& object, const char* key) {
  const Json* v = object.find(key);
  SJ_CHECK(v != nullptr, "no field ", key, " in ", object.dump());
  return *v;
}

}  // namespace

SJ_TEST(gpu_attribution_keeps_only_the_asked_pids_per_device) {
  ProcessScript script("3", "0:4242:1000:30,1:4242:2000:60,1:777:5:1");
  const Json out = attributeGpuProcesses(kFakeLibrary, {}, {4242}, 0);
  SJ_CHECK(field(out, "kind").asString() == "attribution" && field(out, "note").asString().find("not measurement") != std::string::npos,
           out.dump());
  const auto& devices = field(out, "devices").items();
  SJ_CHECK(devices.size() == 3, out.dump());
  SJ_CHECK(field(devices[0], "processes").dump() == R"([{"pid":4242,"usedMemoryBytes":1000}])", field(devices[0], "processes").dump());
  SJ_CHECK(field(devices[1], "processes").dump() == R"([{"pid":4242,"usedMemoryBytes":2000}])", field(devices[1], "processes").dump());
  SJ_CHECK(field(devices[1], "utilisation").items().size() == 1 && field(field(devices[1], "utilisation").items()[0], "smPercent").asNumber() == 60,
           field(devices[1], "utilisation").dump());
  SJ_CHECK(field(devices[1], "uuid").asString() == "GPU-fa4e0000-0000-0000-0000-000000000001", field(devices[1], "uuid").dump());
  SJ_CHECK(field(devices[2], "processes").items().empty() && field(devices[2], "processesStatus").asString() == "ok", devices[2].dump());
  SJ_CHECK(field(devices[2], "utilisationStatus").asString() == "no samples since lastSeenUs", devices[2].dump());
  SJ_CHECK(field(out, "lastSeenUs").asNumber() > 0, out.dump());
}

SJ_TEST(gpu_attribution_follows_the_gpus_selection) {
  ProcessScript script("2", "0:10:1:5,1:10:2:7");
  const Json out = attributeGpuProcesses(kFakeLibrary, {"GPU-fa4e0000-0000-0000-0000-000000000001"}, {10}, 0);
  const auto& devices = field(out, "devices").items();
  SJ_CHECK(devices.size() == 1 && field(devices[0], "id").asString() == "nvml:1", out.dump());
  expectError(ErrorCode::Value, "gpus: \"9\" matches no NVML device", [] { attributeGpuProcesses(kFakeLibrary, {"9"}, {10}, 0); });
}

SJ_TEST(gpu_attribution_without_nvml_says_why) {
  const Json out = attributeGpuProcesses("/nonexistent/libnvidia-ml.so.1", {}, {1}, 0);
  SJ_CHECK(field(out, "devices").items().empty() && field(out, "status").asString().find("/nonexistent/libnvidia-ml.so.1") != std::string::npos,
           out.dump());
}

}  // namespace sj::testing
